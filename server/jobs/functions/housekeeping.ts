import { db } from "@/server/db";
import { defineJob } from "@/server/jobs/define";

/**
 * Keeps operational tables small: job-run history (the status page needs the last days only) and
 * expired API rate-limit windows. Never touches the ledger, which is append-only and kept forever.
 */
export const housekeeping = defineJob({ id: "housekeeping", cron: "17 * * * *", localEverySeconds: 3600 }, async ({ step }) => {
  return step.run("prune", async () => {
    const jobRuns = await db().$executeRaw`DELETE FROM "JobRun" WHERE "startedAt" < clock_timestamp() - interval '3 days'`;
    const rateLimits = await db().$executeRaw`DELETE FROM "RateLimitWindow" WHERE "windowStart" < clock_timestamp() - interval '1 hour'`;
    return { jobRuns, rateLimits };
  });
});
