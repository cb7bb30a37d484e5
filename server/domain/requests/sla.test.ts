import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { runRequestSla } from "@/server/domain/requests/sla";
import { rerouteLocked, rerouteOnCallHandovers } from "@/server/domain/requests/reroute";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let people: Record<string, IdentityActor>;
let orders: { id: string; write: string };

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  people = Object.fromEntries((await database.prisma.identity.findMany({ where: { kind: "HUMAN" } })).map((i) => [i.name, toActor(i)]));
  const resource = await database.prisma.resource.findUniqueOrThrow({ where: { slug: "orders-db-prod" }, include: { accessLevels: true } });
  orders = { id: resource.id, write: resource.accessLevels.find((l) => l.key === "write")!.id };
});
afterAll(async () => {
  await database.destroy();
});

async function pendingRequest(requester: string) {
  const caller = createCaller({ actor: people[requester]!, db: database.prisma });
  return caller.requests.create({ resourceId: orders.id, accessLevelId: orders.write, durationMinutes: 30, justification: "Repair the order totals after the refund bug", ticketRef: "INC-9" });
}

describe("approver SLA", () => {
  it("reminds the approvers of a waiting request, and tells the requester", async () => {
    const created = await pendingRequest("Maya Chen");
    await database.prisma.accessRequest.update({ where: { id: created.id }, data: { createdAt: new Date(Date.now() - 45 * 60_000) } });
    const result = await runRequestSla(database.prisma);
    expect(result.reminded).toBeGreaterThanOrEqual(1);
    const reminders = await database.prisma.notification.findMany({ where: { kind: "request.reminder", data: { path: ["requestId"], equals: created.id } } });
    const recipients = new Set(reminders.map((n) => n.recipientId));
    expect(recipients.has(people["Elena Petrova"]!.id)).toBe(true);
    expect(recipients.has(people["Maya Chen"]!.id)).toBe(true);
    // Not again right away.
    await runRequestSla(database.prisma);
    expect(await database.prisma.notification.count({ where: { kind: "request.reminder", data: { path: ["requestId"], equals: created.id } } })).toBe(reminders.length);
  });

  it("escalates to the fallback approvers after the SLA, ledgered, and they can then decide", async () => {
    const created = await pendingRequest("Noah Williams");
    await database.prisma.accessRequest.update({ where: { id: created.id }, data: { slaDueAt: new Date(Date.now() - 1000) } });
    const result = await runRequestSla(database.prisma);
    expect(result.escalated).toBeGreaterThanOrEqual(1);
    const fallback = await database.prisma.requestApprover.findMany({ where: { requestId: created.id, reason: "FALLBACK" } });
    const security = await database.prisma.group.findUniqueOrThrow({ where: { slug: "security-oncall" }, include: { members: true } });
    expect(fallback.map((f) => f.identityId).sort()).toEqual(security.members.map((m) => m.identityId).sort());
    expect(await database.prisma.ledgerEvent.count({ where: { requestId: created.id, action: "access/request.escalated" } })).toBe(1);
    // Priya (security on-call, not a payments owner) may now approve.
    const priya = createCaller({ actor: people["Priya Raman"]!, db: database.prisma });
    await expect(priya.requests.decide({ requestId: created.id, decision: "APPROVE" })).resolves.toMatchObject({ status: "PENDING" });
  });

  it("expires an unreviewed request and tells the requester and the approvers it was handled", async () => {
    const created = await pendingRequest("Olivia Brown");
    await database.prisma.accessRequest.update({ where: { id: created.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await runRequestSla(database.prisma);
    const request = await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: created.id } });
    expect(request.status).toBe("EXPIRED");
    const kinds = (await database.prisma.notification.findMany({ where: { data: { path: ["requestId"], equals: created.id } } })).map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(["request.expired", "request.handled"]));
  });
});

