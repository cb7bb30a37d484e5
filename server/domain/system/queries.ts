import { assertCan } from "@/server/auth/permissions";
import { database, migrationState } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { env } from "@/server/env";
import { jobs } from "@/server/jobs/functions";
import { schedulerMode } from "@/server/jobs/mode";


/** The admin status page: database and migrations, scheduler and its last runs, connectors. */
export async function getSystemStatus(ctx: Ctx) {
  assertCan(ctx.actor, "admin:status");
  const config = env();
  const [migrations, lastRuns, failures24h, connectors, counts] = await Promise.all([
    migrationState(ctx.db),
    ctx.db.$queryRaw<{ functionId: string; status: string; runner: string; startedAt: Date; finishedAt: Date | null; error: string | null; output: unknown }[]>`
      SELECT DISTINCT ON ("functionId") "functionId", status::text, runner, "startedAt", "finishedAt", error, output
      FROM "JobRun" ORDER BY "functionId", "startedAt" DESC`,
    ctx.db.jobRun.groupBy({
      by: ["functionId"],
      where: { status: "FAILED", startedAt: { gte: new Date(Date.now() - 24 * 3600_000) } },
      _count: { _all: true },
    }),
    ctx.db.connector.findMany({
      select: { id: true, slug: true, name: true, kind: true, health: true, lastCheckedAt: true, lastError: true, _count: { select: { resources: true } } },
      orderBy: { name: "asc" },
    }),
    Promise.all([
      ctx.db.identity.count({ where: { kind: "HUMAN" } }),
      ctx.db.identity.count({ where: { kind: "MACHINE" } }),
      ctx.db.resource.count({ where: { archivedAt: null } }),
      ctx.db.grant.count({ where: { status: "ACTIVE" } }),
      ctx.db.ledgerEvent.count(),
    ]),
  ]);

  const db = database();
  const failuresById = new Map(failures24h.map((f) => [f.functionId, f._count._all]));
  const runsById = new Map(lastRuns.map((r) => [r.functionId, r]));

  return {
    database: {
      kind: db.kind,
      location: db.location,
      migrations: {
        applied: migrations.applied.length,
        pending: migrations.pending,
        latest: migrations.applied.at(-1) ?? null,
      },
    },
    scheduler: {
      mode: schedulerMode(),
      functions: jobs.map((job) => {
        const last = runsById.get(job.id);
        return {
          id: job.id,
          schedule: job.cron ?? null,
          localEverySeconds: job.localEverySeconds ?? null,
          event: job.event?.event ?? null,
          lastRun: last
            ? { status: last.status, runner: last.runner, startedAt: last.startedAt, finishedAt: last.finishedAt, error: last.error, output: last.output }
            : null,
          failures24h: failuresById.get(job.id) ?? 0,
        };
      }),
    },
    connectors: connectors.map((c) => ({ ...c, resources: c._count.resources })),
    auth: { demo: config.demo, oidc: config.oidcEnabled, oidcName: config.AUTH_OIDC_NAME },
    counts: { people: counts[0], machines: counts[1], resources: counts[2], activeGrants: counts[3], ledgerEvents: counts[4] },
  };
}
