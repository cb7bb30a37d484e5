import { describeStartupError, checkOidcIssuer } from "@/server/startup-checks";
import { database, ensureDatabaseReady } from "@/server/db";
import { env } from "@/server/env";
import { jobs } from "@/server/jobs/functions";
import { localRunner, setLocalRunner, startLocalRunner } from "@/server/jobs/local-runner";
import { schedulerMode } from "@/server/jobs/mode";

/**
 * Startup: validate configuration, make the database ready, start the in-process scheduler when no
 * Inngest is configured. A bad configuration stops the process with one line naming the variable.
 */
export async function boot(): Promise<void> {
  try {
    const config = env();
    if (config.oidcEnabled && config.AUTH_OIDC_ISSUER) await checkOidcIssuer(config.AUTH_OIDC_ISSUER);
    const applied = await ensureDatabaseReady();
    const db = database();
    console.log(`[keycard] database: ${db.kind} (${db.location})${applied.length ? `, applied ${applied.length} migration(s)` : ""}`);
  } catch (error) {
    console.error(describeStartupError(error));
    process.exit(1);
  }

  const mode = schedulerMode();
  if (mode === "local" && !localRunner()) {
    setLocalRunner(startLocalRunner(jobs));
    console.log(`[keycard] scheduler: local runner (${jobs.length} function(s) in-process)`);
  } else {
    console.log(`[keycard] scheduler: ${mode}`);
  }

  if (env().databaseKind === "embedded" && env().demo && env().KEYCARD_DEMO_TARGET_PORT > 0) {
    const { startDemoTarget } = await import("@/server/demo-target");
    await startDemoTarget().catch((error: unknown) => {
      // The portal works without its demo target; provisioning to demo resources will report it.
      console.warn(`[keycard] demo target not started: ${(error as Error).message}`);
    });
  }
}
