import { db } from "@/server/db";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { SWEEP_BATCH, SWEEP_BUDGET_MS } from "@/server/domain/lifecycle/backoff";
import { defineJob } from "@/server/jobs/define";
import { grantRevokeRequested } from "@/server/jobs/events";

/** Rounds one run may take; with the time budget it keeps a run inside a minute. */
const MAX_ROUNDS = 50;

/**
 * The sweeper: revokes every grant past its end that is still active (by the database clock), retries
 * failing revocations and alerts on overdue ones — the backstop when a timer, an event or Inngest itself
 * fails. It keeps taking rounds while rounds come back full, so a thousand grants ending together are all
 * handled in this run, not one batch per minute. Also runs at once for a grant released or revoked by a
 * person (`access/grant.revoke_requested`).
 */
export const revokeExpiredGrants = defineJob(
  { id: "revoke-expired-grants", cron: "* * * * *", localEverySeconds: 2, event: grantRevokeRequested },
  async ({ step, event }) => {
    const grantId = typeof event.data.grantId === "string" ? event.data.grantId : undefined;
    if (grantId) {
      const results = await step.run(`revoke-${grantId}`, () => revokeDueGrants(db(), { grantIds: [grantId], limit: 1 }));
      return summarize(results);
    }
    const started = Date.now();
    const totals = { revoked: 0, retrying: 0, rounds: 0 };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const results = await step.run(`sweep-${round}`, () => revokeDueGrants(db(), { limit: SWEEP_BATCH }));
      const summary = summarize(results);
      totals.revoked += summary.revoked;
      totals.retrying += summary.retrying;
      totals.rounds = round + 1;
      if (results.length < SWEEP_BATCH || Date.now() - started > SWEEP_BUDGET_MS) break;
    }
    return totals;
  },
);

function summarize(results: { status: string }[]) {
  return { revoked: results.filter((r) => r.status === "revoked").length, retrying: results.filter((r) => r.status === "retrying").length };
}
