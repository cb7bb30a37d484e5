/**
 * The rule steps of the engine (2–5 in engine.ts): which rule decides, with its reasons and stages. The
 * request's own fields are checked before, in violations.ts.
 */
import type { CelContext } from "./cel";
import type { CompiledPolicy } from "./compile";
import { describeStages } from "./describe";
import type { ApprovalStage, ApproverSource } from "./schema";
import type { MatchedRule, PolicyInput, PolicyOutcome } from "./types";

export interface Route {
  outcome: PolicyOutcome;
  matched: MatchedRule;
  reasons: string[];
  stages: ApprovalStage[];
}

/** The groups the requester is on call for now. */
export function onCallGroupsOf(requester: PolicyInput["requester"]): readonly string[] {
  if (requester.onCallGroups) return requester.onCallGroups;
  return requester.onCall ? requester.groups : [];
}

/**
 * Sources that cannot produce an approver for this request are replaced by the fallback approvers, so a
 * request is never routed to nobody: a resource without an owner group or owner, a requester without a team
 * lead, or one who is the resource owner or their own only lead (they may not approve their own request).
 */
function substituteSources(stages: readonly ApprovalStage[], input: PolicyInput): { stages: ApprovalStage[]; notes: string[] } {
  const { resource, requester } = input;
  const self = new Set([requester.id, ...(requester.ownerId ? [requester.ownerId] : [])]);
  const notes = new Set<string>();
  const replace = (source: ApproverSource): ApproverSource => {
    if (source === "owner" && !resource.ownerGroupSlug) {
      notes.add("This resource has no owner group: its fallback approvers decide instead.");
      return "fallback";
    }
    if (source === "owner_person" && (!resource.ownerId || self.has(resource.ownerId))) {
      notes.add(resource.ownerId ? "You own this resource, so its fallback approvers decide instead of you." : "This resource has no owner: its fallback approvers decide instead.");
      return "fallback";
    }
    if (source === "team_lead" && !requester.teamLeadIds.some((id) => !self.has(id))) {
      notes.add("You have no team lead other than yourself on record: the resource's fallback approvers decide instead.");
      return "fallback";
    }
    return source;
  };
  const substituted = stages.map((stage) => ({ ...stage, sources: [...new Set(stage.sources.map(replace))] }));
  return { stages: substituted, notes: [...notes] };
}

function approvalRoute(stages: readonly ApprovalStage[], input: PolicyInput, matched: MatchedRule, lead: string[]): Route {
  const { stages: routed, notes } = substituteSources(stages, input);
  return {
    outcome: "approval",
    matched,
    reasons: [...lead, describeStages(routed, { ownerGroupSlug: input.resource.ownerGroupSlug }), ...notes],
    stages: routed,
  };
}

const deny = (matched: MatchedRule, reason: string): Route => ({ outcome: "deny", matched, reasons: [reason], stages: [] });

export interface RouteContext {
  input: PolicyInput;
  compiled: CompiledPolicy;
  celContext: CelContext;
  duration: number;
}

function routeBreakGlass({ input, compiled, celContext }: RouteContext): Route {
  const { rules } = input;
  const matched: MatchedRule = { rule: "break_glass" };
  if (!rules.breakGlass.allowed) return deny(matched, "Break-glass access is not allowed for this resource.");
  if (input.requester.kind === "MACHINE") return deny(matched, "Machine identities cannot use break-glass access.");
  // In an emergency only deny conditions apply: access is granted at once, so there is nobody to route an
  // approval to, and an auto-approve condition would change nothing.
  for (const [index, condition] of rules.conditions.entries()) {
    if (condition.effect !== "deny") continue;
    const verdict = runCondition(compiled, index, celContext);
    if (verdict.kind === "error") return deny({ rule: "condition", index, name: condition.name ?? null }, verdict.reason);
    if (verdict.kind === "match") return deny({ rule: "condition", index, name: condition.name ?? null }, condition.reason);
  }
  return {
    outcome: "auto_approve",
    matched,
    reasons: [
      `Break-glass: granted at once for at most ${rules.breakGlass.maxDurationMinutes} minutes. Security is alerted now, and an admin other than you must complete a post-incident review.`,
    ],
    stages: [],
  };
}

