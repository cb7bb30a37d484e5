import { rolesAllow } from "@/server/auth/permissions";
import type { DbOrTx } from "@/server/db";
import type { Role } from "@/server/generated/prisma/enums";
import type { ApprovalStage, ApproverSource } from "@/server/domain/policies/schema";
import type { ApprovalContext, ResolvedApprovers } from "@/server/domain/approvals/eligibility";

export interface RoutingSubject {
  resource: { ownerId: string | null; ownerGroupId: string | null; fallbackGroupId: string | null };
  requester: { id: string; ownerId: string | null };
}

/** Every source named by the stages (and the escalation targets), once. */
export function sourcesOf(stages: readonly ApprovalStage[], extra: readonly ApproverSource[] = []): ApproverSource[] {
  return [...new Set([...stages.flatMap((stage) => stage.sources), ...extra])];
}

/**
 * Who can be an approver at all: an active identity with a role that may decide requests. A member of an
 * approver group without such a role is not asked: routing a request to someone who is refused when they
 * decide would count them towards "N of M" and leave the request waiting for nobody. (Roles are read and
 * tested here rather than in the query: the embedded database's adapter sends an enum array filter as a
 * malformed array literal.)
 */
const active = { status: "ACTIVE" } as const;
const withRoles = { identity: { select: { roles: true } } } as const;

function deciders(rows: readonly { identityId: string; identity: { roles: readonly Role[] } }[]): string[] {
  return [...new Set(rows.filter((row) => rolesAllow(row.identity.roles, "requests:decide")).map((row) => row.identityId))];
}

/**
 * Resolves approver sources to the people in them NOW (group membership, on-call shifts and roles are read
 * at call time), so someone removed from an approver group, or whose approver role was taken away, can no
 * longer decide, and a new member can. Disabled identities never count. Also returns the requester as the
 * eligibility rules see them: with everyone who can act as them (the creators of their API tokens).
 */
export async function resolveApprovers(
  db: DbOrTx,
  subject: RoutingSubject,
  sources: readonly ApproverSource[],
): Promise<{ resolved: ResolvedApprovers; machineIds: Set<string>; requester: ApprovalContext["requester"] }> {
  const resolved: Partial<Record<ApproverSource, string[]>> = {};
  const now = new Date();
  const groupMembers = async (where: { id?: string; slug?: string }) =>
    deciders(await db.groupMembership.findMany({ where: { group: where, identity: active }, select: { identityId: true, ...withRoles } }));

  for (const source of sources) {
    if (source === "owner") {
      resolved[source] = subject.resource.ownerGroupId ? await groupMembers({ id: subject.resource.ownerGroupId }) : [];
    } else if (source === "fallback") {
      resolved[source] = subject.resource.fallbackGroupId ? await groupMembers({ id: subject.resource.fallbackGroupId }) : [];
    } else if (source === "owner_person") {
      const owner = subject.resource.ownerId
        ? await db.identity.findFirst({ where: { id: subject.resource.ownerId, ...active }, select: { id: true, roles: true } })
        : null;
      resolved[source] = owner ? deciders([{ identityId: owner.id, identity: owner }]) : [];
    } else if (source === "team_lead") {
      // A machine's team is its owner's.
      const personId = subject.requester.ownerId ?? subject.requester.id;
      const leads = await db.groupMembership.findMany({
        where: {
          isLead: true,
          identity: active,
          group: { kind: "TEAM", members: { some: { identityId: personId } } },
        },
        select: { identityId: true, ...withRoles },
      });
      resolved[source] = deciders(leads);
    } else if (source.startsWith("group:")) {
      resolved[source] = await groupMembers({ slug: source.slice("group:".length) });
    } else if (source.startsWith("oncall:")) {
      const shifts = await db.onCallShift.findMany({
        where: { group: { slug: source.slice("oncall:".length) }, startsAt: { lte: now }, endsAt: { gt: now }, identity: active },
        select: { identityId: true, ...withRoles },
      });
      resolved[source] = deciders(shifts);
    }
  }
  const everyone = [...new Set(Object.values(resolved).flat().filter((id): id is string => typeof id === "string"))];
  const machines = everyone.length
    ? await db.identity.findMany({ where: { id: { in: everyone }, kind: "MACHINE" }, select: { id: true } })
    : [];
  // Whoever created one of the requester's tokens holds (or held) its secret and can act as the requester.
  const tokens = await db.apiToken.findMany({ where: { identityId: subject.requester.id, createdById: { not: subject.requester.id } }, select: { createdById: true }, distinct: ["createdById"] });
  const tokenCreatorIds = tokens.map((t) => t.createdById).filter((id): id is string => typeof id === "string");
  return { resolved, machineIds: new Set(machines.map((m) => m.id)), requester: { ...subject.requester, tokenCreatorIds } };
}
