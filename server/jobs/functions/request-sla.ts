import { db } from "@/server/db";
import { remindOpenReviews } from "@/server/domain/requests/reviews";
import { runRequestSla } from "@/server/domain/requests/sla";
import { defineJob } from "@/server/jobs/define";

/** Reminders, escalation to fallback approvers, expiry of requests nobody decided; break-glass review reminders. */
export const requestSla = defineJob({ id: "request-sla", cron: "* * * * *", localEverySeconds: 15 }, async ({ step }) => {
  const requests = await step.run("sla", () => runRequestSla(db()));
  const reviewReminders = await step.run("break-glass-review-reminders", () => remindOpenReviews(db()));
  return { ...requests, reviewReminders };
});
