import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import { grantSpecById, grantSpecSelect, grantSpecsByIds } from "@/server/domain/connectors/instance";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
});
afterAll(async () => {
  await database.destroy();
});

describe("grantSpecsByIds", () => {
  it("reads exactly what the ORM's grantSpecSelect reads, for grants in every state, in one statement", async () => {
    const db = database.prisma;
    const people = await db.identity.findMany({ where: { kind: "HUMAN" }, orderBy: { name: "asc" }, take: 4 });
    const levels = await db.accessLevel.findMany({ include: { resource: true }, orderBy: { key: "asc" } });
    const now = new Date();
    const ids: string[] = [];
    const states = ["SCHEDULED", "PROVISIONING", "ACTIVE", "REVOKING", "REVOKED", "FAILED"] as const;
    for (const [index, status] of states.entries()) {
      const person = people[index % people.length]!;
      const level = levels[index % levels.length]!;
      const request = await db.accessRequest.create({
        data: { requesterId: person.id, resourceId: level.resourceId, accessLevelId: level.id, justification: "specs", startsAt: now, durationMinutes: 30, status: "APPROVED", decision: {} },
      });
      const grant = await db.grant.create({
        data: {
          requestId: request.id,
          identityId: person.id,
          resourceId: level.resourceId,
          accessLevelId: level.id,
          status,
          startsAt: now,
          endsAt: new Date(now.getTime() + 1_800_000),
          attempts: index,
          breakGlass: index % 2 === 0,
          ...(status === "REVOKED" ? { revocationReason: "RELEASED", revokeRequestedAt: now, credentialRevealedAt: now } : {}),
          ...(status === "FAILED" ? { lastError: "target said \"no\" \u2014 twice", failureAlertedAt: now, revocationReason: "PROVISION_FAILED" } : {}),
          ...(status === "ACTIVE" ? { credentialCiphertext: "v1:ciphertext" } : {}),
        },
      });
      ids.push(grant.id);
    }
    const expected = (await db.grant.findMany({ where: { id: { in: ids } }, select: grantSpecSelect })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await grantSpecsByIds(db, ids)).toEqual(expected);
    // Unknown ids are absent, no ids is no query, one id by itself, and under a row lock in a transaction.
    expect(await grantSpecsByIds(db, [...ids.slice(0, 2), "0192f3a4-0000-7000-8000-000000000000"])).toEqual(expected.filter((g) => ids.slice(0, 2).includes(g.id)));
    expect(await grantSpecsByIds(db, [])).toEqual([]);
    expect(await grantSpecById(db, "0192f3a4-0000-7000-8000-000000000000")).toBeNull();
    const locked = await db.$transaction((tx) => grantSpecById(tx, ids[2]!, { lock: true }));
    expect(locked).toEqual(expected.find((g) => g.id === ids[2]));
  });
});
