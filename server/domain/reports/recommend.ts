import type { PrivilegePower } from "@/server/domain/discovery/power";

/**
 * The report's judgement on one standing privilege (pure): its tier, a recommendation with the reason a
 * person reads, and a risk score that orders the report (riskiest first).
 *
 * - remove — "remove and make requestable": idle (or never seen in use) on a sensitive tier (1–2), or held
 *   by an identity Keycard has disabled. Converting it to JIT loses nothing anyone uses.
 * - baseline — "keep as baseline": Keycard's own connector login, or a machine identity that uses it.
 * - review — everything else: in use by a person (convert with a window that fits how it is used, or
 *   declare it baseline), a bare login, or a low-sensitivity target.
 */

export type Recommendation = "remove" | "baseline" | "review";

export const recommendationLabels: Record<Recommendation, string> = {
  remove: "Remove and make requestable",
  baseline: "Keep as baseline",
  review: "Review",
};

/** Idle this long (or never seen in use) on a sensitive tier: the first thing to convert. */
export const IDLE_DAYS = 30;
/** Tiers 1 and 2 are sensitive (1 is the most sensitive). */
export const SENSITIVE_TIER = 2;
/** The tier assumed for a target with no resources to tell its sensitivity. */
export const UNKNOWN_TARGET_TIER = 2;

const DAY_MS = 86_400_000;

export function tierOf(input: { mappedTier: number | null; targetTier: number | null; power: PrivilegePower }): number {
  // An admin right reaches everything in the target (and often the host): tier 1 wherever it is.
  if (input.power === "admin") return 1;
  return input.mappedTier ?? input.targetTier ?? UNKNOWN_TARGET_TIER;
}

export interface UsageFacts {
  lastUsedAt: Date | null;
  firstSeenAt: Date;
  now: Date;
}

export interface Idleness {
  /** Whole days since last use; null when never seen in use. */
  daysIdle: number | null;
  /** Whole days Keycard has watched it (since first discovered). */
  watchedDays: number;
}

export function idleness({ lastUsedAt, firstSeenAt, now }: UsageFacts): Idleness {
  const watchedDays = Math.max(0, Math.floor((now.getTime() - firstSeenAt.getTime()) / DAY_MS));
  if (!lastUsedAt) return { daysIdle: null, watchedDays };
  return { daysIdle: Math.max(0, Math.floor((now.getTime() - lastUsedAt.getTime()) / DAY_MS)), watchedDays };
}

export interface JudgeInput {
  classification: "STANDING" | "BASELINE";
  tier: number;
  power: PrivilegePower;
  privilegeKind: string;
  idle: Idleness;
  holder: { kind: "HUMAN" | "MACHINE"; name: string; disabled: boolean } | null;
  /** The connector itself logs in as this principal. */
  connectorOwn: boolean;
  baseline: { reason: string; reviewAt: Date; declaredBy: string } | null;
}

export interface Judgement {
  recommendation: Recommendation;
  reason: string;
  risk: number;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

function idleText(idle: Idleness): string {
  if (idle.daysIdle === null) {
    return idle.watchedDays === 0 ? "No use seen since Keycard found it today" : `No use seen in the ${idle.watchedDays} day${idle.watchedDays === 1 ? "" : "s"} Keycard has watched it`;
  }
  return idle.daysIdle === 0 ? "Used today" : `Last used ${idle.daysIdle} day${idle.daysIdle === 1 ? "" : "s"} ago`;
}

export function recommend(input: JudgeInput): Omit<Judgement, "risk"> {
  const { idle, tier } = input;
  if (input.classification === "BASELINE" && input.baseline) {
    return { recommendation: "baseline", reason: `Declared baseline by ${input.baseline.declaredBy}: ${input.baseline.reason} (review by ${day(input.baseline.reviewAt)}).` };
  }
  if (input.connectorOwn) {
    return { recommendation: "baseline", reason: "Keycard's connector logs in as this principal and needs this right to provision and discover; declare it baseline." };
  }
  if (input.holder?.disabled) {
    return { recommendation: "remove", reason: `Held by ${input.holder.name}, whose Keycard identity is disabled.` };
  }
  const idleLong = idle.daysIdle === null || idle.daysIdle >= IDLE_DAYS;
  if (input.privilegeKind === "ROLE_ATTRIBUTE" && input.power === "login") {
    return { recommendation: "review", reason: `${idleText(idle)}. A login that can connect; its access comes from its other privileges. Disable it if nobody uses it.` };
  }
  if (idleLong && tier <= SENSITIVE_TIER) {
    return { recommendation: "remove", reason: `${idleText(idle)} on a tier-${tier} target: convert to JIT so it is requested when needed.` };
  }
  if (!idleLong && input.holder?.kind === "MACHINE") {
    return { recommendation: "baseline", reason: `${idleText(idle)} by machine identity ${input.holder.name}: keep it as baseline with a review date, or move the machine to short-lived API credentials.` };
  }
  if (!idleLong) {
    return { recommendation: "review", reason: `${idleText(idle)}: in use, so convert it to JIT with a window that fits how often it is used, or declare it baseline.` };
  }
  return { recommendation: "review", reason: `${idleText(idle)} on a low-sensitivity (tier-${tier}) target: remove it or keep it as baseline.` };
}

const powerWeight: Record<PrivilegePower, number> = { admin: 150, write: 60, read: 20, login: -120 };

/**
 * Higher is riskier. Sensitivity first (tier), then what the privilege allows, then how idle it is (idle
 * access is exposure nobody benefits from), then who holds it (nobody accountable, or a disabled identity).
 * Baselines sink to the bottom: they were looked at.
 */
export function riskScore(input: JudgeInput): number {
  let score = (4 - Math.min(3, Math.max(1, input.tier))) * 100 + powerWeight[input.power];
  if (input.idle.daysIdle === null) score += 60;
  else if (input.idle.daysIdle >= 90) score += 50;
  else if (input.idle.daysIdle >= IDLE_DAYS) score += 30;
  else if (input.idle.daysIdle <= 7) score -= 20;
  if (!input.holder) score += 25;
  else if (input.holder.disabled) score += 100;
  if (input.connectorOwn) score -= 150;
  if (input.classification === "BASELINE") score -= 1000;
  return score;
}

export function judge(input: JudgeInput): Judgement {
  return { ...recommend(input), risk: riskScore(input) };
}
