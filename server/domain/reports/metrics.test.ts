import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbNow } from "@/server/db/clock";
import { toActor } from "@/server/domain/identities/queries";
import { getReportsDashboard } from "@/server/domain/reports/metrics";
import { percentile } from "@/server/domain/reports/metrics-math";
import type { Prisma } from "@/server/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * The dashboard's figures from a known history: outcomes by decision time, time to access per approval
 * path (the database's percentiles agree with metrics-math's), revocation lag, re-request hotspots.
 */

let database: TestDatabase;
const ids = { auditor: "", requester: "", resource: "", level: "" };
const accessSeconds = { auto: [2, 3, 5, 8, 13], human: [600, 1_200, 3_600] };
const lagSeconds = [1, 2, 2, 3, 40];
let now: Date;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.prisma;
  now = await dbNow(db);
  const auditor = await db.identity.create({ data: { name: "Auditor", email: "auditor@metrics.test", roles: ["AUDITOR"] } });
  const requester = await db.identity.create({ data: { name: "Rita Requester", email: "rita@metrics.test", roles: ["REQUESTER"] } });
  const resource = await db.resource.create({ data: { slug: "metrics-db", name: "Metrics DB", tier: 2, accessLevels: { create: [{ key: "read", name: "Read" }] } }, include: { accessLevels: true } });
  Object.assign(ids, { auditor: auditor.id, requester: requester.id, resource: resource.id, level: resource.accessLevels[0]?.id ?? "" });

  const requests: Prisma.AccessRequestCreateManyInput[] = [];
  const grants: Prisma.GrantCreateManyInput[] = [];
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const request = (overrides: Partial<Prisma.AccessRequestCreateManyInput>) => {
    const row: Prisma.AccessRequestCreateManyInput = {
      id: randomUUID(),
      requesterId: requester.id,
      resourceId: resource.id,
      accessLevelId: resource.accessLevels[0]?.id ?? "",
      justification: "metrics",
      startsAt: ago(3_600_000),
      durationMinutes: 30,
      decision: { outcome: "auto_approve" },
      createdAt: ago(3_600_000),
      ...overrides,
    };
    requests.push(row);
    return row;
  };
  const grant = (req: Prisma.AccessRequestCreateManyInput, activatedAfterSeconds: number, extra: Partial<Prisma.GrantCreateManyInput> = {}) => {
    const created = new Date(req.createdAt as Date);
    grants.push({
      id: randomUUID(),
      requestId: req.id as string,
      identityId: requester.id,
      resourceId: resource.id,
      accessLevelId: req.accessLevelId,
      status: "ACTIVE",
      startsAt: created,
      endsAt: new Date(created.getTime() + 30 * 60_000),
      activatedAt: new Date(created.getTime() + activatedAfterSeconds * 1000),
      ...extra,
    });
  };
  for (const seconds of accessSeconds.auto) grant(request({ status: "APPROVED", decidedAt: ago(3_599_000) }), seconds);
  for (const seconds of accessSeconds.human) grant(request({ status: "APPROVED", decision: { outcome: "approval" }, decidedAt: ago(3_000_000) }), seconds);
  request({ status: "DENIED", decision: { outcome: "deny" }, decidedAt: ago(3_500_000) });
  request({ status: "EXPIRED", decision: { outcome: "approval" }, decidedAt: ago(1_000_000) });
  request({ status: "PENDING", decision: { outcome: "approval" } });
  // Long ago: outside a 7-day window, inside a 30-day one.
  request({ status: "DENIED", decision: { outcome: "deny" }, createdAt: ago(10 * 86_400_000), startsAt: ago(10 * 86_400_000), decidedAt: ago(10 * 86_400_000) });
  const glass = request({ kind: "BREAK_GLASS", status: "APPROVED", decision: { outcome: "approval" }, decidedAt: ago(3_600_000) });
  grant(glass, 1);
  // Revoked at their end, with a known lag each.
  for (const lag of lagSeconds) {
    const req = request({ status: "APPROVED", decidedAt: ago(20 * 86_400_000), createdAt: ago(20 * 86_400_000), startsAt: ago(20 * 86_400_000) });
    const endsAt = ago(2 * 3_600_000);
    grants.push({ id: randomUUID(), requestId: req.id as string, identityId: requester.id, resourceId: resource.id, accessLevelId: req.accessLevelId, status: "REVOKED", revocationReason: "EXPIRED", startsAt: ago(20 * 86_400_000), endsAt, revokedAt: new Date(endsAt.getTime() + lag * 1000) });
  }
  await db.accessRequest.createMany({ data: requests });
  await db.grant.createMany({ data: grants });
  // One revocation failing right now.
  const failing = request({ status: "APPROVED", decidedAt: ago(86_400_000 * 30), createdAt: ago(86_400_000 * 30), startsAt: ago(86_400_000 * 30) });
  await db.accessRequest.create({ data: failing });
  await db.grant.create({ data: { requestId: failing.id as string, identityId: requester.id, resourceId: resource.id, accessLevelId: failing.accessLevelId, status: "REVOKING", startsAt: ago(3_600_000), endsAt: ago(600_000), lastError: "connection refused" } });
});

