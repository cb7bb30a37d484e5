/**
 * Who may decide a pending request, and what the decisions so far add up to. Pure: the caller resolves each
 * approver source of the request's stages to the people in it now (group members, on-call, leads) and loads
 * the decisions; the mutation calls canDecide and then nextState inside the transaction that records the
 * decision, so two approvers deciding at once serialise on the request row and see one outcome.
 *
 * Separation of duties, enforced here and nowhere else:
 * - the requester never decides their own request, whatever groups they share with the approvers;
 * - the owner of a machine identity never decides that machine's request, and a machine never decides;
 * - whoever created an API token of the requester (and so can act as them) never decides their requests;
 * - N of M means N distinct people, and one person decides a request at most once, across all stages;
 * - stages are decided in order;
 * - only people in the resolved sets now may decide, and only their decisions count: someone removed from the
 *   approver group loses both the right to decide and the weight of an approval given before (fail closed).
 */
import type { ApprovalStage, ApproverSource } from "@/server/domain/policies/schema";

export type DecisionKind = "APPROVE" | "DENY";

export interface RecordedDecision {
  approverId: string;
  /** Zero-based index of the stage the decision was made in. */
  stage: number;
  decision: DecisionKind;
}

/** Source → identity ids currently in it. A source missing from the map resolves to nobody. */
export type ResolvedApprovers = Readonly<Partial<Record<ApproverSource, readonly string[]>>>;

export interface ApprovalContext {
  /** The request's stages as decided by the policy (with escalation sources added by the caller, if any). */
  stages: readonly ApprovalStage[];
  resolved: ResolvedApprovers;
  requester: {
    id: string;
    /** For a machine identity: its owner. */
    ownerId?: string | null;
    /** People other than the requester who created one of the requester's API tokens: they can act as the requester. */
    tokenCreatorIds?: readonly string[];
  };
  /** Every machine identity among the resolved people (or more); machines never decide. */
  machineIds: ReadonlySet<string>;
}

export type ApprovalState =
  | {
      status: "pending";
      /** The stage being decided now. */
      stage: number;
      stageName: string;
      /** Approvals counted in this stage, and how many more are needed. */
      approvals: number;
      remaining: number;
    }
  | { status: "approved" }
  | { status: "denied"; deniedBy: string; stage: number };

export type RefusalCode = "MACHINE" | "SELF" | "MACHINE_OWNER" | "TOKEN_CREATOR" | "FINAL" | "ALREADY_DECIDED" | "STAGE_NOT_OPEN" | "NOT_ELIGIBLE";

export type CanDecideResult = { allowed: true; stage: number } | { allowed: false; code: RefusalCode; reason: string };

/** The people who must never count toward this request, whatever sets they appear in. */
function excludedFor(context: ApprovalContext): (id: string) => boolean {
  const { requester, machineIds } = context;
  return (id) => id === requester.id || (!!requester.ownerId && id === requester.ownerId) || !!requester.tokenCreatorIds?.includes(id) || machineIds.has(id);
}

/** The people eligible for each stage: the union of its sources, minus everyone excluded. */
export function eligibleApprovers(context: ApprovalContext): Set<string>[] {
  const excluded = excludedFor(context);
  return context.stages.map((stage) => {
    const people = new Set<string>();
    for (const source of stage.sources) {
      for (const id of context.resolved[source] ?? []) if (!excluded(id)) people.add(id);
    }
    return people;
  });
}

/**
 * The state of a request given its decisions, in any order. Any recorded deny is final, whoever made it
 * (denying is never an escalation of privilege). An approval counts once per person — their first
 * decision — toward the stage it was made in, if that person is eligible for that stage now.
 */
export function nextState(context: ApprovalContext, decisions: readonly RecordedDecision[]): ApprovalState {
  const denial = decisions.find((decision) => decision.decision === "DENY");
  if (denial) return { status: "denied", deniedBy: denial.approverId, stage: denial.stage };

  const eligible = eligibleApprovers(context);
  const counted = new Set<string>();
  const approvalsPerStage = context.stages.map(() => new Set<string>());
  for (const decision of decisions) {
    if (counted.has(decision.approverId)) continue; // one person, one decision per request
    counted.add(decision.approverId);
    if (eligible[decision.stage]?.has(decision.approverId)) approvalsPerStage[decision.stage]?.add(decision.approverId);
  }

  for (const [index, stage] of context.stages.entries()) {
    const approvals = approvalsPerStage[index]?.size ?? 0;
    if (approvals < stage.required) {
      return { status: "pending", stage: index, stageName: stage.name, approvals, remaining: stage.required - approvals };
    }
  }
  return { status: "approved" };
}

