import { db } from "@/server/db";
import { remindOpenReviews } from "@/server/domain/requests/reviews";
import { rerouteOnCallHandovers } from "@/server/domain/requests/reroute";
import { runRequestSla } from "@/server/domain/requests/sla";
import { defineJob } from "@/server/jobs/define";

/** On-call hand-overs re-route what waits; reminders, escalation to fallback approvers, expiry of requests nobody decided; break-glass review reminders. */
export const requestSla = defineJob({ id: "request-sla", cron: "* * * * *", localEverySeconds: 15 }, async ({ step }) => {
  const handovers = await step.run("on-call-handovers", () => rerouteOnCallHandovers(db()));
  const requests = await step.run("sla", () => runRequestSla(db()));
  const reviewReminders = await step.run("break-glass-review-reminders", () => remindOpenReviews(db()));
  return { ...requests, handovers, reviewReminders };
});
