import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { Db } from "@/server/db";
import { loadPolicyInput } from "@/server/domain/requests/policy-context";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

/**
 * What the loader must find, read the long way with the ORM (one query per fact, as it was before it
 * became one statement): the oracle the one-statement loader is compared with.
 */
async function expectedFacts(db: Db, requesterId: string, resourceId: string, accessLevelId: string, now: Date, excludeRequestId?: string) {
  const requester = await db.identity.findUniqueOrThrow({ where: { id: requesterId }, include: { memberships: { include: { group: true } } } });
  const resource = await db.resource.findUniqueOrThrow({ where: { id: resourceId }, include: { ownerGroup: true } });
  const personId = requester.ownerId ?? requester.id;
  const leads = await db.groupMembership.findMany({ where: { isLead: true, group: { kind: "TEAM", members: { some: { identityId: personId } } } } });
  const shifts = await db.onCallShift.findMany({ where: { identityId: personId, startsAt: { lte: now }, endsAt: { gt: now } }, include: { group: true } });
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const policy =
    (await db.policy.findUnique({ where: { resourceId }, include: { currentVersion: true } })) ??
    (await db.policy.findUnique({ where: { tier: resource.tier }, include: { currentVersion: true } }));
  return {
    policy: { id: policy?.id, name: policy?.name, versionId: policy?.currentVersion?.id, version: policy?.currentVersion?.version },
    groups: requester.memberships.map((m) => m.group.slug).sort(),
    teamLeadIds: [...new Set(leads.map((l) => l.identityId))].filter((id) => id !== requester.id).sort(),
    onCallGroups: shifts.map((s) => s.group.slug).sort(),
    ownerGroupSlug: resource.ownerGroup?.slug ?? null,
    history: {
      requestsSameAccess7d: await db.accessRequest.count({
        where: { requesterId, resourceId, accessLevelId, createdAt: { gte: weekAgo }, ...(excludeRequestId ? { id: { not: excludeRequestId } } : {}) },
      }),
      grantsSameAccessEver: await db.grant.count({ where: { identityId: requesterId, resourceId, accessLevelId } }),
      activeGrantsForResource: await db.grant.count({ where: { identityId: requesterId, resourceId, status: { in: ["SCHEDULED", "PROVISIONING", "ACTIVE"] } } }),
    },
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
});
afterAll(async () => {
  await database.destroy();
});

