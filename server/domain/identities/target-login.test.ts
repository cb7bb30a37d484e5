import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { dbNow } from "@/server/db/clock";
import { closeConnectors, targetLoginFor } from "@/server/domain/connectors/instance";
import { createDiscoveryWorld, type DiscoveryWorld } from "@/server/domain/discovery/testing";
import { releaseGrant } from "@/server/domain/grants/mutations";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { toActor } from "@/server/domain/identities/queries";
import { otherClaimantsOf } from "@/server/domain/identities/target-login";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { savePolicyVersion } from "@/server/domain/policies/mutations";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createCaller } from "@/server/trpc/root";

/**
 * Role elevation grants a role to the person's own login in the target. Two identities whose emails
 * start alike would share that login: a grant to one would elevate the other's account. Against the
 * real local PostgreSQL: Keycard refuses such a grant, an admin gives one of them their own login, and
 * then elevation works for both — each on their own account.
 */

let database: TestDatabase;
let world: DiscoveryWorld;
let admin: IdentityActor;
let impostor: IdentityActor;

beforeAll(async () => {
  database = await createTestDatabase();
  world = await createDiscoveryWorld(database.prisma);
  admin = toActor(await database.prisma.identity.update({ where: { id: world.people.admin.id }, data: { roles: ["REQUESTER", "ADMIN"] } }));
  // Another company's Ada: a different person whose email has the same local part.
  impostor = toActor(await database.prisma.identity.create({ data: { kind: "HUMAN", name: "Ada Elsewhere", email: `${world.logins.person}@contractor.example`, roles: ["REQUESTER"] } }));
});

afterAll(async () => {
  await closeConnectors();
  await world?.close();
  await database?.destroy();
});

const db = () => database.prisma;

async function elevate(identityId: string): Promise<string> {
  const now = await dbNow(db());
  const level = await db().accessLevel.findFirstOrThrow({ where: { resourceId: world.resources.postgres, key: "elevate" } });
  const requestId = randomUUID();
  const grantId = randomUUID();
  await db().accessRequest.create({ data: { id: requestId, status: "APPROVED", requesterId: identityId, resourceId: world.resources.postgres, accessLevelId: level.id, justification: "login test", startsAt: now, durationMinutes: 30, decision: {}, decidedAt: now } });
  await db().grant.create({ data: { id: grantId, requestId, identityId, resourceId: world.resources.postgres, accessLevelId: level.id, status: "SCHEDULED", startsAt: now, endsAt: new Date(now.getTime() + 30 * 60_000) } });
  await provisionDueGrants(db(), { grantIds: [grantId] });
  return grantId;
}

