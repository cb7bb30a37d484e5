import { db } from "@/server/db";
import { defineJob } from "@/server/jobs/define";

/**
 * Proves the scheduler is alive, and measures the application clock against the database clock (the
 * database's is the one Keycard trusts for expiry; a large skew is shown on the status page).
 */
export const schedulerHeartbeat = defineJob({ id: "scheduler-heartbeat", cron: "* * * * *", localEverySeconds: 30 }, async ({ step }) => {
  return step.run("measure-clock", async () => {
    const before = Date.now();
    const [row] = await db().$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    const after = Date.now();
    const dbTime = row?.now ?? new Date(after);
    return { dbTime: dbTime.toISOString(), skewMs: Math.round((before + after) / 2 - dbTime.getTime()) };
  });
});