describe("re-routing a waiting request", () => {
  it("follows the approver group: a new member sees and is told, a removed one no longer sees it or is reminded", async () => {
    const db = database.prisma;
    const created = await pendingRequest("Grace Nakamura");
    const request = await db.accessRequest.findUniqueOrThrow({ where: { id: created.id }, include: { resource: true } });
    const owners = request.resource.ownerGroupId!;
    const routed = async () => (await db.requestApprover.findMany({ where: { requestId: created.id } })).map((r) => r.identityId).sort();
    const before = await routed();
    const leaving = before[0]!;
    // Ibrahim joins the owner group, someone leaves it.
    const newcomer = people["Ibrahim Yusuf"]!;
    expect(before).not.toContain(newcomer.id);
    await db.groupMembership.create({ data: { groupId: owners, identityId: newcomer.id } });
    await db.groupMembership.delete({ where: { groupId_identityId: { groupId: owners, identityId: leaving } } });

    const result = await db.$transaction((tx) => rerouteLocked(tx, created.id));
    expect(result).toEqual({ added: [newcomer.id], removed: [leaving] });
    expect(await routed()).toEqual([...before.filter((id) => id !== leaving), newcomer.id].sort());
    const told = await db.notification.findMany({ where: { kind: "request.created", recipientId: newcomer.id, data: { path: ["requestId"], equals: created.id } } });
    expect(told.length).toBeGreaterThanOrEqual(1);
    // Idempotent.
    expect(await db.$transaction((tx) => rerouteLocked(tx, created.id))).toEqual({ added: [], removed: [] });

    // The reminder goes to who may decide now, not to the one who left.
    await db.accessRequest.update({ where: { id: created.id }, data: { createdAt: new Date(Date.now() - 45 * 60_000) } });
    await runRequestSla(db);
    const reminded = (await db.notification.findMany({ where: { kind: "request.reminder", data: { path: ["requestId"], equals: created.id } } })).map((n) => n.recipientId);
    expect(reminded).not.toContain(leaving);
    await db.groupMembership.create({ data: { groupId: owners, identityId: leaving } });
  });

  it("follows on-call hand-overs for stages that name an on-call rotation", async () => {
    const db = database.prisma;
    const platform = await db.group.findUniqueOrThrow({ where: { slug: "platform" } });
    const orders = await db.resource.findUniqueOrThrow({ where: { slug: "orders-db-staging" }, include: { accessLevels: true } });
    const admin = createCaller({ actor: people["Priya Raman"]!, db });
    const rules = { ...tierDefaultRules[3], conditions: [], approval: { mode: "approval", stages: [{ name: "On-call", required: 1, sources: ["oncall:platform"] }] } };
    await admin.policies.save({ resourceId: orders.id, rulesJson: JSON.stringify(rules), note: "Staging writes go to the platform on-call" });
    await db.onCallShift.deleteMany({ where: { groupId: platform.id } });
    const first = people["Aisha Bello"]!;
    const second = people["Marcus Lee"]!;
    const now = Date.now();
    await db.onCallShift.create({ data: { groupId: platform.id, identityId: first.id, startsAt: new Date(now - 3_600_000), endsAt: new Date(now - 60_000) } });
    await db.onCallShift.create({ data: { groupId: platform.id, identityId: second.id, startsAt: new Date(now - 60_000), endsAt: new Date(now + 3_600_000) } });
    const requester = createCaller({ actor: people["Victor Novak"]!, db });
    const write = orders.accessLevels.find((l) => l.key === "write") ?? orders.accessLevels[0]!;
    const created = await requester.requests.create({ resourceId: orders.id, accessLevelId: write.id, durationMinutes: 30, justification: "Reload the staging fixtures after the schema change" });
    expect(created.status).toBe("PENDING");
    // Routed at creation to whoever is on call now…
    expect((await db.requestApprover.findMany({ where: { requestId: created.id } })).map((r) => r.identityId)).toEqual([second.id]);
    // …and the hand-over half a minute ago brings in nobody new; one that happens now does.
    await db.onCallShift.updateMany({ where: { identityId: second.id, groupId: platform.id }, data: { endsAt: new Date(Date.now() - 1000) } });
    await db.onCallShift.create({ data: { groupId: platform.id, identityId: first.id, startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 3_600_000) } });
    expect(await rerouteOnCallHandovers(db)).toBeGreaterThanOrEqual(1);
    expect((await db.requestApprover.findMany({ where: { requestId: created.id } })).map((r) => r.identityId)).toEqual([first.id]);
  });
});
