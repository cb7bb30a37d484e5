import { assertCan } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { discoverPrivileges, type DiscoveryReport } from "@/server/domain/discovery/discover";
import { buildStandingReport, type BuildResult } from "@/server/domain/reports/build";
import { collectUsage, type UsageCollection } from "@/server/domain/usage/collect";
import { localRunner } from "@/server/jobs/local-runner";
import { schedulerMode } from "@/server/jobs/mode";
import { sendJobEvents } from "@/server/jobs/send";

/**
 * The report, end to end: discover every target, take a usage sample, build the snapshot. The weekly
 * schedule and the page's "Refresh now" both run this through the `build-standing-report` function, so an
 * on-demand report is the same code as the scheduled one.
 */

export const STANDING_REPORT_JOB = "build-standing-report";
export const STANDING_REPORT_EVENT = "reports/standing.requested";

export async function runStandingReport(db: Db, trigger: string): Promise<{ discovery: DiscoveryReport; usage: UsageCollection; report: BuildResult }> {
  const discovery = await discoverPrivileges(db);
  const usage = await collectUsage(db);
  const report = await buildStandingReport(db, { trigger });
  return { discovery, usage, report };
}

export interface RefreshRequested {
  /** How it runs: in this process (local runner), on Inngest, or right here (no scheduler). */
  mode: "local" | "inngest" | "inline";
  /** The latest snapshot before this refresh: the page waits for a newer one. */
  previousSnapshotId: string | null;
  snapshotId: string | null;
}

export async function requestStandingReport(ctx: Ctx): Promise<RefreshRequested> {
  assertCan(ctx.actor, "reports:manage");
  const previous = await ctx.db.reportSnapshot.findFirst({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "desc" }, select: { id: true } });
  const previousSnapshotId = previous?.id ?? null;
  const requestedBy = ctx.actor.type === "identity" ? ctx.actor.id : ctx.actor.job;
  const mode = schedulerMode();
  const runner = localRunner();
  if (mode === "local" && runner) {
    // One refresh at a time: the runner ignores a second run with the same event id while one is going.
    void runner.runNow(STANDING_REPORT_JOB, { name: STANDING_REPORT_EVENT, id: "standing-report-on-demand", data: { requestedBy } }).catch(() => undefined);
    return { mode: "local", previousSnapshotId, snapshotId: null };
  }
  if (mode === "inngest") {
    const minute = Math.floor(Date.now() / 60_000);
    const { sent } = await sendJobEvents([{ name: STANDING_REPORT_EVENT, id: `standing-report-${minute}`, data: { requestedBy } }]);
    if (sent) return { mode: "inngest", previousSnapshotId, snapshotId: null };
  }
  // No scheduler (or Inngest unreachable): build it here and now.
  const { report } = await runStandingReport(ctx.db, `on demand by ${ctx.actor.type === "identity" ? ctx.actor.name : requestedBy}`);
  return { mode: "inline", previousSnapshotId, snapshotId: report.snapshotId };
}
