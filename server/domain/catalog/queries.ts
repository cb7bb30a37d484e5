import { assertCan } from "@/server/auth/permissions";
import type { CatalogSearchInput } from "@/server/domain/catalog/schema";
import { escapeLike, sanitizeSearchText } from "@/server/db/like";
import type { Ctx } from "@/server/domain/context";
import { parseStoredRules } from "@/server/domain/policies/compile";

/** Requestable resources with their access levels, filtered by name, tag, owner or tier. */
export async function listRequestableResources(input: CatalogSearchInput, ctx: Ctx) {
  assertCan(ctx.actor, "access:request");
  const text = input.q === undefined ? "" : sanitizeSearchText(input.q);
  // The ORM's `contains` passes LIKE wildcards through: escaped, "%" finds a percent sign, not everything.
  const q = escapeLike(text);
  const resources = await ctx.db.resource.findMany({
    where: {
      archivedAt: null,
      requestable: true,
      ...(input.tier ? { tier: input.tier } : {}),
      ...(q
        ? {
            OR: [
              { name: { contains: q, mode: "insensitive" } },
              { slug: { contains: q, mode: "insensitive" } },
              { description: { contains: q, mode: "insensitive" } },
              { tags: { has: text.toLowerCase() } },
              { owner: { name: { contains: q, mode: "insensitive" } } },
              { ownerGroup: { name: { contains: q, mode: "insensitive" } } },
            ],
          }
        : {}),
    },
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      tier: true,
      tags: true,
      environment: true,
      owner: { select: { name: true } },
      ownerGroup: { select: { name: true } },
      connector: { select: { kind: true, name: true } },
      accessLevels: { select: { id: true, key: true, name: true, mode: true }, orderBy: { riskWeight: "asc" } },
    },
    orderBy: [{ tier: "asc" }, { name: "asc" }],
    take: 200,
  });
  return resources;
}

/** Everything the admin resource pages need: resources with levels, connectors and groups to pick from. */
export async function listResourcesForAdmin(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const [resources, connectors, groups] = await Promise.all([
    ctx.db.resource.findMany({
      include: {
        accessLevels: { orderBy: { riskWeight: "asc" } },
        connector: { select: { id: true, name: true, kind: true } },
        ownerGroup: { select: { id: true, name: true } },
        fallbackGroup: { select: { id: true, name: true } },
        policies: { select: { id: true } },
        _count: { select: { grants: { where: { status: "ACTIVE" } } } },
      },
      orderBy: [{ tier: "asc" }, { name: "asc" }],
    }),
    ctx.db.connector.findMany({ select: { id: true, name: true, kind: true }, orderBy: { name: "asc" } }),
    ctx.db.group.findMany({ select: { id: true, name: true, kind: true }, orderBy: { name: "asc" } }),
  ]);
  return { resources, connectors, groups };
}

/**
 * Resources whose policy in force (the resource's own, else its tier's default) allows break-glass, with
 * that policy's window limit: what the break-glass form offers. The policy still decides at submission
 * (its conditions may restrict who can break glass); a policy that no longer parses allows nothing.
 */
export async function listBreakGlassResources(ctx: Ctx) {
  assertCan(ctx.actor, "access:break_glass");
  const [resources, policies] = await Promise.all([
    ctx.db.resource.findMany({
      where: { archivedAt: null, requestable: true },
      select: { id: true, name: true, tier: true, accessLevels: { select: { id: true, name: true }, orderBy: { riskWeight: "asc" } } },
      orderBy: [{ tier: "asc" }, { name: "asc" }],
    }),
    ctx.db.policy.findMany({ select: { resourceId: true, tier: true, currentVersion: { select: { rules: true } } } }),
  ]);
  const own = new Map(policies.filter((p) => p.resourceId).map((p) => [p.resourceId, p]));
  const tierDefault = new Map(policies.filter((p) => p.tier !== null).map((p) => [p.tier, p]));
  return resources.flatMap((resource) => {
    const policy = own.get(resource.id) ?? tierDefault.get(resource.tier);
    const parsed = policy?.currentVersion ? parseStoredRules(policy.currentVersion.rules) : null;
    if (!parsed?.ok || !parsed.rules.breakGlass.allowed) return [];
    return [{ ...resource, maxMinutes: parsed.rules.breakGlass.maxDurationMinutes }];
  });
}
