import { assertCan } from "@/server/auth/permissions";
import type { DbOrTx } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { ledgerLink } from "@/server/domain/reports/links";
import { decisionRates, shareEliminated } from "@/server/domain/reports/metrics-math";
import { ZDashboardInput, type DashboardInput } from "@/server/domain/reports/schema";
import type { StandingSummary } from "@/server/domain/reports/types";

/**
 * The metrics dashboard (/reports). Every figure counts what the ledger records for the same window, so
 * its "view in ledger" link lists exactly the events behind it:
 * - decisions count by decision time (`decidedAt`, written in the transaction of the ledger event):
 *   approved automatically ↔ `access/request.approved` by the `policy` actor, approved by people ↔ the other
 *   `access/request.approved` events, denied ↔ `access/request.denied`, unreviewed timeouts ↔
 *   `access/request.expired`; break-glass requests (`access/break_glass.activated`) are counted apart;
 * - time to access is measured per grant activated in the window (↔ `access/grant.activated`), from the
 *   request (or its requested start, when it asked for a later one) to activation;
 * - revocation lag is per grant revoked at its end in the window (↔ `access/grant.revoked`), end → removal.
 * Percentiles are PostgreSQL's `percentile_cont` (the same definition as metrics-math.ts `percentile`).
 */

export const HOTSPOT_MIN_REQUESTS = 3;
const DAY_MS = 86_400_000;

interface OutcomeRow {
  created: number;
  auto: number;
  human: number;
  denied: number;
  expired: number;
  breakGlass: number;
  pending: number;
}

interface PathRow {
  path: "auto" | "human" | "break_glass";
  n: number;
  p50: number | null;
  p95: number | null;
}

const iso = (date: Date) => date.toISOString();
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/** Monday of the week of a `YYYY-MM-DD` day, as PostgreSQL's date_trunc('week') gives it. */
function weekOf(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  return dayOf(new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY_MS));
}

/**
 * One pass over the requests, grouped by day of creation: the outcome counts (decisions by decision time),
 * requests per day for the chart, and break-glass per week. (One scan instead of three: the requests
 * table is the largest the dashboard reads.)
 */
async function requestActivity(db: DbOrTx, from: Date) {
  const rows = await db.$queryRawUnsafe<(OutcomeRow & { day: Date; all: number })[]>(
    `SELECT date_trunc('day', "createdAt") AS day,
            count(*) FILTER (WHERE "createdAt" >= $1::timestamp(3))::int AS "all",
            count(*) FILTER (WHERE kind <> 'BREAK_GLASS' AND "createdAt" >= $1::timestamp(3))::int AS created,
            count(*) FILTER (WHERE kind <> 'BREAK_GLASS' AND status = 'APPROVED' AND "decidedAt" >= $1::timestamp(3) AND decision->>'outcome' = 'auto_approve')::int AS auto,
            count(*) FILTER (WHERE kind <> 'BREAK_GLASS' AND status = 'APPROVED' AND "decidedAt" >= $1::timestamp(3) AND COALESCE(decision->>'outcome', '') <> 'auto_approve')::int AS human,
            count(*) FILTER (WHERE status = 'DENIED' AND "decidedAt" >= $1::timestamp(3))::int AS denied,
            count(*) FILTER (WHERE status = 'EXPIRED' AND "decidedAt" >= $1::timestamp(3))::int AS expired,
            count(*) FILTER (WHERE kind = 'BREAK_GLASS' AND "createdAt" >= $1::timestamp(3))::int AS "breakGlass",
            count(*) FILTER (WHERE status = 'PENDING')::int AS pending
       FROM "AccessRequest"
      WHERE "createdAt" >= $1::timestamp(3) OR "decidedAt" >= $1::timestamp(3) OR status = 'PENDING'
      GROUP BY 1`,
    iso(from),
  );
  const counts: OutcomeRow = { created: 0, auto: 0, human: 0, denied: 0, expired: 0, breakGlass: 0, pending: 0 };
  const perDay = new Map<string, number>();
  const breakGlassWeeks = new Map<string, number>();
  for (const row of rows) {
    for (const key of Object.keys(counts) as (keyof OutcomeRow)[]) counts[key] += row[key];
    const day = dayOf(row.day);
    if (row.all) perDay.set(day, row.all);
    if (row.breakGlass) breakGlassWeeks.set(weekOf(day), (breakGlassWeeks.get(weekOf(day)) ?? 0) + row.breakGlass);
  }
  return {
    counts,
    perDay,
    breakGlassWeekly: [...breakGlassWeeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([week, count]) => ({ week, count })),
  };
}

/**
 * Grants activated in the window: time to access per approval path, and grants per day. Two statements
 * run side by side: percentiles over grouping sets (per day as well) cost more than a second scan.
 */
