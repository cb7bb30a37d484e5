import type { Db } from "@/server/db";
import { claimDueRevocations, grantClock, markExpiredGrants } from "@/server/domain/grants/claims";
import { revokeClaimedGrants } from "@/server/domain/grants/revocation";

export interface ExpiryCheck {
  /** Nothing left for this grant's timer: revoked, failed, or its revocation is under way (the sweeper retries it). */
  done: boolean;
  /** Still holding access: how long until its end, measured on the database clock. */
  wakeInMs: number | null;
}

/** Never sleep less than this when the database says "not yet" (no busy loop on a rounding edge). */
const MIN_SLEEP_MS = 10;
/**
 * Nor longer than this in one round: Node's timers overflow past 2^31 ms (24.8 days) and fire at once, and
 * a long grant simply takes another round (the timer allows 100).
 */
const MAX_SLEEP_MS = 7 * 24 * 3600_000;

interface Waiter {
  resolve(check: ExpiryCheck): void;
  reject(error: unknown): void;
}

/**
 * The per-grant timer's step: if the grant's window has closed (database clock), revoke it now; if not,
 * say how long is left, so the timer sleeps until the end as the database sees it — a server clock that
 * runs fast or slow neither wakes the timer too early nor too late.
 *
 * Timers that fire together (a thousand grants ending in the same second) are claimed together: while
 * one claim is on its way to the database, the grants whose timers fire meanwhile queue up and go in the
 * next one, so the burst costs a few statements instead of a few per grant. The revokes themselves go
 * through revokeClaimedGrants like any other.
 */
export function expireGrantIfDue(db: Db, grantId: string): Promise<ExpiryCheck> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new ExpiryBatcher(db)));
  return batcher.check(grantId);
}

const batchers = new WeakMap<Db, ExpiryBatcher>();

class ExpiryBatcher {
  private pending = new Map<string, Waiter[]>();
  private claiming = false;

  constructor(private readonly db: Db) {}

  check(grantId: string): Promise<ExpiryCheck> {
    return new Promise<ExpiryCheck>((resolve, reject) => {
      const waiters = this.pending.get(grantId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(grantId, waiters);
      this.kick();
    });
  }

  private kick(): void {
    if (this.claiming || this.pending.size === 0) return;
    this.claiming = true;
    // After the current tick, so timers firing in the same tick share one claim.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const settle = (id: string, check: ExpiryCheck) => batch.get(id)?.forEach((w) => w.resolve(check));
    const fail = (id: string, error: unknown) => batch.get(id)?.forEach((w) => w.reject(error));
    let claimed: string[];
    try {
      await markExpiredGrants(this.db, ids);
      claimed = await claimDueRevocations(this.db, ids.length, { ids });
      const mine = new Set(claimed);
      // The others: not due yet (say how long is left), or already handled elsewhere.
      const rest = ids.filter((id) => !mine.has(id));
      if (rest.length) {
        const { now, grants } = await grantClock(this.db, rest);
        for (const id of rest) {
          const grant = grants.get(id);
          const live = grant && ["SCHEDULED", "PROVISIONING", "ACTIVE"].includes(grant.status);
          settle(id, live ? { done: false, wakeInMs: Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, grant.endsAt.getTime() - now.getTime())) } : { done: true, wakeInMs: null });
        }
      }
    } catch (error) {
      for (const id of ids) fail(id, error);
      return;
    } finally {
      this.claiming = false;
      this.kick();
    }
    // Outside the claim phase: the next batch is claimed while these are being revoked.
    try {
      await revokeClaimedGrants(this.db, claimed);
      // Revoked, or failing and left to the sweeper's retries: either way this timer's work is over.
      for (const id of claimed) settle(id, { done: true, wakeInMs: null });
    } catch (error) {
      for (const id of claimed) fail(id, error);
    }
  }
}
