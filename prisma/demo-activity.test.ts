import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoActivity } from "@/prisma/demo-activity";
import { seedDemo } from "@/prisma/seed";
import { toActor } from "@/server/domain/identities/queries";
import { listInbox } from "@/server/domain/requests/inbox";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
});
afterAll(async () => {
  await database.destroy();
});

/** `npm run demo` opens on this activity: if the domain's rules change under it, the demo must not break. */
describe("the demo's activity", () => {
  it("leaves work in an approver's inbox, a decision by another, a denial and a grant by policy; once", async () => {
    expect(await seedDemoActivity(database.prisma)).toEqual({ created: 5 });
    const requests = await database.prisma.accessRequest.findMany({ include: { requester: true }, orderBy: { createdAt: "asc" } });
    expect(requests.map((r) => [r.requester.name, r.status])).toEqual([
      ["Lucas Martin", "PENDING"],
      ["Ravi Patel", "PENDING"],
      ["Zoe Kim", "PENDING"],
      ["Daniel Cohen", "DENIED"],
      ["Fatima Khan", "APPROVED"],
    ]);
    expect(await database.prisma.grant.count({ where: { identityId: requests[4]!.requesterId } })).toBe(1);

    const kenji = toActor(await database.prisma.identity.findFirstOrThrow({ where: { name: "Kenji Watanabe" } }));
    const inbox = await listInbox({ tab: "pending" }, { actor: kenji, db: database.prisma });
    expect(inbox.pending.map((r) => r.requester.name)).toEqual(["Lucas Martin", "Ravi Patel", "Zoe Kim"]);
    expect(inbox.pending[0]!.approvalsSoFar).toEqual(["Mia Johansson"]);
    expect(inbox.handled.map((r) => [r.requester, r.status, r.decidedBy])).toEqual([["Daniel Cohen", "DENIED", "Sam Okafor"]]);

    // Every step is in the ledger, as the people who took it.
    const events = await database.prisma.ledgerEvent.findMany({ where: { action: { startsWith: "access/" } }, select: { actorLabel: true, action: true }, orderBy: { seq: "asc" } });
    expect(events.map((e) => `${e.actorLabel.split("@")[0]} ${e.action}`)).toEqual([
      "lucas.martin access/request.created",
      "mia.johansson access/decision.recorded",
      "ravi.patel access/request.created",
      "zoe.kim access/request.created",
      "daniel.cohen access/request.created",
      "sam.okafor access/decision.recorded",
      "sam.okafor access/request.denied",
      "fatima.khan access/request.created",
      "system:policy access/request.approved",
      "system:policy access/grant.scheduled",
    ]);

    // Starting the demo again adds nothing.
    expect(await seedDemoActivity(database.prisma)).toEqual({ created: 0 });
    expect(await database.prisma.accessRequest.count()).toBe(5);
  });
});
