import { db } from "@/server/db";
import { reapplyGrant } from "@/server/domain/grants/reconcile";
import { defineJob } from "@/server/jobs/define";
import { grantExtended } from "@/server/jobs/events";

/** After an extension, targets that enforce the end themselves (PostgreSQL VALID UNTIL) get the new end. */
export const reapplyExtendedGrant = defineJob({ id: "reapply-extended-grant", event: grantExtended, retries: 10 }, async ({ step, event }) => {
  const grantId = String(event.data.grantId);
  const applied = await step.run(`reapply-${grantId}`, () => reapplyGrant(db(), grantId));
  return { grantId, applied };
});
