import { db } from "@/server/db";
import { collectUsage as collect } from "@/server/domain/usage/collect";
import { defineJob } from "@/server/jobs/define";

/**
 * Every five minutes: who has live sessions on each target and when they last did something, into the
 * daily usage aggregates. The interval bounds what sampling can see (docs/reports.md); usage events sent
 * to POST /api/v1/usage fill the gaps.
 */
export const collectUsage = defineJob({ id: "collect-usage", cron: "*/5 * * * *", localEverySeconds: 300, retries: 1 }, async ({ step }) => {
  return step.run("collect", () => collect(db()));
});
