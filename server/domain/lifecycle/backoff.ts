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

/** Revocation retries: quick at first, then every 7.5–15 s, so access ends soon after a target comes back. */
export const REVOKE_RETRY = { baseMs: 1_000, capMs: 15_000 } as const;

/**
 * Admins hear about a revocation still not done this long after it was due. The promise is "within
 * 2 minutes": the sweeper looks at least once a minute (Inngest cron), so alerting after one minute keeps
 * it even when a worker hangs or dies and no failure is ever recorded.
 */
export const REVOKE_ALERT_AFTER_MS = 60_000;

/**
 * How long a worker owns a grant it claimed before another may take over (the process died mid-call).
 * Longer than the slowest connector call (connect 5 s + statement timeouts of 30 s), so a live worker is
 * not overtaken; a takeover is still safe for revocation (connectors are idempotent, the ledger write is
 * conditional), it only costs a repeated call.
 */
export const CLAIM_LEASE_MS = 60_000;

/**
 * Grants one sweep round claims; the sweeper runs rounds until a round comes back short. Large, because
 * a round waits for its slowest grant before the next is claimed (the connectors bound the concurrency).
 */
export const SWEEP_BATCH = 500;

/** A sweep stops starting new rounds after this long (the next scheduled run continues). */
export const SWEEP_BUDGET_MS = 45_000;
