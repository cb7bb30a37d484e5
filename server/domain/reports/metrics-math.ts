/**
 * The dashboard's arithmetic (pure). Percentiles use linear interpolation between the closest ranks —
 * the definition of PostgreSQL's `percentile_cont`, which computes them in the database — so the figures
 * the page shows and the figures these functions give for the same numbers agree.
 */

/** The p-th percentile (0 ≤ p ≤ 1) of the values; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (p < 0 || p > 1 || Number.isNaN(p)) throw new RangeError("p must be between 0 and 1");
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** part ÷ whole, or null when there is nothing to divide (a rate of nothing is not 0 %). */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export interface DecisionCounts {
  autoApproved: number;
  humanApproved: number;
  denied: number;
  /** Expired unreviewed (timed out). */
  expired: number;
}

export interface DecisionRates {
  decided: number;
  approvalRate: number | null;
  autoApproveRate: number | null;
  denialRate: number | null;
  timeoutRate: number | null;
}

/**
 * Shares of the requests that reached an outcome: approved (automatically or by people), denied (by
 * policy or by people), or expired unreviewed. The four shares of `decided` add up to 1 with auto-approval
 * counted inside approval.
 */
export function decisionRates(counts: DecisionCounts): DecisionRates {
  const approved = counts.autoApproved + counts.humanApproved;
  const decided = approved + counts.denied + counts.expired;
  return {
    decided,
    approvalRate: rate(approved, decided),
    autoApproveRate: rate(counts.autoApproved, decided),
    denialRate: rate(counts.denied, decided),
    timeoutRate: rate(counts.expired, decided),
  };
}

/**
 * The share of standing privileges eliminated since the first snapshot: positive when there are fewer
 * now, negative when there are more; null without a first snapshot that had any.
 */
export function shareEliminated(first: number | null | undefined, latest: number | null | undefined): number | null {
  if (first === null || first === undefined || latest === null || latest === undefined || first <= 0) return null;
  return (first - latest) / first;
}

/** A duration in seconds as a short human figure (42 s, 3.5 min, 2.1 h, 1.5 d). */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const abs = Math.abs(seconds);
  const sign = seconds < 0 ? "−" : "";
  if (abs < 60) return `${sign}${trim(abs)} s`;
  if (abs < 3600) return `${sign}${trim(abs / 60)} min`;
  if (abs < 86_400) return `${sign}${trim(abs / 3600)} h`;
  return `${sign}${trim(abs / 86_400)} d`;
}

function trim(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
}

export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const percent = value * 100;
  return `${Math.abs(percent) < 10 && percent !== 0 ? percent.toFixed(1).replace(/\.0$/, "") : Math.round(percent)}%`;
}
