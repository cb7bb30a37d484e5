import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";

export interface DailyCount {
  day: string;
  requests: number;
  grants: number;
}

/** Headline access figures for the last `days` days (the dashboard grows with the reports issue). */
export async function getAccessMetrics(ctx: Ctx, days = 14) {
  assertCan(ctx.actor, "reports:read");
  const since = new Date(Date.now() - days * 24 * 3600_000);
  const [byStatus, daily, activeGrants, breakGlass] = await Promise.all([
    ctx.db.accessRequest.groupBy({ by: ["status"], where: { createdAt: { gte: since } }, _count: { _all: true } }),
    ctx.db.$queryRaw<{ day: Date; requests: bigint; grants: bigint }[]>`
      SELECT d.day,
             (SELECT count(*) FROM "AccessRequest" r WHERE r."createdAt" >= d.day AND r."createdAt" < d.day + interval '1 day') AS requests,
             (SELECT count(*) FROM "Grant" g WHERE g."startsAt" >= d.day AND g."startsAt" < d.day + interval '1 day') AS grants
      FROM generate_series(date_trunc('day', ${since}::timestamptz), date_trunc('day', now()), interval '1 day') AS d(day)
      ORDER BY d.day`,
    ctx.db.grant.count({ where: { status: "ACTIVE" } }),
    ctx.db.grant.count({ where: { breakGlass: true, startsAt: { gte: since } } }),
  ]);
  const counts = Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])) as Record<string, number>;
  const decided = (counts.APPROVED ?? 0) + (counts.DENIED ?? 0);
  return {
    days,
    requests: Object.values(counts).reduce((a, b) => a + b, 0),
    approvalRate: decided ? (counts.APPROVED ?? 0) / decided : null,
    denied: counts.DENIED ?? 0,
    expiredUnreviewed: counts.EXPIRED ?? 0,
    activeGrants,
    breakGlass,
    daily: daily.map((d) => ({ day: d.day.toISOString().slice(0, 10), requests: Number(d.requests), grants: Number(d.grants) })) satisfies DailyCount[],
  };
}
