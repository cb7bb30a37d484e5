/**
 * Retry schedule for failed sends. Exponential (30 s, 1 min, 2 min … capped at 1 h) with "equal jitter"
 * (half fixed, half random), so a receiver that comes back after an outage is not hit by every queued
 * message in the same second. After MAX_DELIVERY_ATTEMPTS the row is FAILED and shown to admins;
 * eight attempts span about an hour.
 */
export const MAX_DELIVERY_ATTEMPTS = 8;
export const BASE_DELAY_MS = 30_000;
export const MAX_DELAY_MS = 3_600_000;

/** Delay before attempt `attempts + 1`, given that `attempts` (≥ 1) have failed. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** A receiver's Retry-After (seconds or an HTTP date), when it asks for longer than our own backoff. */
export function parseRetryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Math.min(MAX_DELAY_MS, Number(value.trim()) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.min(MAX_DELAY_MS, Math.max(0, date - now));
}
