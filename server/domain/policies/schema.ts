/**
 * The policy rules document, stored as JSON in PolicyVersion.rules and edited by admins.
 *
 * Everything an admin can get wrong is refused here, at save time, with the path of the bad field: unknown
 * keys (strict objects, so a typo is not silently ignored), limits out of range, a ticket pattern that is not
 * a regular expression, and CEL conditions that do not parse or type-check (naming the rule and the position).
 * The language is described in docs/policies.md.
 */
import { z } from "zod";
import { compileCel, describeCelError } from "./cel";

/** Thirty days: no JIT window is longer; longer needs are standing access, decided elsewhere. */
export const MAX_POLICY_MINUTES = 30 * 24 * 60;

const ZSlug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, "a slug: lower-case letters, digits, '.', '_' or '-'");
const ZAccessLevelKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, "an access level key, e.g. read, write, admin");
const ZMinutes = z.number().int().min(1).max(MAX_POLICY_MINUTES);
const ZReason = z.string().trim().min(1).max(500);

/**
 * Where approvers come from; the caller resolves each source to people when routing a request.
 * - owner        members of the resource's owner group
 * - owner_person the resource's owner (one person)
 * - team_lead    the requester's team lead(s) (leads of the requester's team groups)
 * - fallback     members of the resource's fallback group (also the default escalation target)
 * - group:<slug> members of a named group
 * - oncall:<slug> the people on call now in that group's rotation
 */
export const ZApproverSource = z.union([
  z.enum(["owner", "owner_person", "team_lead", "fallback"]),
  z.templateLiteral(["group:", ZSlug]),
  z.templateLiteral(["oncall:", ZSlug]),
]);
export type ApproverSource = z.infer<typeof ZApproverSource>;

/** N of M: `required` distinct people from the union of `sources`. */
export const ZApprovalStage = z
  .object({
    name: z.string().trim().min(1).max(60),
    required: z.number().int().min(1).max(10),
    sources: z.array(ZApproverSource).min(1).max(10),
  })
  .strict();
export type ApprovalStage = z.infer<typeof ZApprovalStage>;

/** Ordered stages that must all pass; stage names are shown to approvers, so they must tell stages apart. */
const ZStages = z
  .array(ZApprovalStage)
  .min(1)
  .max(5)
  .superRefine((stages, ctx) => {
    const seen = new Set<string>();
    stages.forEach((stage, index) => {
      if (seen.has(stage.name)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `stage name "${stage.name}" is used twice` });
      seen.add(stage.name);
    });
  });

/** The base rule, applied when no condition and no on-call relaxation matched. */
export const ZApprovalRule = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("auto") }).strict(),
  z.object({ mode: z.literal("deny"), reason: ZReason }).strict(),
  z.object({ mode: z.literal("approval"), stages: ZStages }).strict(),
]);
export type ApprovalRule = z.infer<typeof ZApprovalRule>;

const ZCelExpression = z.string().trim().min(1).max(2000);

/** A custom condition in CEL; conditions are tried in order and the first that is true decides. */
export const ZCondition = z.discriminatedUnion("effect", [
  z.object({ name: z.string().trim().max(80).optional(), when: ZCelExpression, effect: z.literal("deny"), reason: ZReason }).strict(),
  z.object({ name: z.string().trim().max(80).optional(), when: ZCelExpression, effect: z.literal("auto_approve"), reason: ZReason }).strict(),
  z
    .object({
      name: z.string().trim().max(80).optional(),
      when: ZCelExpression,
      effect: z.literal("require_approval"),
      reason: ZReason,
      stages: ZStages,
    })
    .strict(),
]);
export type Condition = z.infer<typeof ZCondition>;

const ZTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM (24-hour)");
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export const ZBusinessHours = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).default(["mon", "tue", "wed", "thu", "fri"]),
    start: ZTimeOfDay.default("08:00"),
    end: ZTimeOfDay.default("18:00"),
  })
  .strict()
  // An overnight window (22:00–06:00) is two windows on two days; nobody has asked for it, so refuse it
  // rather than guess.
  .refine((hours) => hours.start < hours.end, { message: "business hours must end after they start (same day)", path: ["end"] });
export type BusinessHours = z.infer<typeof ZBusinessHours>;

