import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";

/** Every token (admins), or with `mine` the signed-in person's own tokens (anyone). */
export async function listApiTokens(ctx: Ctx, options: { mine?: boolean } = {}) {
  if (!options.mine) assertCan(ctx.actor, "admin:manage");
  if (options.mine && ctx.actor.type !== "identity") return [];
  return ctx.db.apiToken.findMany({
    where: options.mine && ctx.actor.type === "identity" ? { identityId: ctx.actor.id } : {},
    select: {
      id: true,
      name: true,
      prefix: true,
      scopes: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      createdAt: true,
      identity: { select: { id: true, name: true, kind: true } },
      createdBy: { select: { name: true } },
    },
    orderBy: [{ revokedAt: { sort: "asc", nulls: "first" } }, { createdAt: "desc" }],
    take: 500,
  });
}
