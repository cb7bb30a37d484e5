import { busyError } from "@/server/api/errors";

/**
 * How many /api/v1 calls do their work at once; the rest wait their turn in arrival order.
 *
 * Every call runs on the portal's one JavaScript thread, beside the people's pages and the job runner.
 * Unbounded, a burst of machine calls interleaves dozens of transactions statement by statement: each
 * takes as long as all of them together, the approvers' /inbox pages queue behind them, and grants wait
 * longer to be provisioned (docs/api.md, "Performance"). Admitted a few at a time, machine calls finish
 * one after another at the same throughput, while pages and jobs, which are not gated, keep their pace.
 *
 * Only authenticated calls within their rate limit queue (server/api/handler.ts). A call that cannot be
 * admitted within `maxQueueMs` is answered 503 with Retry-After (nothing was changed); a waiting call
 * whose client goes away leaves the queue. A long poll gives its place up while it waits for the grant
 * (`outside`).
 */
export class AdmissionGate {
  private active = 0;
  private readonly queue: { admit(): void }[] = [];

  constructor(
    readonly limit: number,
    readonly maxQueueMs: number,
  ) {}

  /** Calls doing their work now, and calls waiting for their turn. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.queue.length };
  }

  /** Waits for a place; false when none came within maxQueueMs or the client went away. */
  enter(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.limit && this.queue.length === 0) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const entry = {
        admit: () => {
          settle();
          resolve(true);
        },
      };
      const giveUp = () => {
        const index = this.queue.indexOf(entry);
        if (index < 0) return;
        this.queue.splice(index, 1);
        settle();
        resolve(false);
      };
      const timer = setTimeout(giveUp, this.maxQueueMs);
      signal?.addEventListener("abort", giveUp, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", giveUp);
      };
      this.queue.push(entry);
    });
  }

  /** Gives the place to the next waiting call (the count stays: the place changes hands). */
  leave(): void {
    const next = this.queue.shift();
    if (next) next.admit();
    else this.active -= 1;
  }
}

/** An admitted call's place: released once when the call ends, given up meanwhile for a long wait. */
export interface AdmissionSlot {
  /** Runs `wait` without holding the place (a long poll's idle wait), then queues for a place again. */
  outside<T>(wait: () => Promise<T>): Promise<T>;
}

/** Runs `work` holding a place in `gate`; throws the 503 error when no place came in time. */
export async function admitted<T>(gate: AdmissionGate, signal: AbortSignal | undefined, work: (slot: AdmissionSlot) => Promise<T>): Promise<T> {
  if (!(await gate.enter(signal))) throw busyError();
  let holding = true;
  const slot: AdmissionSlot = {
    async outside(wait) {
      if (holding) {
        holding = false;
        gate.leave();
      }
      const result = await wait();
      // After the wait the call still has work to do (a read, the answer): it queues for it like any call.
      if (!(await gate.enter(signal))) throw busyError();
      holding = true;
      return result;
    },
  };
  try {
    return await work(slot);
  } finally {
    if (holding) gate.leave();
  }
}