/** On-call members of these groups get auto-approval for these access levels, up to a duration. */
export const ZOnCallRelaxation = z
  .object({
    groups: z.array(ZSlug).min(1).max(20),
    accessLevels: z.array(ZAccessLevelKey).min(1).max(20),
    maxDurationMinutes: ZMinutes,
  })
  .strict();
export type OnCallRelaxation = z.infer<typeof ZOnCallRelaxation>;

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

export const ZPolicyRules = z
  .object({
    version: z.literal(1),
    approval: ZApprovalRule,
    conditions: z.array(ZCondition).max(50).default([]),
    onCall: z.array(ZOnCallRelaxation).max(20).default([]),
    limits: z
      .object({
        maxDurationMinutes: ZMinutes,
        /** Tighter maxima for some access levels (key → minutes); the overall maximum still applies. */
        maxDurationByAccessLevel: z.record(ZAccessLevelKey, ZMinutes).default({}),
        /** Offered in the request form; those above the applicable maximum are dropped. */
        durationPresetsMinutes: z.array(ZMinutes).min(1).max(12).default([15, 60, 240, 480]),
        /** Per person, for this resource (all access levels); unset means no limit. */
        maxConcurrentGrants: z.number().int().min(1).max(100).optional(),
        /** How far ahead a start may be scheduled. */
        maxStartAheadMinutes: ZMinutes.default(14 * 24 * 60),
      })
      .strict(),
    justification: z.object({ minLength: z.number().int().min(1).max(500).default(10) }).strict().default({ minLength: 10 }),
    ticket: z
      .object({
        required: z.boolean().default(false),
        /** A regular expression the whole reference must match, e.g. "(INC|CHG)-\\d+". */
        pattern: z.string().min(1).max(200).refine(isValidRegex, "not a valid regular expression").optional(),
        /** Shown in the error message when the reference does not match, e.g. "INC-1234". */
        example: z.string().max(60).optional(),
      })
      .strict()
      .default({ required: false }),
    businessHours: ZBusinessHours.default({ days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00" }),
    breakGlass: z
      .object({ allowed: z.boolean(), maxDurationMinutes: ZMinutes.default(60) })
      .strict()
      .default({ allowed: false, maxDurationMinutes: 60 }),
    sla: z
      .object({
        /** Remind the approvers of a stage this long after it opened. */
        remindAfterMinutes: ZMinutes.default(60),
        /** Then add the escalateTo sources to the open stage. */
        escalateAfterMinutes: ZMinutes.default(240),
        escalateTo: z.array(ZApproverSource).min(1).max(10).default(["fallback"]),
        /** A request still undecided this long after submission expires. */
        timeoutMinutes: ZMinutes.default(24 * 60),
      })
      .strict()
      .refine((sla) => sla.remindAfterMinutes <= sla.escalateAfterMinutes && sla.escalateAfterMinutes <= sla.timeoutMinutes, {
        message: "expected remindAfterMinutes ≤ escalateAfterMinutes ≤ timeoutMinutes",
        path: ["escalateAfterMinutes"],
      })
      .default({ remindAfterMinutes: 60, escalateAfterMinutes: 240, escalateTo: ["fallback"], timeoutMinutes: 24 * 60 }),
  })
  .strict()
  .superRefine((rules, ctx) => {
    rules.conditions.forEach((condition, index) => {
      const compiled = compileCel(condition.when);
      if (compiled.ok) return;
      ctx.addIssue({
        code: "custom",
        path: ["conditions", index, "when"],
        message: `${conditionLabel(condition, index)}: ${describeCelError(compiled.error)}`,
        params: { kind: compiled.error.kind, position: compiled.error.position, line: compiled.error.line, column: compiled.error.column },
      });
    });
  });

/** The rules as stored and used (defaults filled in). */
export type PolicyRules = z.infer<typeof ZPolicyRules>;
/** The rules as written by an admin or the seed (defaults may be left out). */
export type PolicyRulesInput = z.input<typeof ZPolicyRules>;

/** How a condition is named in errors and reasons: `condition 2 "Admin at night"` (one-based, as admins count). */
export function conditionLabel(condition: Pick<Condition, "name">, index: number): string {
  return condition.name ? `condition ${index + 1} "${condition.name}"` : `condition ${index + 1}`;
}
