import { EventEmitter } from "node:events";

/**
 * An in-process hint that a grant's status may just have changed (provisioning finished, failed or was
 * handed over to the revoker). Whoever waits for a grant (`?wait=` on the API) wakes at once and re-reads
 * the database, which stays the only source of truth. The hint never crosses processes: a grant
 * provisioned by another instance is seen by the waiter's own, slower, database polls.
 *
 * One emitter per process, kept on globalThis: Next.js bundles route handlers and the job runner
 * separately, and both must reach the same one.
 */
const globalForChanges = globalThis as unknown as { keycardGrantChanges?: EventEmitter };

function emitter(): EventEmitter {
  if (!globalForChanges.keycardGrantChanges) {
    const created = new EventEmitter();
    // One listener per waiting call, each removed when it wakes: many at once is normal, not a leak.
    created.setMaxListeners(0);
    globalForChanges.keycardGrantChanges = created;
  }
  return globalForChanges.keycardGrantChanges;
}

/** Called after the transaction that changed the grant has committed. */
export function announceGrantChange(grantId: string): void {
  emitter().emit(grantId);
}

export interface GrantChangeWatch {
  /** Resolves at the next announcement for the grant, after `ms`, or on abort, whichever comes first. */
  next(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Starts listening before the caller reads the grant, so a change committed between that read and the
 * wait is not missed: it is remembered and the next wait returns at once.
 */
export function watchGrant(grantId: string): GrantChangeWatch {
  let pending = false;
  let wake: (() => void) | undefined;
  const onChange = () => {
    pending = true;
    wake?.();
  };
  emitter().on(grantId, onChange);
  return {
    next(ms, signal) {
      if (pending || signal?.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          wake = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    },
    close() {
      emitter().off(grantId, onChange);
      wake?.();
    },
  };
}
