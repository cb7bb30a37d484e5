import { db } from "@/server/db";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { defineJob } from "@/server/jobs/define";
import { grantScheduled } from "@/server/jobs/events";
import { sendJobEvents } from "@/server/jobs/send";

/**
 * Provisions grants whose start has come: at once for the grant named by `access/grant.scheduled`, and
 * as a backstop for every due grant (future starts, retries, lost events) on a schedule.
 */
export const provisionGrants = defineJob(
  { id: "provision-grants", cron: "* * * * *", localEverySeconds: 2, event: grantScheduled },
  async ({ step, event }) => {
    const grantId = typeof event.data.grantId === "string" ? event.data.grantId : undefined;
    const results = await step.run(grantId ? `provision-${grantId}` : "provision-due", () => provisionDueGrants(db(), { grantId }));
    const activated = results.filter((r) => r.status === "activated");
    if (activated.length) {
      await step.run("announce-activations", async () => {
        const grants = await db().grant.findMany({ where: { id: { in: activated.map((r) => r.grantId) } }, select: { id: true, endsAt: true } });
        await sendJobEvents(grants.map((g) => ({ name: "access/grant.activated", data: { grantId: g.id, endsAt: g.endsAt.toISOString() }, id: `grant-activated-${g.id}` })));
      });
    }
    return { provisioned: activated.length, retrying: results.filter((r) => r.status === "retrying").length, failed: results.filter((r) => r.status === "failed").length };
  },
);