async function grantActivity(db: DbOrTx, from: Date): Promise<{ paths: PathRow[]; perDay: Map<string, number> }> {
  const [paths, days] = await Promise.all([
    db.$queryRawUnsafe<PathRow[]>(
      `SELECT CASE WHEN r.kind = 'BREAK_GLASS' THEN 'break_glass' WHEN r.decision->>'outcome' = 'auto_approve' THEN 'auto' ELSE 'human' END AS path,
              count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g."activatedAt" - GREATEST(r."createdAt", r."startsAt")))::float8 AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM g."activatedAt" - GREATEST(r."createdAt", r."startsAt")))::float8 AS p95
         FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId"
        WHERE g."activatedAt" >= $1::timestamp(3)
        GROUP BY 1`,
      iso(from),
    ),
    db.$queryRawUnsafe<{ day: Date; n: number }[]>(
      `SELECT date_trunc('day', "activatedAt") AS day, count(*)::int AS n FROM "Grant" WHERE "activatedAt" >= $1::timestamp(3) GROUP BY 1`,
      iso(from),
    ),
  ]);
  return { paths, perDay: new Map(days.map((d) => [dayOf(d.day), d.n])) };
}

/** One pass over the grants: lag of those revoked at their end in the window, and revocations failing now. */
async function revocationLag(db: DbOrTx, from: Date) {
  const [row] = await db.$queryRawUnsafe<{ n: number; p50: number | null; p99: number | null; max: number | null; failing: number; overdue: number }[]>(
    `WITH lag AS (
       SELECT CASE WHEN status = 'REVOKED' AND "revocationReason" = 'EXPIRED' AND "revokedAt" >= $1::timestamp(3)
                   THEN extract(epoch FROM "revokedAt" - "endsAt") END AS seconds,
              status, "lastError", "endsAt"
         FROM "Grant" WHERE ("revokedAt" >= $1::timestamp(3) AND status = 'REVOKED') OR status = 'REVOKING')
     SELECT count(seconds)::int AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds)::float8 AS p99,
            max(seconds)::float8 AS max,
            count(*) FILTER (WHERE status = 'REVOKING' AND "lastError" IS NOT NULL)::int AS failing,
            count(*) FILTER (WHERE status = 'REVOKING' AND "endsAt" < (clock_timestamp() AT TIME ZONE 'UTC') - interval '2 minutes')::int AS overdue
       FROM lag`,
    iso(from),
  );
  return { n: row?.n ?? 0, p50: row?.p50 ?? null, p99: row?.p99 ?? null, max: row?.max ?? null, failing: row?.failing ?? 0, overdue: row?.overdue ?? 0 };
}

async function breakGlassReviews(db: DbOrTx, now: Date) {
  const [row] = await db.$queryRawUnsafe<{ open: number; overdue: number }[]>(
    `SELECT count(*)::int AS open, count(*) FILTER (WHERE "dueAt" < $1::timestamp(3))::int AS overdue FROM "BreakGlassReview" WHERE status = 'OPEN'`,
    iso(now),
  );
  return { open: row?.open ?? 0, overdue: row?.overdue ?? 0 };
}

async function hotspots(db: DbOrTx, from: Date) {
  const rows = await db.$queryRawUnsafe<{ requesterId: string; requester: string; resourceId: string; resource: string; accessLevel: string; week: Date; n: number }[]>(
    `SELECT r."requesterId"::text AS "requesterId", i.name AS requester, r."resourceId"::text AS "resourceId", res.name AS resource, al.name AS "accessLevel",
            date_trunc('week', r."createdAt") AS week, count(*)::int AS n
       FROM "AccessRequest" r
       JOIN "Identity" i ON i.id = r."requesterId"
       JOIN "Resource" res ON res.id = r."resourceId"
       JOIN "AccessLevel" al ON al.id = r."accessLevelId"
      WHERE r."createdAt" >= $1::timestamp(3) AND r.kind <> 'BREAK_GLASS'
      GROUP BY r."requesterId", i.name, r."resourceId", res.name, r."accessLevelId", al.name, date_trunc('week', r."createdAt")
     HAVING count(*) >= $2::int
      ORDER BY n DESC, week DESC, requester
      LIMIT 10`,
    iso(from),
    HOTSPOT_MIN_REQUESTS,
  );
  return rows.map((row) => {
    const weekEnd = new Date(row.week.getTime() + 7 * DAY_MS);
    return { ...row, week: row.week.toISOString().slice(0, 10), ledger: ledgerLink({ action: "access/request.created", actor: row.requesterId, resource: row.resourceId, from: row.week, to: weekEnd }) };
  });
}

async function standingTrend(db: DbOrTx, from: Date) {
  const [recent, first, converted] = await Promise.all([
    db.reportSnapshot.findMany({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "desc" }, take: 26, select: { id: true, createdAt: true, summary: true } }),
    db.reportSnapshot.findFirst({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "asc" }, select: { createdAt: true, summary: true } }),
    db.ledgerEvent.count({ where: { action: "reports/privilege.converted", outcome: "success", occurredAt: { gte: from } } }),
  ]);
  const points = recent.reverse().map((s) => {
    const summary = s.summary as unknown as StandingSummary;
    return { id: s.id, at: s.createdAt.toISOString(), standing: summary.standing, baseline: summary.baseline, jit: summary.jit };
  });
  const firstStanding = first ? (first.summary as unknown as StandingSummary).standing : null;
  const latest = points.at(-1) ?? null;
  return {
    points,
    first: first ? { at: first.createdAt.toISOString(), standing: firstStanding } : null,
    latest,
    eliminated: shareEliminated(firstStanding, latest?.standing),
    converted,
  };
}

