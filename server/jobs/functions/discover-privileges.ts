import { db } from "@/server/db";
import { discoverPrivileges as discover } from "@/server/domain/discovery/discover";
import { defineJob } from "@/server/jobs/define";

/**
 * Hourly: every connector's inventory, classified and stored (an unreachable target keeps its previous
 * inventory and is marked FAILING). The weekly report runs discovery itself too, so it never reports from
 * an hour-old picture.
 */
export const discoverPrivileges = defineJob({ id: "discover-privileges", cron: "7 * * * *", localEverySeconds: 3600, retries: 1 }, async ({ step }) => {
  const report = await step.run("discover", () => discover(db()));
  return { privileges: report.privileges, unreachable: report.unreachable, connectors: report.connectors.map((c) => ({ name: c.name, status: c.status, found: c.found, gone: c.gone, ms: c.ms })) };
});
