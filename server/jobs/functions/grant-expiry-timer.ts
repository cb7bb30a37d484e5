import { db } from "@/server/db";
import { expireGrantIfDue } from "@/server/domain/grants/expiry";
import { defineJob } from "@/server/jobs/define";
import { grantActivated } from "@/server/jobs/events";

/** An extended grant sleeps again; bounded so a grant extended forever still ends its timer (the sweeper stays). */
const MAX_ROUNDS = 100;

/**
 * The durable per-grant timer: started when a grant activates, it sleeps until the grant's end and then
 * revokes through the one revocation path. Each round asks the database how long is left (an extension
 * moves the end, a release ends the timer) and sleeps that long, so the revoke is never dropped and a
 * skewed server clock never decides when access ends. The event's `endsAt` is not trusted: an event can be
 * late, duplicated or out of order; the row is the truth.
 */
export const grantExpiryTimer = defineJob({ id: "grant-expiry-timer", event: grantActivated, retries: 10 }, async ({ step, event }) => {
  const grantId = String(event.data.grantId);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await step.run(`expire-${grantId}-${round}`, async () => {
      const check = await expireGrantIfDue(db(), grantId);
      // Converted to this process's clock inside the step, so a replay sleeps until the same instant.
      return { done: check.done, wakeAt: check.wakeInMs === null ? null : new Date(Date.now() + check.wakeInMs).toISOString() };
    });
    if (state.done || !state.wakeAt) return { grantId, rounds: round + 1 };
    await step.sleepUntil(`sleep-${grantId}-${round}`, new Date(state.wakeAt));
  }
  return { grantId, rounds: MAX_ROUNDS, handedToSweeper: true };
});