type Verdict = { kind: "match" } | { kind: "no_match" } | { kind: "error"; reason: string };

function runCondition(compiled: CompiledPolicy, index: number, celContext: CelContext): Verdict {
  const program = compiled.conditions[index];
  // A condition that cannot be evaluated might have been a deny: fail closed, and say which rule to fix.
  if (!program) return { kind: "error", reason: `Policy condition ${index + 1} is missing; ask an admin to fix the policy.` };
  if (!program.ok) return { kind: "error", reason: `The policy cannot be applied (${program.error}); ask an admin to fix it.` };
  const result = program.program(celContext);
  if (!result.ok) return { kind: "error", reason: `The policy cannot be applied: condition ${index + 1} failed (${result.message}); ask an admin to fix it.` };
  return result.value ? { kind: "match" } : { kind: "no_match" };
}

function routeStandard(context: RouteContext): Route {
  const { input, compiled, celContext, duration } = context;
  const { rules } = input;

  const limit = rules.limits.maxConcurrentGrants;
  // An extension continues a grant the requester already holds: it must not count against itself.
  if (input.kind === "STANDARD" && limit !== undefined && input.history.activeGrantsForResource >= limit) {
    return deny(
      { rule: "concurrent_grants" },
      `You already hold ${input.history.activeGrantsForResource} active grant(s) on this resource, the most this policy allows at once (${limit}); release one first.`,
    );
  }

  for (const [index, condition] of rules.conditions.entries()) {
    const matched: MatchedRule = { rule: "condition", index, name: condition.name ?? null };
    const verdict = runCondition(compiled, index, celContext);
    if (verdict.kind === "error") return deny(matched, verdict.reason);
    if (verdict.kind === "no_match") continue;
    if (condition.effect === "deny") return deny(matched, condition.reason);
    if (condition.effect === "auto_approve") return { outcome: "auto_approve", matched, reasons: [`Auto-approved: ${condition.reason}`], stages: [] };
    return approvalRoute(condition.stages, input, matched, [condition.reason]);
  }

  const onCallIn = onCallGroupsOf(input.requester);
  const hints: string[] = [];
  for (const [index, relaxation] of rules.onCall.entries()) {
    const group = relaxation.groups.find((slug) => onCallIn.includes(slug));
    if (group === undefined || !relaxation.accessLevels.includes(input.accessLevel.key)) continue;
    if (duration <= relaxation.maxDurationMinutes) {
      return {
        outcome: "auto_approve",
        matched: { rule: "on_call", index },
        reasons: [`Auto-approved: you are on call for ${group}, and ${input.accessLevel.key} access for up to ${relaxation.maxDurationMinutes} minutes needs no approval then.`],
        stages: [],
      };
    }
    hints.push(`On call for ${group}, ${input.accessLevel.key} access is auto-approved for up to ${relaxation.maxDurationMinutes} minutes; this request is longer.`);
  }

  const base = rules.approval;
  const matched: MatchedRule = { rule: "base" };
  if (base.mode === "deny") return { ...deny(matched, base.reason), reasons: [base.reason, ...hints] };
  if (base.mode === "auto") return { outcome: "auto_approve", matched, reasons: ["Auto-approved: this policy needs no approval for this request."], stages: [] };
  return approvalRoute(base.stages, input, matched, hints);
}

export function route(context: RouteContext): Route {
  const { input } = context;
  if (input.requester.kind === "MACHINE" && !input.requester.ownerId) {
    return deny({ rule: "machine_owner" }, "A machine identity without an accountable owner cannot request access; an admin must assign one.");
  }
  return input.kind === "BREAK_GLASS" ? routeBreakGlass(context) : routeStandard(context);
}
