/**
 * The risk score of a request: 0 (routine) to 100 (look closely), with the points of every factor so an
 * approver sees why, not just how much. Deterministic and additive on purpose: an admin can predict the
 * score of a request from the table in docs/policies.md, and a CEL condition can act on it (risk_score).
 */

/** The weights, in one place; docs/policies.md repeats this table. */
export const RISK_WEIGHTS = {
  /** Tier 1 is production data / admin surfaces; tier 3 is low-sensitivity. */
  tier: { 1: 25, 2: 10, 3: 0 } as Readonly<Record<number, number>>,
  /** The access level's own riskWeight (AccessLevel.riskWeight), capped so one level cannot saturate the score alone. */
  accessLevelMax: 50,
  /** Scaled by the share of the maximum duration asked for: the full maximum adds this much. */
  durationMax: 15,
  outsideBusinessHours: 10,
  /** Never held this access before: nobody has seen this person use it. */
  firstTime: 10,
  /** Requests for the same access in the last 7 days: a pattern of standing need or of probing. */
  reRequests: [
    { atLeast: 6, points: 10 },
    { atLeast: 3, points: 5 },
  ],
  breakGlass: 25,
  /** Machines act without a human reading what they do, and their tokens leak through CI logs. */
  machineIdentity: 5,
  /** On call: the person is expected to need access now, and others are awake to notice. */
  onCall: -10,
} as const;

export interface RiskInput {
  tier: number;
  /** AccessLevel.riskWeight. */
  accessLevelRiskWeight: number;
  durationMinutes: number;
  /** The maximum that applies to this request (per access level, or break-glass). */
  maxDurationMinutes: number;
  outsideBusinessHours: boolean;
  firstTime: boolean;
  /** Requests for the same resource and access level in the last 7 days, this one excluded. */
  recentRequests: number;
  breakGlass: boolean;
  machine: boolean;
  onCall: boolean;
}

export type RiskFactor =
  | "tier"
  | "access_level"
  | "duration"
  | "outside_business_hours"
  | "first_time"
  | "re_requests"
  | "break_glass"
  | "machine_identity"
  | "on_call";

export interface RiskReason {
  factor: RiskFactor;
  points: number;
  detail: string;
}

export interface RiskAssessment {
  score: number;
  reasons: RiskReason[];
}

/** A caller bug (NaN, a negative count) must not turn into a NaN score or negative points. */
function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

export function computeRisk(input: RiskInput): RiskAssessment {
  const reasons: RiskReason[] = [];
  const add = (factor: RiskFactor, points: number, detail: string) => {
    if (points !== 0) reasons.push({ factor, points, detail });
  };

  const tierPoints = RISK_WEIGHTS.tier[input.tier] ?? RISK_WEIGHTS.tier[1] ?? 0; // an unknown tier is treated as the most sensitive
  add("tier", tierPoints, `Tier ${input.tier} resource`);

  const weight = Math.round(Math.min(RISK_WEIGHTS.accessLevelMax, Math.max(0, finiteOr(input.accessLevelRiskWeight, 0))));
  add("access_level", weight, `Access level risk weight ${weight}`);

  const max = finiteOr(input.maxDurationMinutes, 0);
  const duration = finiteOr(input.durationMinutes, max); // a non-finite duration is as bad as the maximum
  if (max > 0 && duration > 0) {
    const share = Math.min(1, duration / max);
    add("duration", Math.round(RISK_WEIGHTS.durationMax * share), `${Math.round(duration)} of at most ${max} minutes (${Math.round(share * 100)}%)`);
  }

  if (input.outsideBusinessHours) add("outside_business_hours", RISK_WEIGHTS.outsideBusinessHours, "Starts outside business hours");
  if (input.firstTime) add("first_time", RISK_WEIGHTS.firstTime, "First time requesting this access");

  const recent = Math.max(0, Math.floor(finiteOr(input.recentRequests, 0)));
  const band = RISK_WEIGHTS.reRequests.find((b) => recent >= b.atLeast);
  if (band) add("re_requests", band.points, `${recent} requests for this access in the last 7 days`);

  if (input.breakGlass) add("break_glass", RISK_WEIGHTS.breakGlass, "Break-glass: no approval before access");
  if (input.machine) add("machine_identity", RISK_WEIGHTS.machineIdentity, "Requested by a machine identity");
  if (input.onCall) add("on_call", RISK_WEIGHTS.onCall, "Requester is on call");

  const total = reasons.reduce((sum, reason) => sum + reason.points, 0);
  return { score: Math.max(0, Math.min(100, total)), reasons };
}
