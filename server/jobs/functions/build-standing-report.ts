import { db } from "@/server/db";
import { discoverPrivileges } from "@/server/domain/discovery/discover";
import { buildStandingReport as build } from "@/server/domain/reports/build";
import { STANDING_REPORT_EVENT, STANDING_REPORT_JOB } from "@/server/domain/reports/refresh";
import { collectUsage } from "@/server/domain/usage/collect";
import { defineJob } from "@/server/jobs/define";

/**
 * Weekly (Monday 06:00 UTC) and on demand (the report page's "Refresh now" sends
 * `reports/standing.requested`): discovery, a usage sample, then the snapshot — three steps, so Inngest
 * retries a failed build without reading every target again.
 */
export const buildStandingReport = defineJob(
  { id: STANDING_REPORT_JOB, cron: "0 6 * * 1", event: { event: STANDING_REPORT_EVENT }, retries: 2 },
  async ({ step, event }) => {
    const requestedBy = typeof event.data.requestedBy === "string" ? event.data.requestedBy : null;
    const discovery = await step.run("discover", async () => {
      const report = await discoverPrivileges(db());
      return { privileges: report.privileges, unreachable: report.unreachable };
    });
    const usage = await step.run("collect-usage", async () => (await collectUsage(db())).samples);
    const report = await step.run("build", async () => {
      const built = await build(db(), { trigger: requestedBy ? "on demand" : "weekly schedule" });
      return { snapshotId: built.snapshotId, rows: built.rows, standing: built.summary.standing, newTier1: built.summary.newTier1Count };
    });
    return { discovery, usageSamples: usage, report };
  },
);
