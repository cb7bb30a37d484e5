import { db } from "@/server/db";
import { reapplyGrant } from "@/server/domain/grants/reconcile";
import { defineJob } from "@/server/jobs/define";
import { grantExtended } from "@/server/jobs/events";

/**
 * After an extension, targets that enforce the end themselves (PostgreSQL VALID UNTIL) get the new end.
 * The expiry timer needs nothing: it re-reads the end from the database every time it wakes. A lost event
 * is caught by reconciliation (an active grant whose login expired early is re-applied).
 */
export const reapplyExtendedGrant = defineJob({ id: "reapply-extended-grant", event: grantExtended, retries: 10 }, async ({ step, event }) => {
  const grantId = String(event.data.grantId);
  const applied = await step.run(`reapply-${grantId}`, () => reapplyGrant(db(), grantId));
  return { grantId, applied };
});
