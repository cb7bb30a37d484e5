import { db } from "@/server/db";
import { expireGrantIfDue } from "@/server/domain/grants/revocation";
import { defineJob } from "@/server/jobs/define";
import { grantActivated } from "@/server/jobs/events";

/** An extended grant sleeps again; bounded so a grant extended forever still ends its timer (the sweeper stays). */
const MAX_ROUNDS = 100;

/**
 * The durable per-grant timer: started when a grant activates, it sleeps until the grant's end and then
 * revokes through the one revocation path. It re-reads the end after each sleep, so an extension moves
 * it and an early release ends it without ever dropping the revoke.
 */
export const grantExpiryTimer = defineJob({ id: "grant-expiry-timer", event: grantActivated, retries: 10 }, async ({ step, event }) => {
  const grantId = String(event.data.grantId);
  let endsAt = new Date(String(event.data.endsAt));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await step.sleepUntil(`sleep-until-end-${round}`, endsAt);
    const state = await step.run(`expire-${grantId}-${round}`, async () => {
      const result = await expireGrantIfDue(db(), grantId);
      return { done: result.done, endsAt: result.endsAt?.toISOString() ?? null };
    });
    if (state.done || !state.endsAt) return { grantId, rounds: round + 1 };
    endsAt = new Date(state.endsAt);
  }
  return { grantId, rounds: MAX_ROUNDS, handedToSweeper: true };
});
