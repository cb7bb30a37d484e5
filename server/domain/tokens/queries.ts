import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";

export async function listApiTokens(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  return ctx.db.apiToken.findMany({
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
