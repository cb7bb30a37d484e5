/**
 * Retry delays for provisioning and revocation: exponential with full jitter, capped. Revocation is
 * capped low because it must keep trying until it succeeds (a failing revoke alerts, never gives up).
 */
export function retryDelayMs(attempt: number, options: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 60_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A provision that fails this many times gives up (FAILED), is ledgered, and tells the requester and admins. */
export const MAX_PROVISION_ATTEMPTS = 6;
/** Admins hear about a revocation that still fails this long after it was due. */
export const REVOKE_ALERT_AFTER_MS = 2 * 60_000;
/** How long a worker owns a grant it claimed before another may take over (process died mid-call). */
export const CLAIM_LEASE_MS = 60_000;
