import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { DomainError } from "@/server/errors";

/** Every group with its size and who is on call in it now. */
export async function listGroups(ctx: Ctx) {
  assertCan(ctx.actor, "identities:read");
  const now = new Date();
  return ctx.db.group.findMany({
    select: {
      id: true, slug: true, name: true, kind: true, description: true, idpGroup: true,
      _count: { select: { members: true, ownedResources: true } },
      onCallShifts: { where: { startsAt: { lte: now }, endsAt: { gt: now } }, select: { identity: { select: { name: true } } } },
    },
    orderBy: [{ kind: "asc" }, { name: "asc" }],
  });
}

/** One group: its members (leads first), its on-call shifts from a week ago on, and the resources it owns or backs up. */
export async function getGroup(groupId: string, ctx: Ctx) {
  assertCan(ctx.actor, "identities:read");
  const weekAgo = new Date(Date.now() - 7 * 24 * 3600_000);
  const group = await ctx.db.group.findUnique({
    where: { id: groupId },
    select: {
      id: true, slug: true, name: true, kind: true, description: true, idpGroup: true,
      members: {
        select: { isLead: true, identity: { select: { id: true, name: true, kind: true, roles: true, status: true, title: true } } },
        orderBy: [{ isLead: "desc" }, { identity: { name: "asc" } }],
      },
      onCallShifts: { where: { endsAt: { gt: weekAgo } }, select: { id: true, startsAt: true, endsAt: true, identity: { select: { id: true, name: true } } }, orderBy: { startsAt: "asc" }, take: 200 },
      ownedResources: { select: { id: true, name: true }, orderBy: { name: "asc" } },
      fallbackFor: { select: { id: true, name: true }, orderBy: { name: "asc" } },
    },
  });
  if (!group) throw new DomainError("NOT_FOUND", "No such group.");
  return group;
}
