import { db } from "@/server/db";
import { reconcileGrants as reconcile } from "@/server/domain/grants/reconcile";
import { defineJob } from "@/server/jobs/define";

/** Every 15 minutes (and on demand from the admin page): the targets' actual state against Keycard's. */
export const reconcileGrants = defineJob({ id: "reconcile-grants", cron: "*/15 * * * *", localEverySeconds: 300 }, async ({ step }) => {
  return step.run("reconcile", () => reconcile(db()));
});
