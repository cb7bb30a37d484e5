import type { DbOrTx } from "@/server/db";
import type { ApprovalStage, ApproverSource } from "@/server/domain/policies/schema";
import type { ResolvedApprovers } from "@/server/domain/approvals/eligibility";

export interface RoutingSubject {
  resource: { ownerId: string | null; ownerGroupId: string | null; fallbackGroupId: string | null };
  requester: { id: string; ownerId: string | null };
}

/** Every source named by the stages (and the escalation targets), once. */
export function sourcesOf(stages: readonly ApprovalStage[], extra: readonly ApproverSource[] = []): ApproverSource[] {
  return [...new Set([...stages.flatMap((stage) => stage.sources), ...extra])];
}

/**
 * Resolves approver sources to the people in them NOW (group membership and on-call shifts are read at
 * call time), so someone removed from an approver group can no longer decide, and a new member can.
 * Disabled identities never count.
 */
export async function resolveApprovers(db: DbOrTx, subject: RoutingSubject, sources: readonly ApproverSource[]): Promise<{ resolved: ResolvedApprovers; machineIds: Set<string> }> {
  const resolved: Partial<Record<ApproverSource, string[]>> = {};
  const now = new Date();
  const groupMembers = async (where: { id?: string; slug?: string }) =>
    (
      await db.groupMembership.findMany({
        where: { group: where, identity: { status: "ACTIVE" } },
        select: { identityId: true },
      })
    ).map((m) => m.identityId);

  for (const source of sources) {
    if (source === "owner") {
      resolved[source] = subject.resource.ownerGroupId ? await groupMembers({ id: subject.resource.ownerGroupId }) : [];
    } else if (source === "fallback") {
      resolved[source] = subject.resource.fallbackGroupId ? await groupMembers({ id: subject.resource.fallbackGroupId }) : [];
    } else if (source === "owner_person") {
      const owner = subject.resource.ownerId
        ? await db.identity.findFirst({ where: { id: subject.resource.ownerId, status: "ACTIVE" }, select: { id: true } })
        : null;
      resolved[source] = owner ? [owner.id] : [];
    } else if (source === "team_lead") {
      // A machine's team is its owner's.
      const personId = subject.requester.ownerId ?? subject.requester.id;
      const leads = await db.groupMembership.findMany({
        where: {
          isLead: true,
          identity: { status: "ACTIVE" },
          group: { kind: "TEAM", members: { some: { identityId: personId } } },
        },
        select: { identityId: true },
      });
      resolved[source] = [...new Set(leads.map((l) => l.identityId))];
    } else if (source.startsWith("group:")) {
      resolved[source] = await groupMembers({ slug: source.slice("group:".length) });
    } else if (source.startsWith("oncall:")) {
      const shifts = await db.onCallShift.findMany({
        where: { group: { slug: source.slice("oncall:".length) }, startsAt: { lte: now }, endsAt: { gt: now }, identity: { status: "ACTIVE" } },
        select: { identityId: true },
      });
      resolved[source] = [...new Set(shifts.map((s) => s.identityId))];
    }
  }
  const everyone = [...new Set(Object.values(resolved).flat().filter((id): id is string => typeof id === "string"))];
  const machines = everyone.length
    ? await db.identity.findMany({ where: { id: { in: everyone }, kind: "MACHINE" }, select: { id: true } })
    : [];
  return { resolved, machineIds: new Set(machines.map((m) => m.id)) };
}
