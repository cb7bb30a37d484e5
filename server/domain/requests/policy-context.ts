import type { DbOrTx } from "@/server/db";
import type { PolicyInput, RequestKind } from "@/server/domain/policies/engine";
import { parseStoredRules } from "@/server/domain/policies/compile";
import { DomainError } from "@/server/errors";

/** The resource's own policy if it has one, else its tier's default; always the current version. */
export async function currentPolicyFor(db: DbOrTx, resource: { id: string; tier: number }) {
  const policy =
    (await db.policy.findUnique({ where: { resourceId: resource.id }, include: { currentVersion: true } })) ??
    (await db.policy.findUnique({ where: { tier: resource.tier }, include: { currentVersion: true } }));
  if (!policy?.currentVersion) {
    throw new DomainError("VALIDATION", "No policy applies to this resource yet; ask an admin to set its tier's default policy.");
  }
  const parsed = parseStoredRules(policy.currentVersion.rules);
  // A stored document that no longer parses denies (fail closed) rather than crash or guess.
  if (!parsed.ok) throw new DomainError("VALIDATION", `The policy "${policy.name}" is invalid, so nothing can be requested under it; ask an admin to fix it.`);
  return { policy, version: policy.currentVersion, rules: parsed.rules };
}

export interface LoadPolicyInputArgs {
  requesterId: string;
  resourceId: string;
  accessLevelId: string;
  durationMinutes: number;
  startsAt: Date;
  now: Date;
  kind: RequestKind;
  justification: string;
  ticketRef?: string | null;
  /** When re-evaluating an existing request (extension), leave it out of the history counts. */
  excludeRequestId?: string;
}

/** Loads everything the pure policy engine needs, in a handful of indexed queries. */
export async function loadPolicyInput(db: DbOrTx, args: LoadPolicyInputArgs) {
  // Sequential on purpose: inside an interactive transaction all queries share one connection, and
  // pg queues (and deprecates) concurrent queries on one client.
  const requester = await db.identity.findUnique({
      where: { id: args.requesterId },
      select: {
        id: true,
        kind: true,
        status: true,
        ownerId: true,
        name: true,
        memberships: { select: { group: { select: { id: true, slug: true, kind: true } } } },
      },
    });
  const resource = await db.resource.findUnique({
      where: { id: args.resourceId },
      select: {
        id: true,
        slug: true,
        name: true,
        tier: true,
        timeZone: true,
        tags: true,
        ownerId: true,
        ownerGroupId: true,
        fallbackGroupId: true,
        requestable: true,
        archivedAt: true,
        connectorId: true,
        ownerGroup: { select: { slug: true } },
      },
    });
  const accessLevel = await db.accessLevel.findUnique({ where: { id: args.accessLevelId }, select: { id: true, key: true, name: true, riskWeight: true, resourceId: true } });
  if (!requester || requester.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "Your identity is not active.");
  if (!resource || resource.archivedAt || !resource.requestable) throw new DomainError("NOT_FOUND", "No such requestable resource.", { field: "resourceId" });
  if (!accessLevel || accessLevel.resourceId !== resource.id) {
    throw new DomainError("NOT_FOUND", "That access level does not exist on this resource.", { field: "accessLevelId" });
  }
  const { policy, version, rules } = await currentPolicyFor(db, resource);

  // A machine is judged with its owner's team (leads, on-call) but its own history.
  const personId = requester.ownerId ?? requester.id;
  const weekAgo = new Date(args.now.getTime() - 7 * 24 * 3600_000);
  const leads = await db.groupMembership.findMany({
    where: { isLead: true, group: { kind: "TEAM", members: { some: { identityId: personId } } } },
    select: { identityId: true },
  });
  const shifts = await db.onCallShift.findMany({
    where: { identityId: personId, startsAt: { lte: args.now }, endsAt: { gt: args.now } },
    select: { group: { select: { slug: true } } },
  });
  const requestsSameAccess7d = await db.accessRequest.count({
      where: {
        requesterId: requester.id,
        resourceId: resource.id,
        accessLevelId: accessLevel.id,
        createdAt: { gte: weekAgo },
        ...(args.excludeRequestId ? { id: { not: args.excludeRequestId } } : {}),
      },
  });
  const grantsSameAccessEver = await db.grant.count({ where: { identityId: requester.id, resourceId: resource.id, accessLevelId: accessLevel.id } });
  const activeGrantsForResource = await db.grant.count({ where: { identityId: requester.id, resourceId: resource.id, status: { in: ["SCHEDULED", "PROVISIONING", "ACTIVE"] } } });

  const input: PolicyInput = {
    rules,
    resource: {
      id: resource.id,
      slug: resource.slug,
      tier: resource.tier,
      timeZone: resource.timeZone,
      ownerGroupSlug: resource.ownerGroup?.slug ?? null,
      ownerId: resource.ownerId,
      tags: resource.tags,
    },
    accessLevel: { key: accessLevel.key, riskWeight: accessLevel.riskWeight },
    requester: {
      id: requester.id,
      kind: requester.kind,
      groups: requester.memberships.map((m) => m.group.slug),
      teamLeadIds: [...new Set(leads.map((l) => l.identityId))].filter((id) => id !== requester.id),
      onCall: shifts.length > 0,
      onCallGroups: shifts.map((s) => s.group.slug),
      ownerId: requester.ownerId,
    },
    durationMinutes: args.durationMinutes,
    startsAt: args.startsAt,
    now: args.now,
    kind: args.kind,
    justification: args.justification,
    ticketRef: args.ticketRef ?? null,
    history: { requestsSameAccess7d, grantsSameAccessEver, activeGrantsForResource },
  };
  return { input, requester, resource, accessLevel, policy, version };
}