afterAll(async () => {
  await database?.destroy();
});

async function dashboard(days = 7) {
  const auditor = await database.prisma.identity.findUniqueOrThrow({ where: { id: ids.auditor } });
  return getReportsDashboard({ days }, { actor: toActor(auditor), db: database.prisma });
}

describe("the metrics dashboard", () => {
  it("counts decisions by when they were decided, with rates over what reached an outcome", async () => {
    const d = await dashboard(7);
    // 5 auto, 3 human, 1 denied, 1 expired in the last 7 days; the old denial and the break-glass apart.
    expect(d.requests).toMatchObject({ auto: 5, human: 3, approved: 8, denied: 1, expired: 1, breakGlass: 1, pending: 1 });
    expect(d.requests.rates.decided).toBe(10);
    expect(d.requests.rates.approvalRate).toBeCloseTo(0.8);
    expect(d.requests.rates.autoApproveRate).toBeCloseTo(0.5);
    expect(d.requests.links.auto).toMatch(/^\/ledger\?action=access%2Frequest.approved&actor=policy&from=/);
    expect((await dashboard(30)).requests.denied).toBe(2);
  });

  it("gives time to access per approval path, with the same percentiles as metrics-math", async () => {
    const d = await dashboard(7);
    expect(d.timeToAccess.auto.n).toBe(accessSeconds.auto.length);
    expect(d.timeToAccess.auto.p50).toBeCloseTo(percentile(accessSeconds.auto, 0.5) as number, 3);
    expect(d.timeToAccess.auto.p95).toBeCloseTo(percentile(accessSeconds.auto, 0.95) as number, 3);
    expect(d.timeToAccess.human.p50).toBeCloseTo(percentile(accessSeconds.human, 0.5) as number, 3);
    expect(d.timeToAccess.human.p95).toBeCloseTo(percentile(accessSeconds.human, 0.95) as number, 3);
    expect(d.timeToAccess.breakGlass.n).toBe(1);
    expect(d.timeToAccess.grants).toBe(9);
  });

  it("gives the revocation lag at p50 and p99, and the revocations failing now", async () => {
    const d = await dashboard(7);
    expect(d.revocation.n).toBe(lagSeconds.length);
    expect(d.revocation.p50).toBeCloseTo(percentile(lagSeconds, 0.5) as number, 3);
    expect(d.revocation.p99).toBeCloseTo(percentile(lagSeconds, 0.99) as number, 3);
    expect(d.revocation).toMatchObject({ failing: 1, overdue: 1 });
  });

  it("finds people asking for the same access many times a week", async () => {
    const d = await dashboard(7);
    const spot = d.hotspots.rows.find((r) => r.requesterId === ids.requester);
    expect(spot).toBeDefined();
    expect(spot?.n).toBeGreaterThanOrEqual(3);
    expect(spot?.ledger).toContain(`actor=${ids.requester}`);
    expect(spot?.ledger).toContain(`resource=${ids.resource}`);
  });

  it("is for auditors and admins only", async () => {
    const requester = await database.prisma.identity.findUniqueOrThrow({ where: { id: ids.requester } });
    await expect(getReportsDashboard({ days: 7 }, { actor: toActor(requester), db: database.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
