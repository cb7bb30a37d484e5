import { db } from "@/server/db";
import { warnExpiringGrants } from "@/server/domain/grants/warnings";
import { defineJob } from "@/server/jobs/define";

/** Tells holders their access is about to end (lead times from KEYCARD_EXPIRY_WARNINGS). */
export const grantExpiryWarnings = defineJob({ id: "grant-expiry-warnings", cron: "* * * * *", localEverySeconds: 30 }, async ({ step }) => {
  return { warned: await step.run("warn", () => warnExpiringGrants(db())) };
});
