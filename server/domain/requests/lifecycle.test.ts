import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let people: Record<string, IdentityActor>;
let resources: Record<string, { id: string; levels: Record<string, string> }>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  const identities = await database.prisma.identity.findMany({ where: { kind: "HUMAN" } });
  people = Object.fromEntries(identities.map((i) => [i.name, toActor(i)]));
  const rows = await database.prisma.resource.findMany({ include: { accessLevels: true } });
  resources = Object.fromEntries(rows.map((r) => [r.slug, { id: r.id, levels: Object.fromEntries(r.accessLevels.map((l) => [l.key, l.id])) }]));
});
afterAll(async () => {
  await database.destroy();
});

function as(name: string) {
  const actor = people[name];
  if (!actor) throw new Error(`no person ${name}`);
  return createCaller({ actor, db: database.prisma });
}

function tier1Write(extra: Record<string, unknown> = {}) {
  return {
    resourceId: resources["orders-db-prod"]!.id,
    accessLevelId: resources["orders-db-prod"]!.levels.write!,
    durationMinutes: 60,
    justification: "Backfill the refunds of incident INC-4242 by hand",
    ticketRef: "INC-4242",
    ...extra,
  };
}

async function counts() {
  const db = database.prisma;
  const [requests, grants, decisions, ledger] = await Promise.all([db.accessRequest.count(), db.grant.count(), db.approvalDecision.count(), db.ledgerEvent.count()]);
  return { requests, grants, decisions, ledger };
}