describe("loadPolicyInput", () => {
  it("finds what the ORM finds for every requester, resource and access level: groups, leads, on-call, history", async () => {
    const db = database.prisma;
    const identities = await db.identity.findMany({ where: { status: "ACTIVE" }, orderBy: { name: "asc" } });
    const resources = await db.resource.findMany({ where: { requestable: true, archivedAt: null }, include: { accessLevels: true }, orderBy: { slug: "asc" } });
    const now = new Date();
    // History to count: requests inside and outside the week, grants in every state, a past and a current shift.
    const [someone, other] = identities.filter((i) => i.kind === "HUMAN");
    const resource = resources[0]!;
    const level = resource.accessLevels[0]!;
    const request = (createdAt: Date) =>
      db.accessRequest.create({
        data: { requesterId: someone!.id, resourceId: resource.id, accessLevelId: level.id, justification: "history for the loader", startsAt: createdAt, durationMinutes: 30, status: "APPROVED", createdAt, decision: {} },
      });
    const recent = await request(new Date(now.getTime() - 86_400_000));
    for (const status of ["ACTIVE", "REVOKED", "SCHEDULED"] as const) {
      const old = await request(new Date(now.getTime() - 9 * 86_400_000));
      await db.grant.create({ data: { requestId: old.id, identityId: someone!.id, resourceId: resource.id, accessLevelId: level.id, status, startsAt: now, endsAt: new Date(now.getTime() + 3_600_000) } });
    }
    const team = await db.group.findFirstOrThrow({ where: { kind: "TEAM" } });
    await db.onCallShift.createMany({
      data: [
        { groupId: team.id, identityId: someone!.id, startsAt: new Date(now.getTime() - 3_600_000), endsAt: new Date(now.getTime() + 3_600_000) },
        { groupId: team.id, identityId: other!.id, startsAt: new Date(now.getTime() - 7_200_000), endsAt: new Date(now.getTime() - 3_600_000) },
      ],
    });
    // A lead of a non-team group does not count as a team lead.
    const approvers = await db.group.findFirstOrThrow({ where: { kind: "APPROVERS" } });
    await db.groupMembership.upsert({ where: { groupId_identityId: { groupId: approvers.id, identityId: other!.id } }, create: { groupId: approvers.id, identityId: other!.id, isLead: true }, update: { isLead: true } });

    let compared = 0;
    for (const identity of identities) {
      for (const r of resources) {
        for (const l of r.accessLevels) {
          const loaded = await loadPolicyInput(db, { requesterId: identity.id, resourceId: r.id, accessLevelId: l.id, durationMinutes: 30, startsAt: now, now, kind: "STANDARD", justification: "compare" });
          const expected = await expectedFacts(db, identity.id, r.id, l.id, now);
          const label = `${identity.name} → ${r.slug}/${l.key}`;
          expect(loaded.input.requester.groups.slice().sort(), label).toEqual(expected.groups);
          expect(loaded.input.requester.teamLeadIds.slice().sort(), label).toEqual(expected.teamLeadIds);
          expect((loaded.input.requester.onCallGroups ?? []).slice().sort(), label).toEqual(expected.onCallGroups);
          expect(loaded.input.requester.onCall, label).toBe(expected.onCallGroups.length > 0);
          expect(loaded.input.resource.ownerGroupSlug, label).toBe(expected.ownerGroupSlug);
          expect(loaded.input.history, label).toEqual(expected.history);
          expect({ id: loaded.policy.id, name: loaded.policy.name, versionId: loaded.version.id, version: loaded.version.version }, label).toEqual(expected.policy);
          expect(loaded.resource.id).toBe(r.id);
          expect(loaded.accessLevel.id).toBe(l.id);
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
    // An extension leaves its own request out of the counts.
    const without = await loadPolicyInput(db, { requesterId: someone!.id, resourceId: resource.id, accessLevelId: level.id, durationMinutes: 30, startsAt: now, now, kind: "EXTENSION", justification: "x", excludeRequestId: recent.id });
    expect(without.input.history).toEqual((await expectedFacts(db, someone!.id, resource.id, level.id, now, recent.id)).history);
    expect(without.input.history.requestsSameAccess7d).toBe(0);
    const withIt = await loadPolicyInput(db, { requesterId: someone!.id, resourceId: resource.id, accessLevelId: level.id, durationMinutes: 30, startsAt: now, now, kind: "STANDARD", justification: "x" });
    expect(withIt.input.history).toEqual({ requestsSameAccess7d: 1, grantsSameAccessEver: 3, activeGrantsForResource: 2 });
    expect(withIt.input.requester.onCall).toBe(true);
  });

  it("refuses an unknown or foreign access level, an unknown resource and a disabled requester", async () => {
    const db = database.prisma;
    const [a, b] = await db.resource.findMany({ where: { requestable: true }, include: { accessLevels: true }, take: 2, orderBy: { slug: "asc" } });
    const person = await db.identity.findFirstOrThrow({ where: { kind: "HUMAN", status: "ACTIVE" } });
    const now = new Date();
    const load = (requesterId: string, resourceId: string, accessLevelId: string) =>
      loadPolicyInput(db, { requesterId, resourceId, accessLevelId, durationMinutes: 30, startsAt: now, now, kind: "STANDARD", justification: "x" });
    await expect(load(person.id, a!.id, b!.accessLevels[0]!.id)).rejects.toThrow("That access level does not exist on this resource.");
    await expect(load(person.id, "0192f3a4-0000-7000-8000-000000000000", a!.accessLevels[0]!.id)).rejects.toThrow("No such requestable resource.");
    await expect(load("0192f3a4-0000-7000-8000-000000000000", a!.id, a!.accessLevels[0]!.id)).rejects.toThrow("Your identity is not active.");
    const disabled = await db.identity.create({ data: { name: "Gone Person", status: "DISABLED", roles: ["REQUESTER"] } });
    await expect(load(disabled.id, a!.id, a!.accessLevels[0]!.id)).rejects.toThrow("Your identity is not active.");
  });

  it("decides under the resource's own policy over its tier's, fails closed without a current version or with rules that no longer parse", async () => {
    const db = database.prisma;
    const resource = await db.resource.findFirstOrThrow({ where: { requestable: true, archivedAt: null, policies: { none: {} } }, include: { accessLevels: true }, orderBy: { slug: "asc" } });
    const person = await db.identity.findFirstOrThrow({ where: { kind: "HUMAN", status: "ACTIVE" } });
    const now = new Date();
    const load = () => loadPolicyInput(db, { requesterId: person.id, resourceId: resource.id, accessLevelId: resource.accessLevels[0]!.id, durationMinutes: 30, startsAt: now, now, kind: "STANDARD", justification: "x" });
    const tierDefault = await db.policy.findUniqueOrThrow({ where: { tier: resource.tier }, include: { currentVersion: true } });
    expect((await load()).policy.id).toBe(tierDefault.id);

    // Its own policy, not yet with a version: nothing can be requested (no fallback to the tier's).
    const own = await db.policy.create({ data: { name: "Own policy", resourceId: resource.id } });
    await expect(load()).rejects.toThrow("No policy applies to this resource yet");
    const version = await db.policyVersion.create({ data: { policyId: own.id, version: 1, rules: tierDefault.currentVersion!.rules as never } });
    await db.policy.update({ where: { id: own.id }, data: { currentVersionId: version.id } });
    const loaded = await load();
    expect([loaded.policy.id, loaded.policy.name, loaded.version.id, loaded.version.version]).toEqual([own.id, "Own policy", version.id, 1]);

    const broken = await db.policyVersion.create({ data: { policyId: own.id, version: 2, rules: { rules: "not a rules document" } } });
    await db.policy.update({ where: { id: own.id }, data: { currentVersionId: broken.id } });
    await expect(load()).rejects.toThrow('The policy "Own policy" is invalid');
    await db.policy.delete({ where: { id: own.id } });
    expect((await load()).policy.id).toBe(tierDefault.id);
  });
});