/** May this identity decide (approve or deny) the request now, and in which stage? */
export function canDecide(context: ApprovalContext, decisions: readonly RecordedDecision[], approverId: string): CanDecideResult {
  const { requester } = context;
  if (context.machineIds.has(approverId)) return { allowed: false, code: "MACHINE", reason: "A machine identity cannot decide access requests." };
  if (approverId === requester.id) return { allowed: false, code: "SELF", reason: "You cannot decide your own request." };
  if (requester.ownerId && approverId === requester.ownerId) {
    return { allowed: false, code: "MACHINE_OWNER", reason: "You own the machine identity that made this request, so you cannot decide it." };
  }
  if (requester.tokenCreatorIds?.includes(approverId)) {
    return { allowed: false, code: "TOKEN_CREATOR", reason: "You created an API token of the identity that made this request, so you could have made it: you cannot decide it." };
  }

  const state = nextState(context, decisions);
  if (state.status !== "pending") return { allowed: false, code: "FINAL", reason: `This request has already been ${state.status}.` };
  if (decisions.some((decision) => decision.approverId === approverId)) {
    return { allowed: false, code: "ALREADY_DECIDED", reason: "You have already decided this request." };
  }

  const eligible = eligibleApprovers(context);
  if (eligible[state.stage]?.has(approverId)) return { allowed: true, stage: state.stage };
  const laterStage = eligible.findIndex((people, index) => index > state.stage && people.has(approverId));
  if (laterStage !== -1) {
    const later = context.stages[laterStage]?.name ?? `stage ${laterStage + 1}`;
    return {
      allowed: false,
      code: "STAGE_NOT_OPEN",
      reason: `You approve in the "${later}" stage, which opens once "${state.stageName}" is approved.`,
    };
  }
  return { allowed: false, code: "NOT_ELIGIBLE", reason: "You are not an approver for this request." };
}

/**
 * Can the open stages still be filled by people who have not decided yet? False means the request would
 * wait for nobody until it expires: the caller escalates at once instead of waiting for the SLA. Each person
 * fills at most one slot across all stages, so this is a bipartite matching of open slots to people, not a
 * per-stage count (two stages of 1 from the same single person cannot both pass).
 */
export function canStillBeApproved(context: ApprovalContext, decisions: readonly RecordedDecision[]): boolean {
  const state = nextState(context, decisions);
  if (state.status !== "pending") return state.status === "approved";

  const eligible = eligibleApprovers(context);
  const decided = new Set(decisions.map((decision) => decision.approverId));
  const counted = new Map<number, number>();
  const seen = new Set<string>();
  for (const decision of decisions) {
    if (seen.has(decision.approverId)) continue;
    seen.add(decision.approverId);
    if (eligible[decision.stage]?.has(decision.approverId)) counted.set(decision.stage, (counted.get(decision.stage) ?? 0) + 1);
  }

  // One slot per missing approval; each slot lists the undecided people who could fill it.
  const slots: string[][] = [];
  context.stages.forEach((stage, index) => {
    const candidates = [...(eligible[index] ?? [])].filter((id) => !decided.has(id));
    for (let missing = stage.required - (counted.get(index) ?? 0); missing > 0; missing--) slots.push(candidates);
  });

  // Kuhn's augmenting paths: slots ≤ 50 (5 stages × 10), so this is instant.
  const holder = new Map<string, number>();
  const assign = (slot: number, visited: Set<string>): boolean => {
    for (const person of slots[slot] ?? []) {
      if (visited.has(person)) continue;
      visited.add(person);
      const current = holder.get(person);
      if (current === undefined || assign(current, visited)) {
        holder.set(person, slot);
        return true;
      }
    }
    return false;
  };
  return slots.every((_, slot) => assign(slot, new Set()));
}
