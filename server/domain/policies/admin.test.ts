import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let people: Record<string, IdentityActor>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  people = Object.fromEntries((await database.prisma.identity.findMany({ where: { kind: "HUMAN" } })).map((i) => [i.name, toActor(i)]));
});
afterAll(async () => {
  await database.destroy();
});

const as = (name: string) => createCaller({ actor: people[name]!, db: database.prisma });

describe("policy administration", () => {
  it("saves a new version, ledgers it, and new requests are decided under it", async () => {
    const tier3 = await database.prisma.policy.findUniqueOrThrow({ where: { tier: 3 } });
    const rules = { ...tierDefaultRules[3], limits: { maxDurationMinutes: 120, durationPresetsMinutes: [30, 60, 120] } };
    const saved = await as("Priya Raman").policies.save({ policyId: tier3.id, rulesJson: JSON.stringify(rules), note: "Shorter windows for tier 3" });
    expect(saved.version).toBe(2);
    const event = await database.prisma.ledgerEvent.findFirst({ where: { action: "policy/policy.changed", subjectId: tier3.id }, orderBy: { seq: "desc" } });
    expect(event?.summary).toContain("version 2");

    const warehouse = await database.prisma.resource.findUniqueOrThrow({ where: { slug: "analytics-warehouse" }, include: { accessLevels: true } });
    const read = warehouse.accessLevels.find((l) => l.key === "read")!;
    await expect(
      as("Leo Rossi").requests.create({ resourceId: warehouse.id, accessLevelId: read.id, durationMinutes: 240, justification: "Long analysis session for Q3" }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/at most|maximum/i) });
    const created = await as("Leo Rossi").requests.create({ resourceId: warehouse.id, accessLevelId: read.id, durationMinutes: 60, justification: "Short analysis session for Q3" });
    const request = await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: created.id }, include: { policyVersion: true } });
    expect(request.policyVersion?.version).toBe(2);
  });

  it.each([
    ["not JSON", "{ nope", /not valid JSON/],
    ["an unknown key", JSON.stringify({ ...tierDefaultRules[2], surprise: true }), /surprise|Unrecognized/i],
    ["a CEL syntax error", JSON.stringify({ ...tierDefaultRules[2], conditions: [{ name: "Broken", when: "request.duration_minutes >", effect: "deny", reason: "no" }] }), /condition 1 "Broken"/],
  ])("refuses %s with a specific error and saves nothing", async (_name, rulesJson, message) => {
    const tier2 = await database.prisma.policy.findUniqueOrThrow({ where: { tier: 2 } });
    const before = await database.prisma.policyVersion.count();
    await expect(as("Priya Raman").policies.save({ policyId: tier2.id, rulesJson, note: "try" })).rejects.toMatchObject({ message: expect.stringMatching(message) });
    expect(await database.prisma.policyVersion.count()).toBe(before);
  });

  it("the simulator answers for someone else, with reasons and approvers, and only for admins", async () => {
    const orders = await database.prisma.resource.findUniqueOrThrow({ where: { slug: "orders-db-prod" }, include: { accessLevels: true } });
    const write = orders.accessLevels.find((l) => l.key === "write")!;
    const result = await as("Priya Raman").policies.simulate({ identityId: people["Maya Chen"]!.id, resourceId: orders.id, accessLevelId: write.id, durationMinutes: 60 });
    expect(result.requester).toBe("Maya Chen");
    expect(result.ruleOutcome).toBe("approval");
    expect(result.approvers[0]?.people).toEqual(expect.arrayContaining(["Elena Petrova", "Kenji Watanabe"]));
    await expect(as("Maya Chen").policies.simulate({ identityId: people["Maya Chen"]!.id, resourceId: orders.id, accessLevelId: write.id, durationMinutes: 60 })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