describe("requesting access", () => {
  it("auto-approves tier-3 read access and schedules a grant, with the ledger events in order", async () => {
    const created = await as("Fatima Khan").requests.create({
      resourceId: resources["analytics-warehouse"]!.id,
      accessLevelId: resources["analytics-warehouse"]!.levels.read!,
      durationMinutes: 60,
      justification: "Weekly retention numbers for the board deck",
    });
    expect(created.status).toBe("APPROVED");
    expect(created.grantId).toEqual(expect.any(String));
    const grant = await database.prisma.grant.findUniqueOrThrow({ where: { id: created.grantId! } });
    expect(grant.status).toBe("SCHEDULED");
    expect(grant.endsAt.getTime() - grant.startsAt.getTime()).toBe(60 * 60_000);
    const actions = (await database.prisma.ledgerEvent.findMany({ where: { requestId: created.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["access/request.created", "access/request.approved", "access/grant.scheduled"]);
  });

  it("routes tier-1 write to two distinct owners, never to the requester, and approves after both", async () => {
    // Mia Johansson is herself a payments owner: she must not be able to approve her own request.
    const created = await as("Mia Johansson").requests.create(tier1Write());
    expect(created.status).toBe("PENDING");
    await expect(as("Mia Johansson").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const routed = await database.prisma.requestApprover.findMany({ where: { requestId: created.id } });
    expect(routed.map((r) => r.identityId)).not.toContain(people["Mia Johansson"]!.id);

    const first = await as("Elena Petrova").requests.decide({ requestId: created.id, decision: "APPROVE", comment: "ok" });
    expect(first.status).toBe("PENDING");
    await expect(as("Elena Petrova").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "CONFLICT" });
    const second = await as("Kenji Watanabe").requests.decide({ requestId: created.id, decision: "APPROVE", durationMinutes: 30 });
    expect(second.status).toBe("APPROVED");
    const grant = await database.prisma.grant.findUniqueOrThrow({ where: { requestId: created.id } });
    expect(grant.endsAt.getTime() - grant.startsAt.getTime()).toBe(30 * 60_000);
    // Decided: nobody can decide again.
    await expect(as("Priya Raman").requests.decide({ requestId: created.id, decision: "DENY", comment: "too late" })).rejects.toMatchObject({ code: expect.stringMatching(/CONFLICT|FORBIDDEN/) });
  });

  it("asks only approver-group members who may decide: one without an approver role is not routed", async () => {
    const { resolveApprovers } = await import("@/server/domain/requests/routing");
    const subject = { resource: { ownerId: null, ownerGroupId: null, fallbackGroupId: null }, requester: { id: people["Maya Chen"]!.id, ownerId: null } };
    const members = async () => (await resolveApprovers(database.prisma, subject, ["group:payments-owners"])).resolved["group:payments-owners"];
    const mia = people["Mia Johansson"]!.id;
    expect(await members()).toContain(mia);
    await database.prisma.identity.update({ where: { id: mia }, data: { roles: ["REQUESTER"] } });
    try {
      expect(await members()).not.toContain(mia);
      // A request routed now does not wait for her, and she cannot decide it.
      const created = await as("Maya Chen").requests.create(tier1Write({ justification: "Routed while Mia holds no approver role" }));
      const routed = await database.prisma.requestApprover.findMany({ where: { requestId: created.id } });
      expect(routed.map((r) => r.identityId)).not.toContain(mia);
      expect(routed.length).toBeGreaterThanOrEqual(2);
      await as("Maya Chen").requests.cancel({ requestId: created.id });
      // The admin's identity list shows her approver group, so the page can say she is not asked.
      const { rolesAllow } = await import("@/server/auth/permissions");
      const listed = (await as("Priya Raman").identities.list({ q: "Mia Johansson" }))[0]!;
      expect(listed.memberships.map((m) => m.group.name)).toHaveLength(1);
      expect(rolesAllow(listed.roles, "requests:decide")).toBe(false);
    } finally {
      await database.prisma.identity.update({ where: { id: mia }, data: { roles: ["REQUESTER", "APPROVER"] } });
    }
    expect(await members()).toContain(mia);
  });

  it("a denial needs a comment, is final, and the requester sees it", async () => {
    const created = await as("Maya Chen").requests.create(tier1Write());
    await expect(as("Elena Petrova").requests.decide({ requestId: created.id, decision: "DENY" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await as("Elena Petrova").requests.decide({ requestId: created.id, decision: "DENY", comment: "Use the staging copy for this" });
    const detail = await as("Maya Chen").requests.get({ requestId: created.id });
    expect(detail.status).toBe("DENIED");
    expect(detail.decisions[0]).toMatchObject({ decision: "DENY", comment: "Use the staging copy for this", approver: "Elena Petrova" });
    await expect(as("Kenji Watanabe").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("two approvers deciding at the same instant yield exactly one outcome", async () => {
    const created = await as("Noah Williams").requests.create(tier1Write({ durationMinutes: 45 }));
    await as("Elena Petrova").requests.decide({ requestId: created.id, decision: "APPROVE" });
    const results = await Promise.allSettled([
      as("Kenji Watanabe").requests.decide({ requestId: created.id, decision: "APPROVE" }),
      as("Mia Johansson").requests.decide({ requestId: created.id, decision: "DENY", comment: "no, not today" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const request = await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: created.id }, include: { grant: true } });
    expect(["APPROVED", "DENIED"]).toContain(request.status);
    expect(Boolean(request.grant)).toBe(request.status === "APPROVED");
    const outcomes = await database.prisma.ledgerEvent.count({ where: { requestId: created.id, action: { in: ["access/request.approved", "access/request.denied"] } } });
    expect(outcomes).toBe(1);
  });

  it("an approver removed from the approver group can no longer decide", async () => {
    const created = await as("Ravi Patel").requests.create(tier1Write());
    const group = await database.prisma.group.findUniqueOrThrow({ where: { slug: "payments-owners" } });
    const kenji = people["Kenji Watanabe"]!;
    await database.prisma.groupMembership.delete({ where: { groupId_identityId: { groupId: group.id, identityId: kenji.id } } });
    try {
      await expect(as("Kenji Watanabe").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    } finally {
      await database.prisma.groupMembership.create({ data: { groupId: group.id, identityId: kenji.id } });
    }
  });

  it("the requester cancels; deciding a cancelled request is refused; strangers cannot see or cancel it", async () => {
    const created = await as("Olivia Brown").requests.create(tier1Write());
    await expect(as("Maya Chen").requests.get({ requestId: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(as("Maya Chen").requests.cancel({ requestId: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await as("Olivia Brown").requests.cancel({ requestId: created.id });
    await expect(as("Elena Petrova").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("cancelled") });
  });

  it("an expired request cannot be decided", async () => {
    const created = await as("Julia Santos").requests.create(tier1Write());
    await database.prisma.accessRequest.update({ where: { id: created.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const { runRequestSla } = await import("@/server/domain/requests/sla");
    await runRequestSla(database.prisma);
    expect((await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: created.id } })).status).toBe("EXPIRED");
    await expect(as("Elena Petrova").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("expired") });
  });
});

describe("bad input is refused with a specific error and changes nothing", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["duration 0", { durationMinutes: 0 }, /more than 0/],
    ["a negative duration", { durationMinutes: -5 }, /more than 0/],
    ["a NaN duration", { durationMinutes: Number.NaN }, /number/i],
    // 1e309 overflows to Infinity when parsed, as it does in a JSON body.
    ["a 1e309 duration", { durationMinutes: Number("1e309") }, /number|longer/i],
    ["a duration above the policy maximum", { durationMinutes: 600 }, /at most|maximum/i],
    ["a start in the past", { startsAt: new Date(Date.now() - 3600_000).toISOString() }, /past/i],
    ["a timestamp without a time zone", { startsAt: "2030-01-01T10:00:00" }, /time zone/],
    ["an empty justification", { justification: "" }, /at least/],
    ["a 1 MB justification", { justification: "x".repeat(1_000_000) }, /too long/],
    ["a justification with control characters", { justification: "fix the thing\u0007 now please ok" }, /control/],
    ["a justification with a right-to-left override", { justification: "fix the \u202Egnp.exe thing now please" }, /control|direction/],
    ["a formula justification", { justification: '=HYPERLINK("http://evil.example","x")' }, /formula/],
    ["an unknown resource", { resourceId: "00000000-0000-7000-8000-000000000000" }, /resource/i],
    ["an unknown access level", { accessLevelId: "00000000-0000-7000-8000-000000000000" }, /access level/i],
    ["a status set by the client", { status: "APPROVED" }, /Unrecognized key|unrecognized/i],
    ["an approver set by the client", { approverId: "00000000-0000-7000-8000-000000000000" }, /Unrecognized key|unrecognized/i],
    ["an expiry set by the client", { expiresAt: "2030-01-01T00:00:00Z" }, /Unrecognized key|unrecognized/i],
    ["a missing ticket on tier 1", { ticketRef: undefined }, /ticket/i],
  ];
  it.each(cases)("%s", async (_name, patch, message) => {
    const before = await counts();
    await expect(as("Maya Chen").requests.create(tier1Write(patch) as never)).rejects.toMatchObject({ message: expect.stringMatching(message) });
    expect(await counts()).toEqual(before);
  });

  it("a start after the end of the policy's scheduling window", async () => {
    const before = await counts();
    await expect(as("Maya Chen").requests.create(tier1Write({ startsAt: new Date(Date.now() + 400 * 24 * 3600_000).toISOString() }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await counts()).toEqual(before);
  });
});
