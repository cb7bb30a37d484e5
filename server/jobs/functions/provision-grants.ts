import { db } from "@/server/db";
import { provisionDueGrants, type ProvisionResult } from "@/server/domain/grants/provisioning";
import { SWEEP_BUDGET_MS } from "@/server/domain/lifecycle/backoff";
import { defineJob } from "@/server/jobs/define";
import { grantScheduled } from "@/server/jobs/events";
import { sendJobEvents } from "@/server/jobs/send";

const ROUND = 100;
const MAX_ROUNDS = 50;

/**
 * Provisions grants whose start has come: at once for the grant named by `access/grant.scheduled`, and
 * as a backstop for every due grant (future starts, retries, lost events) on a schedule, in rounds until
 * none is left. Activations start their expiry timers; grants released while being provisioned are
 * handed to the revoker at once.
 */
export const provisionGrants = defineJob(
  { id: "provision-grants", cron: "* * * * *", localEverySeconds: 2, event: grantScheduled },
  async ({ step, event }) => {
    const grantId = typeof event.data.grantId === "string" ? event.data.grantId : undefined;
    const started = Date.now();
    const all: ProvisionResult[] = [];
    for (let round = 0; round < (grantId ? 1 : MAX_ROUNDS); round++) {
      const results = await step.run(grantId ? `provision-${grantId}` : `provision-due-${round}`, () =>
        provisionDueGrants(db(), grantId ? { grantIds: [grantId], limit: 1 } : { limit: ROUND }),
      );
      all.push(...results);
      const activated = results.filter((r) => r.status === "activated").map((r) => r.grantId);
      const handedOver = results.filter((r) => r.status === "handed_over").map((r) => r.grantId);
      if (activated.length || handedOver.length) {
        await step.run(`announce-${grantId ?? round}`, async () => {
          const grants = activated.length ? await db().grant.findMany({ where: { id: { in: activated } }, select: { id: true, endsAt: true } }) : [];
          await sendJobEvents([
            ...grants.map((g) => ({ name: "access/grant.activated", data: { grantId: g.id, endsAt: g.endsAt.toISOString() }, id: `grant-activated-${g.id}` })),
            ...handedOver.map((id) => ({ name: "access/grant.revoke_requested", data: { grantId: id }, id: `grant-revoke-${id}-handover` })),
          ]);
        });
      }
      if (results.length < ROUND || Date.now() - started > SWEEP_BUDGET_MS) break;
    }
    const count = (status: ProvisionResult["status"]) => all.filter((r) => r.status === status).length;
    return { provisioned: count("activated"), retrying: count("retrying"), failed: count("failed"), handedOver: count("handed_over") };
  },
);
