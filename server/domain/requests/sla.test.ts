import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { runRequestSla } from "@/server/domain/requests/sla";
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
