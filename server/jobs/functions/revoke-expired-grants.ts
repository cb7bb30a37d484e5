import { db } from "@/server/db";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { defineJob } from "@/server/jobs/define";
import { grantRevokeRequested } from "@/server/jobs/events";

/**
 * The sweeper: revokes every grant past its end that is still active (by the database clock) and retries
 * failing revocations — the backstop when a timer, an event or Inngest itself fails. Also runs at once for
 * a grant released or revoked by a person (`access/grant.revoke_requested`).
 */
export const revokeExpiredGrants = defineJob(
  { id: "revoke-expired-grants", cron: "* * * * *", localEverySeconds: 2, event: grantRevokeRequested },
  async ({ step, event }) => {
    const grantId = typeof event.data.grantId === "string" ? event.data.grantId : undefined;
    const results = await step.run(grantId ? `revoke-${grantId}` : "sweep", () => revokeDueGrants(db(), { grantId }));
    return { revoked: results.filter((r) => r.status === "revoked").length, retrying: results.filter((r) => r.status === "retrying").length };
  },
);