/** The per-grant roles a login holds in the target. */
async function keycardRolesOf(login: string): Promise<string[]> {
  const client = await world.pgAdmin("postgres");
  const { rows } = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1 AND r.rolname LIKE 'kc\\_g\\_%'`,
    [login],
  );
  await client.end();
  return rows.map((r) => r.rolname);
}

const identityState = async () => ({ identities: await db().identity.findMany({ select: { id: true, targetLogin: true }, orderBy: { id: "asc" } }), events: await db().ledgerEvent.count() });

describe("logins in targets", () => {
  it("refuses to elevate a login that two identities would share, and says who must act", async () => {
    const grantId = await elevate(impostor.id);
    const grant = await db().grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.status).toBe("FAILED");
    expect(grant.lastError).toBe(
      `The login "${world.logins.person}" in targets is not Ada Elsewhere's alone (another identity's login in targets is the same): an admin must give them their own login in targets (Admin → Identities) before a role can be elevated.`,
    );
    expect(await keycardRolesOf(world.logins.person)).toEqual([]);
    // The admin's list points it out, for both.
    const listed = await createCaller({ actor: admin, db: db() }).identities.list({ q: world.logins.person });
    expect(listed.map((i) => i.login)).toEqual([
      { name: world.logins.person, source: "email", shared: true },
      { name: world.logins.person, source: "email", shared: true },
    ]);
  });

  it("says so when the request is made, before anyone approves it", async () => {
    const rules = { ...tierDefaultRules[3], breakGlass: { allowed: true, maxDurationMinutes: 30 } };
    await savePolicyVersion({ resourceId: world.resources.postgres, rulesJson: JSON.stringify(rules), note: "Requestable, and in an emergency" }, { actor: admin, db: db() });
    const level = await db().accessLevel.findFirstOrThrow({ where: { resourceId: world.resources.postgres, key: "elevate" } });
    const preview = await createCaller({ actor: impostor, db: db() }).requests.preview({ resourceId: world.resources.postgres, accessLevelId: level.id });
    expect(preview.blocker).toContain("is not Ada Elsewhere's alone");
    const before = await db().accessRequest.count();
    await expect(
      createCaller({ actor: impostor, db: db() }).requests.create({ resourceId: world.resources.postgres, accessLevelId: level.id, durationMinutes: 30, justification: "Check the nightly load" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("is not Ada Elsewhere's alone") });
    // In an emergency too: refused before anyone is alerted, rather than a failed grant after.
    await expect(
      createCaller({ actor: impostor, db: db() }).requests.breakGlass({ resourceId: world.resources.postgres, accessLevelId: level.id, durationMinutes: 30, reason: "The nightly load is stuck and blocks billing" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("is not Ada Elsewhere's alone") });
    expect(await db().accessRequest.count()).toBe(before);
  });

  it("finds the identities that share a login whatever the text (characters beyond U+FFFF, dotted İ, long names)", async () => {
    const make = (name: string, email: string | null = null) => db().identity.create({ data: { kind: "HUMAN", name, email, roles: ["REQUESTER"] }, select: { id: true, name: true, email: true, targetLogin: true } });
    const pairs = [
      [await make("𠮷田 太郎"), await make("𠮷田 一郎")],
      [await make("İlker Aydın"), await make("İlker Aydın")],
      [await make("x", `${"m".repeat(60)}.a@one.example`), await make("y", `${"m".repeat(60)}.b@two.example`)],
    ];
    for (const [a, b] of pairs) {
      const login = targetLoginFor(a!);
      expect(targetLoginFor(b!)).toBe(login);
      expect((await otherClaimantsOf(db(), login, a!.id)).map((o) => o.id)).toEqual([b!.id]);
    }
    await db().identity.deleteMany({ where: { id: { in: pairs.flat().map((p) => p!.id) } } });
  });

  it.each([
    ["someone else's login", () => ({ targetLogin: world.logins.person }), "CONFLICT"],
    ["capitals", () => ({ targetLogin: "Ada" }), "BAD_REQUEST"],
    ["a quote", () => ({ targetLogin: `ada"; DROP ROLE x; --` }), "BAD_REQUEST"],
    ["49 characters", () => ({ targetLogin: "a".repeat(49) }), "BAD_REQUEST"],
    ["Keycard's own prefix", () => ({ targetLogin: "kc_ada" }), "BAD_REQUEST"],
    ["their own (separation of duties)", () => ({ identityId: admin.id, targetLogin: "root_admin" }), "FORBIDDEN"],
    ["an unknown identity", () => ({ identityId: randomUUID(), targetLogin: "ada_x" }), "NOT_FOUND"],
  ])("refuses %s and changes nothing", async (_name, change, code) => {
    const before = await identityState();
    await expect(createCaller({ actor: admin, db: db() }).identities.setTargetLogin({ identityId: impostor.id, ...change() })).rejects.toMatchObject({ code });
    expect(await identityState()).toEqual(before);
  });

  it("only admins set one", async () => {
    await expect(createCaller({ actor: impostor, db: db() }).identities.setTargetLogin({ identityId: impostor.id, targetLogin: world.logins.ghost })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("once an admin gives one of them their own login, each is elevated on their own account, and a login in use stays put", async () => {
    const caller = createCaller({ actor: admin, db: db() });
    expect(await caller.identities.setTargetLogin({ identityId: impostor.id, targetLogin: world.logins.ghost })).toEqual({ targetLogin: world.logins.ghost, changed: true });
    const event = await db().ledgerEvent.findFirstOrThrow({ where: { action: "identity/identity.updated", subjectId: impostor.id } });
    expect(event).toMatchObject({ actorId: admin.id, summary: `Ada Elsewhere's login in targets set to ${world.logins.ghost} (was ${world.logins.person})` });

    const adas = await elevate(world.people.person.id);
    const theirs = await elevate(impostor.id);
    expect(await db().grant.findMany({ where: { id: { in: [adas, theirs] } }, select: { status: true } })).toEqual([{ status: "ACTIVE" }, { status: "ACTIVE" }]);
    const hex = (id: string) => `kc_g_${id.replace(/-/g, "")}`;
    expect(await keycardRolesOf(world.logins.person)).toEqual([hex(adas)]);
    expect(await keycardRolesOf(world.logins.ghost)).toEqual([hex(theirs)]);

    // An admin cannot move a login under an elevated role…
    const before = await identityState();
    await expect(caller.identities.setTargetLogin({ identityId: impostor.id, targetLogin: "" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("holds an elevated role") });
    expect(await identityState()).toEqual(before);
    expect(await db().grant.findUniqueOrThrow({ where: { id: theirs } })).toMatchObject({ targetLogin: world.logins.ghost });

    // …and whatever else changes the identity meanwhile (a new email from the identity provider at
    // sign-in), revocation removes the role from the login it was granted to.
    await db().identity.update({ where: { id: impostor.id }, data: { targetLogin: null, email: `ada.elsewhere@contractor.example` } });
    await releaseGrant({ grantId: theirs }, { actor: impostor, db: db() });
    await revokeDueGrants(db(), { grantIds: [theirs] });
    expect(await db().grant.findUniqueOrThrow({ where: { id: theirs } })).toMatchObject({ status: "REVOKED" });
    const revoked = await db().ledgerEvent.findFirstOrThrow({ where: { grantId: theirs, action: "access/grant.revoked" } });
    expect(revoked.data).toMatchObject({ principal: world.logins.ghost, removed: true });
    expect(await keycardRolesOf(world.logins.ghost)).toEqual([]);
    expect(await keycardRolesOf(world.logins.person)).toEqual([hex(adas)]);
  });
});
