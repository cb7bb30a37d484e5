import { defineJob } from "@/server/jobs/define";
import { deliverPendingNotifications } from "@/server/notifications";

/**
 * The backstop for notification delivery: whatever a kick after commit did not send (process ended,
 * receiver down, retry due) is sent here. Safe to run on every instance at once (rows are claimed with
 * SKIP LOCKED). Under the local runner it runs every 5 s so the embedded default feels immediate.
 */
export const deliverNotifications = defineJob(
  { id: "deliver-notifications", cron: "* * * * *", localEverySeconds: 5, retries: 0 },
  async ({ step }) => step.run("deliver", () => deliverPendingNotifications({ limit: 200 })),
);