/**
 * Figures are computed at most once a minute per period and kept as a METRICS snapshot: every viewer and
 * every instance shares them, so a dashboard over a large history costs a few milliseconds per view.
 * Each carries its own window (`from`, `to`), which its ledger links use, so the numbers and the ledger
 * agree exactly however old the figures are; the page shows when they were computed.
 */
export const METRICS_TTL_MS = 60_000;
/** METRICS snapshots are a cache, not a record: older ones are deleted. */
const METRICS_KEEP_MS = DAY_MS;

export async function getReportsDashboard(raw: DashboardInput, ctx: Ctx) {
  assertCan(ctx.actor, "reports:read");
  const { days, fresh } = ZDashboardInput.parse(raw) ?? { days: 30, fresh: false };
  if (!fresh) {
    const recent = await ctx.db.reportSnapshot.findMany({
      where: { kind: "METRICS", createdAt: { gte: new Date(Date.now() - METRICS_TTL_MS) } },
      orderBy: { createdAt: "desc" },
      take: 6,
      select: { summary: true },
    });
    const hit = recent.map((r) => r.summary as unknown as DashboardFigures).find((summary) => summary.days === days);
    if (hit) return { ...hit, cached: true };
  }
  const figures = await computeDashboard(ctx.db, days);
  await ctx.db.reportSnapshot.create({ data: { kind: "METRICS", summary: figures as unknown as object } });
  void ctx.db.reportSnapshot.deleteMany({ where: { kind: "METRICS", createdAt: { lt: new Date(Date.now() - METRICS_KEEP_MS) } } }).catch(() => undefined);
  return { ...figures, cached: false };
}

async function computeDashboard(db: DbOrTx, days: number) {
  // The application clock is enough here: the window only has to be the same for a figure and its link.
  const now = new Date();
  const from = new Date(now.getTime() - days * DAY_MS);
  // The links' end: the next whole second, so an event at the very moment of loading is inside.
  const to = new Date(Math.ceil((now.getTime() + 1) / 1000) * 1000);
  const [requests, grants, revocation, spots, reviews, trend] = await Promise.all([
    requestActivity(db, from),
    grantActivity(db, from),
    revocationLag(db, from),
    hotspots(db, from),
    breakGlassReviews(db, now),
    standingTrend(db, from),
  ]);
  const { counts } = requests;
  const paths = grants.paths;
  const path = (name: PathRow["path"]) => paths.find((p) => p.path === name) ?? { path: name, n: 0, p50: null, p95: null };
  const perDay: { day: string; requests: number; grants: number }[] = [];
  for (let day = new Date(`${dayOf(from)}T00:00:00.000Z`); day <= now; day = new Date(day.getTime() + DAY_MS)) {
    const key = dayOf(day);
    perDay.push({ day: key, requests: requests.perDay.get(key) ?? 0, grants: grants.perDay.get(key) ?? 0 });
  }
  const window = { from, to };
  return {
    days,
    computedAt: now.toISOString(),
    from: from.toISOString(),
    to: to.toISOString(),
    requests: {
      ...counts,
      approved: counts.auto + counts.human,
      rates: decisionRates({ autoApproved: counts.auto, humanApproved: counts.human, denied: counts.denied, expired: counts.expired }),
      links: {
        created: ledgerLink({ action: "access/request.created", ...window }),
        approved: ledgerLink({ action: "access/request.approved", ...window }),
        auto: ledgerLink({ action: "access/request.approved", actor: "policy", ...window }),
        denied: ledgerLink({ action: "access/request.denied", ...window }),
        expired: ledgerLink({ action: "access/request.expired", ...window }),
      },
    },
    timeToAccess: {
      auto: path("auto"),
      human: path("human"),
      breakGlass: path("break_glass"),
      grants: paths.reduce((sum, p) => sum + p.n, 0),
      link: ledgerLink({ action: "access/grant.activated", ...window }),
    },
    breakGlass: {
      count: counts.breakGlass,
      weekly: requests.breakGlassWeekly,
      openReviews: reviews.open,
      overdueReviews: reviews.overdue,
      link: ledgerLink({ action: "access/break_glass.activated", ...window }),
      reviewsLink: "/admin/break-glass",
    },
    revocation: { ...revocation, link: ledgerLink({ action: "access/grant.revoked", ...window }) },
    hotspots: { minimum: HOTSPOT_MIN_REQUESTS, rows: spots },
    daily: perDay,
    standing: { ...trend, link: ledgerLink({ action: "reports/privilege.converted", outcome: "success", ...window }) },
  };
}

type DashboardFigures = Awaited<ReturnType<typeof computeDashboard>>;
export type ReportsDashboard = Awaited<ReturnType<typeof getReportsDashboard>>;
