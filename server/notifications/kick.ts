import { deliverPendingNotifications, type DeliveryReport } from "@/server/notifications/deliver";
import type { EnqueueResult } from "@/server/notifications/enqueue";

/**
 * Starts delivery right after a commit, without waiting for it (the scheduled `deliver-notifications`
 * function is the backstop). Calls made while a delivery is running coalesce into one more pass, so a
 * burst of commits does not start a burst of runs. Never throws and never rejects: a lifecycle mutation
 * that called it has already succeeded.
 *
 *   const { result, queued } = await db.$transaction(async (tx) => { …; return { result, queued: await enqueueNotifications(tx, items) } });
 *   kickDelivery(queued);
 */
const state = globalThis as unknown as { keycardNotifyKick?: { running: Promise<void> | null; again: boolean } };

export function kickDelivery(queued?: EnqueueResult): void {
  if (queued && queued.deliverable === 0) return;
  const kick = (state.keycardNotifyKick ??= { running: null, again: false });
  if (kick.running) {
    kick.again = true;
    return;
  }
  kick.running = (async () => {
    do {
      kick.again = false;
      let report: DeliveryReport;
      do {
        report = await deliverPendingNotifications({ limit: 50 });
        // A full batch means more may be due: keep going while we are at it.
      } while (report.claimed === 50);
    } while (kick.again);
  })()
    .catch((error: unknown) => {
      console.warn(`[keycard:notify] delivery after commit failed (the scheduled run will retry): ${(error as Error).message}`);
    })
    .finally(() => {
      kick.running = null;
    });
}

/** Resolves when the current kick (if any) has finished: for tests and graceful shutdown. */
export async function settleDelivery(): Promise<void> {
  while (state.keycardNotifyKick?.running) await state.keycardNotifyKick.running;
}
