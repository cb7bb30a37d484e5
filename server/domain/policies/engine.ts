/**
 * The policy engine: what happens to one access request under one policy. Pure and synchronous: the caller
 * loads the rules, the resource, the requester's groups, on-call status and history, and gets back the
 * decision with its reasons — the same function serves the request form's preview, the submit, the HTTP API
 * and the admin simulator, so what the requester is shown is what is decided.
 *
 * Order of evaluation (docs/policies.md):
 *   1. the request's own fields (violations; any violation makes the outcome deny — fail closed)
 *   2. hard rules: a machine without an accountable owner, break-glass, the concurrent-grant limit
 *   3. custom CEL conditions, in order, first true wins (a condition that errors denies)
 *   4. on-call relaxations
 *   5. the base approval rule
 */
import { isWithinBusinessHours } from "./business-hours";
import { toCelContext } from "./cel";
import { compilePolicy } from "./compile";
import { computeRisk } from "./risk";
import { onCallGroupsOf, route } from "./routes";
import { conditionLabel, type PolicyRules } from "./schema";
import type { MatchedRule, PolicyDecision, PolicyInput } from "./types";
import { checkRequestFields } from "./violations";

export type { IdentityKind, MatchedRule, PolicyDecision, PolicyInput, PolicyOutcome, RequestKind, Violation, ViolationField } from "./types";

const MINUTE_MS = 60_000;
/** Keeps ends_at a valid date for an absurd duration (1e300 minutes), which is a violation anyway. */
const SANE_MINUTES = 100_000_000;

function maxDurationFor(input: PolicyInput): number {
  const { rules } = input;
  if (input.kind === "BREAK_GLASS") return rules.breakGlass.maxDurationMinutes;
  const perLevel = rules.limits.maxDurationByAccessLevel[input.accessLevel.key];
  return perLevel === undefined ? rules.limits.maxDurationMinutes : Math.min(perLevel, rules.limits.maxDurationMinutes);
}

function presetsWithin(presets: readonly number[], max: number): number[] {
  const within = [...new Set(presets.filter((minutes) => minutes <= max))].sort((a, b) => a - b);
  return within.length > 0 ? within : [max];
}

const finiteCount = (value: number) => (Number.isFinite(value) ? Math.max(0, Math.floor(value)) : 0);

export function evaluatePolicy(input: PolicyInput): PolicyDecision {
  const { rules, now } = input;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError("evaluatePolicy: now must be a valid Date");

  const compiled = compilePolicy(rules);
  const maxDurationMinutes = maxDurationFor(input);
  const violations = checkRequestFields(
    {
      kind: input.kind,
      durationMinutes: input.durationMinutes,
      startsAt: input.startsAt,
      now,
      justification: input.justification,
      ticketRef: input.ticketRef,
      maxDurationMinutes,
      accessLevelKey: input.accessLevel.key,
    },
    rules,
    compiled,
  );

  // The rules still run on a request with violations (so the form can preview the outcome once fixed), on
  // sanitised values: CEL cannot hold NaN, and a date must be a date.
  const duration = Number.isFinite(input.durationMinutes) && input.durationMinutes > 0 ? input.durationMinutes : 0;
  const validStart = input.startsAt instanceof Date && !Number.isNaN(input.startsAt.getTime());
  const startsAt = validStart && input.startsAt.getTime() > now.getTime() ? input.startsAt : now;
  const hours = isWithinBusinessHours(startsAt, input.resource.timeZone, rules.businessHours);

  const onCallIn = onCallGroupsOf(input.requester);
  const firstTime = finiteCount(input.history.grantsSameAccessEver) === 0;
  const recentRequests = finiteCount(input.history.requestsSameAccess7d);
  const risk = computeRisk({
    tier: input.resource.tier,
    accessLevelRiskWeight: input.accessLevel.riskWeight,
    durationMinutes: duration,
    maxDurationMinutes,
    outsideBusinessHours: !hours.within,
    firstTime,
    recentRequests,
    breakGlass: input.kind === "BREAK_GLASS",
    machine: input.requester.kind === "MACHINE",
    onCall: input.requester.onCall || onCallIn.length > 0,
  });

  const celContext = toCelContext({
    request: {
      durationMinutes: duration,
      accessLevel: input.accessLevel.key,
      kind: input.kind,
      startsAt,
      endsAt: new Date(startsAt.getTime() + Math.min(duration, SANE_MINUTES) * MINUTE_MS),
      justification: typeof input.justification === "string" ? input.justification : "",
      ticket: typeof input.ticketRef === "string" ? input.ticketRef.trim() : "",
    },
    requester: {
      groups: input.requester.groups,
      onCall: input.requester.onCall || onCallIn.length > 0,
      onCallGroups: onCallIn,
      kind: input.requester.kind,
      firstTime,
      recentRequests,
    },
    resource: { tier: input.resource.tier, tags: input.resource.tags, slug: input.resource.slug },
    now,
    businessHours: hours.within,
    riskScore: risk.score,
  });

  const routed = route({ input, compiled, celContext, duration });
  const notes = hours.timeZone === input.resource.timeZone ? [] : [`The resource's time zone "${input.resource.timeZone}" is unknown; business hours were checked in UTC.`];

  return {
    outcome: violations.length > 0 ? "deny" : routed.outcome,
    ruleOutcome: routed.outcome,
    matched: routed.matched,
    reasons: [...violations.map((violation) => violation.message), ...routed.reasons, ...notes],
    maxDurationMinutes,
    durationPresets: presetsWithin(rules.limits.durationPresetsMinutes, maxDurationMinutes),
    stages: routed.stages,
    risk,
    businessHours: hours.within,
    reminderMinutes: rules.sla.remindAfterMinutes,
    slaMinutes: rules.sla.escalateAfterMinutes,
    escalateTo: [...rules.sla.escalateTo],
    timeoutMinutes: rules.sla.timeoutMinutes,
    violations,
  };
}

/** The label of a matched rule for logs and the simulator: `condition 2 "Admin at night"`, `base rule`. */
export function describeMatchedRule(matched: MatchedRule, rules: PolicyRules): string {
  switch (matched.rule) {
    case "condition": {
      const condition = rules.conditions[matched.index];
      return condition ? conditionLabel(condition, matched.index) : `condition ${matched.index + 1}`;
    }
    case "on_call":
      return `on-call relaxation ${matched.index + 1}`;
    case "base":
      return "base rule";
    case "machine_owner":
      return "machine owner rule";
    case "break_glass":
      return "break-glass rule";
    case "concurrent_grants":
      return "concurrent grant limit";
  }
}
