import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/server/actor";
import { freePort } from "@/server/connectors/testing";
import { dbNow } from "@/server/db/clock";
import { closeConnectors } from "@/server/domain/connectors/instance";
import { discoverPrivileges } from "@/server/domain/discovery/discover";
import { createDiscoveryWorld, sessionAs, type DiscoveryWorld } from "@/server/domain/discovery/testing";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { toActor } from "@/server/domain/identities/queries";
import { buildStandingReport } from "@/server/domain/reports/build";
import { convertToJit } from "@/server/domain/reports/convert";
import { markBaseline } from "@/server/domain/reports/mutations";
import { listStandingPrivileges } from "@/server/domain/reports/standing";
import { collectUsage } from "@/server/domain/usage/collect";
import type { Prisma } from "@/server/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * Discovery, classification, the report and its actions against the real local PostgreSQL and Redis:
 * standing privileges made by hand are found and classified, a Keycard grant's access is JIT, a baseline
 * holds until its review date, an unreachable target keeps its inventory, and converting to JIT really
 * removes the privilege from the target and makes the access requestable.
 */

let database: TestDatabase;
let world: DiscoveryWorld;
const sessions: pg.Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  world = await createDiscoveryWorld(database.prisma);
  const admin = await world.pgAdmin();
  // By hand, outside Keycard: the standing privileges the report is about.
  await admin.query(`GRANT "${world.roles.read}" TO "${world.logins.person}"`);
  await admin.query(`GRANT "${world.roles.write}" TO "${world.logins.machine}"`);
  await admin.query(`ALTER ROLE "${world.logins.ghost}" CREATEROLE`);
  await admin.query(`GRANT "${world.roles.write}" TO "${world.logins.ghost}"`);
  await admin.query(`GRANT SELECT ON items TO "${world.logins.ghost}"`);
  await admin.end();
});

afterAll(async () => {
  for (const session of sessions) await session.end().catch(() => undefined);
  await closeConnectors();
  await world?.close();
  await database?.destroy();
});

const db = () => database.prisma;
const ours = () => ({ connectorId: { in: [world.connectors.postgres, world.connectors.redis] } });

async function privilege(connectorId: string, principal: string, name: string) {
  return db().discoveredPrivilege.findUnique({ where: { connectorId_principal_privilege: { connectorId, principal, privilege: name } } });
}

async function adminCtx() {
  const identity = await db().identity.findUniqueOrThrow({ where: { id: world.people.admin.id } });
  return { actor: toActor(identity), db: db() };
}

describe("discovery against the real PostgreSQL and Redis", () => {
  it("finds the standing privileges made by hand, maps them to their holders and resources, and marks machines", async () => {
    const report = await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres, world.connectors.redis] });
    expect(report.unreachable).toEqual([]);

    const person = await privilege(world.connectors.postgres, world.logins.person, world.roles.read);
    expect(person).toMatchObject({ classification: "STANDING", identityId: world.people.person.id, holderKind: "HUMAN", resourceId: world.resources.postgres, goneAt: null });
    const machine = await privilege(world.connectors.postgres, world.logins.machine, world.roles.write);
    expect(machine).toMatchObject({ classification: "STANDING", identityId: world.people.machine.id, holderKind: "MACHINE" });
    const ghost = await privilege(world.connectors.postgres, world.logins.ghost, "CREATEROLE");
    expect(ghost).toMatchObject({ classification: "STANDING", identityId: null, holderKind: null, privilegeKind: "ROLE_ATTRIBUTE" });
    expect(await privilege(world.connectors.postgres, world.logins.ghost, "SELECT ON public.items")).toMatchObject({ classification: "STANDING", privilegeKind: "TABLE_PRIVILEGE" });
    // What a NOLOGIN role holds defines the role; its members are the holders.
    expect(await db().discoveredPrivilege.count({ where: { connectorId: world.connectors.postgres, principal: world.roles.read } })).toBe(0);

    const redis = await db().discoveredPrivilege.findMany({ where: { connectorId: world.connectors.redis, principal: world.redisUsers.reader } });
    expect(redis).toHaveLength(1);
    expect(redis[0]).toMatchObject({ classification: "STANDING", privilegeKind: "ACL_RULES", resourceId: world.resources.redis });
    expect(redis[0]?.privilege).toContain(`~${world.keyPrefix}:*`);

    const connector = await db().connector.findUniqueOrThrow({ where: { id: world.connectors.postgres } });
    expect(connector.health).toBe("HEALTHY");
  });

  it("classifies the access of active Keycard grants as JIT (ephemeral login and role elevation)", async () => {
    const now = await dbNow(db());
    const levels = await db().accessLevel.findMany({ where: { resourceId: world.resources.postgres } });
    const grantIds: string[] = [];
    for (const key of ["read", "elevate"]) {
      const level = levels.find((l) => l.key === key);
      if (!level) throw new Error(`no level ${key}`);
      const requestId = randomUUID();
      const grantId = randomUUID();
      await db().accessRequest.create({
        data: { id: requestId, status: "APPROVED", requesterId: world.people.person.id, resourceId: world.resources.postgres, accessLevelId: level.id, justification: "discovery test", startsAt: now, durationMinutes: 30, decision: {}, decidedAt: now },
      });
      await db().grant.create({ data: { id: grantId, requestId, identityId: world.people.person.id, resourceId: world.resources.postgres, accessLevelId: level.id, status: "SCHEDULED", startsAt: now, endsAt: new Date(now.getTime() + 30 * 60_000) } });
      grantIds.push(grantId);
    }
    await provisionDueGrants(db(), { grantIds, limit: 2 });
    expect(await db().grant.count({ where: { id: { in: grantIds }, status: "ACTIVE" } })).toBe(2);

    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
    const hex = (grantId: string) => grantId.replace(/-/g, "");
    const [ephemeral, elevation] = grantIds as [string, string];
    const login = await privilege(world.connectors.postgres, `kc_${hex(ephemeral)}`, world.roles.read);
    expect(login).toMatchObject({ classification: "JIT", identityId: world.people.person.id });
    // The person's login holds the per-grant role: covered by the elevation grant.
    const elevated = await privilege(world.connectors.postgres, world.logins.person, `kc_g_${hex(elevation)}`);
    expect(elevated).toMatchObject({ classification: "JIT", identityId: world.people.person.id });
    // Their hand-made membership stays standing: a grant does not make a standing path legitimate.
    expect(await privilege(world.connectors.postgres, world.logins.person, world.roles.read)).toMatchObject({ classification: "STANDING" });

    // Once the grants have ended, what is left of them in the target is standing (drift).
    await db().grant.updateMany({ where: { id: { in: grantIds } }, data: { status: "REVOKED", revokedAt: now } });
    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
    expect(await privilege(world.connectors.postgres, `kc_${hex(ephemeral)}`, world.roles.read)).toMatchObject({ classification: "STANDING" });
  });

  it("keeps a baseline out of the recommendations until its review date, then reports it as standing again", async () => {
    const ctx = await adminCtx();
    const target = await privilege(world.connectors.postgres, world.logins.machine, world.roles.write);
    if (!target) throw new Error("not discovered");
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await markBaseline({ privilegeId: target.id, reason: "The nightly load writes items; reviewed with the data team.", reviewAt: tomorrow }, ctx);
    const event = await db().ledgerEvent.findFirst({ where: { action: "reports/privilege.baselined", subjectId: target.id } });
    expect(event?.actorId).toBe(world.people.admin.id);

    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
    expect(await privilege(world.connectors.postgres, world.logins.machine, world.roles.write)).toMatchObject({ classification: "BASELINE" });
    const built = await buildStandingReport(db());
    const listed = await listStandingPrivileges({ snapshot: built.snapshotId, q: world.logins.machine }, ctx);
    const row = listed.rows.find((r) => r.privilege === world.roles.write);
    expect(row).toMatchObject({ classification: "BASELINE", recommendation: "baseline" });
    const needingAction = await listStandingPrivileges({ snapshot: built.snapshotId, q: world.logins.machine, recommendation: "action" }, ctx);
    expect(needingAction.rows.some((r) => r.key === target.id)).toBe(false);

    // The review date passes (moved into the past rather than waiting a day).
    await db().baselineDeclaration.updateMany({ where: { connectorId: world.connectors.postgres, principal: world.logins.machine }, data: { reviewAt: new Date(Date.now() - 60_000) } });
    const after = await buildStandingReport(db());
    const again = await listStandingPrivileges({ snapshot: after.snapshotId, q: world.logins.machine }, ctx);
    const expired = again.rows.find((r) => r.privilege === world.roles.write);
    expect(expired).toMatchObject({ classification: "STANDING" });
    expect(expired?.note).toMatch(/Baseline review was due/);
    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
    expect(await privilege(world.connectors.postgres, world.logins.machine, world.roles.write)).toMatchObject({ classification: "STANDING" });
  });

  it("reports an unreachable target as such and keeps its previous inventory", async () => {
    // Counted over this world's principals: the cluster is shared with other tests creating roles meanwhile.
    const mine = { connectorId: world.connectors.postgres, goneAt: null, principal: { startsWith: `kcr_${world.suffix}_` } };
    const before = await db().discoveredPrivilege.count({ where: mine });
    expect(before).toBeGreaterThan(0);
    const row = await db().connector.findUniqueOrThrow({ where: { id: world.connectors.postgres } });
    const settings = row.settings as Prisma.InputJsonObject;
    await db().connector.update({ where: { id: row.id }, data: { settings: { ...settings, port: await freePort() } } });
    try {
      const report = await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
      expect(report.unreachable).toEqual([row.name]);
      expect(report.connectors[0]).toMatchObject({ status: "unreachable" });
      expect(report.connectors[0]?.error).toMatch(/cannot reach|refused|ECONNREFUSED/i);
      const failing = await db().connector.findUniqueOrThrow({ where: { id: row.id } });
      expect(failing.health).toBe("FAILING");
      expect(failing.lastError).toBeTruthy();
      expect(await db().discoveredPrivilege.count({ where: mine })).toBe(before);
      const built = await buildStandingReport(db());
      expect(built.summary.connectors.find((c) => c.id === row.id)).toMatchObject({ health: "FAILING" });
    } finally {
      await db().connector.update({ where: { id: row.id }, data: { settings } });
    }
    // Reachable again, a privilege removed by hand meanwhile is seen gone — and only then.
    const admin = await world.pgAdmin();
    await admin.query(`REVOKE SELECT ON items FROM "${world.logins.ghost}"`);
    await admin.end();
    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres] });
    expect((await privilege(world.connectors.postgres, world.logins.ghost, "SELECT ON public.items"))?.goneAt).not.toBeNull();
    expect(await db().discoveredPrivilege.count({ where: mine })).toBe(before - 1);
  });

  it("reports last use from live sessions, recommends removing what is idle, and notifies admins of new tier-1 privileges", async () => {
    sessions.push(await sessionAs(world.logins.person, world.database));
    await collectUsage(db(), { connectorIds: [world.connectors.postgres] });
    await discoverPrivileges(db(), { connectorIds: [world.connectors.postgres, world.connectors.redis] });
    const built = await buildStandingReport(db());
    const ctx = await adminCtx();
    // Searched by login: the connector's name also carries the suffix, and the shared cluster has many roles.
    const listed = await listStandingPrivileges({ snapshot: built.snapshotId, q: `kcr_${world.suffix}_` }, ctx);
    const used = listed.rows.find((r) => r.principal === world.logins.person && r.privilege === world.roles.read);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(used?.daysIdle).toBe(0);
    expect(used).toMatchObject({ recommendation: "review", tier: 1, holder: { id: world.people.person.id, kind: "HUMAN" } });
    const idle = listed.rows.find((r) => r.principal === world.logins.ghost && r.privilege === world.roles.write);
    expect(idle).toMatchObject({ lastUsedAt: null, daysIdle: null, recommendation: "remove", holder: null });
    const attribute = listed.rows.find((r) => r.principal === world.logins.ghost && r.privilege === "CREATEROLE");
    expect(attribute).toMatchObject({ tier: 1, power: "admin" });
    // Riskiest first.
    const ranks = listed.rows.map((r) => r.riskRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const notification = await db().notification.findFirst({ where: { kind: "reports.standing_found", recipientId: world.people.admin.id } });
    expect(notification?.title).toMatch(/new standing privileges? on tier 1/);
  });

  it("converts a PostgreSQL membership to JIT: removed from the target, requestable, ledgered", async () => {
    const ctx = await adminCtx();
    const target = await privilege(world.connectors.postgres, world.logins.ghost, world.roles.write);
    if (!target) throw new Error("not discovered");
    const result = await convertToJit({ privilegeId: target.id }, ctx);
    expect(result).toMatchObject({ removed: true, requestable: { created: "resource" } });

    const admin = await world.pgAdmin();
    const { rowCount } = await admin.query(
      `SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1 AND r.rolname = $2`,
      [world.logins.ghost, world.roles.write],
    );
    await admin.end();
    expect(rowCount).toBe(0);

    const resource = await db().resource.findUniqueOrThrow({ where: { id: result.requestable?.resourceId ?? "" }, include: { accessLevels: true } });
    expect(resource).toMatchObject({ requestable: true, connectorId: world.connectors.postgres, tier: 1 });
    // Unmapped holder: an ephemeral login per grant, handing out the same role.
    expect(resource.accessLevels[0]).toMatchObject({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: world.roles.write } });
    expect((await privilege(world.connectors.postgres, world.logins.ghost, world.roles.write))?.goneAt).not.toBeNull();
    const event = await db().ledgerEvent.findFirst({ where: { action: "reports/privilege.converted", subjectId: target.id } });
    expect(event).toMatchObject({ outcome: "success", resourceId: resource.id, actorId: world.people.admin.id });

    // Converting it again is refused: it is gone.
    await expect(convertToJit({ privilegeId: target.id }, ctx)).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("converts a PostgreSQL membership of a person to role elevation on the existing access level", async () => {
    const ctx = await adminCtx();
    const target = await privilege(world.connectors.postgres, world.logins.person, world.roles.read);
    if (!target) throw new Error("not discovered");
    const result = await convertToJit({ privilegeId: target.id }, ctx);
    // The resource already hands out this role: no new resource, the same access is requestable there.
    expect(result.requestable).toMatchObject({ resourceId: world.resources.postgres, created: null });
    expect(result.removed).toBe(true);
  });

  it("converts a Redis ACL user to JIT: the user is deleted and the access requestable", async () => {
    const ctx = await adminCtx();
    const [target] = await db().discoveredPrivilege.findMany({ where: { connectorId: world.connectors.redis, principal: world.redisUsers.writer, goneAt: null } });
    if (!target) throw new Error("not discovered");
    const result = await convertToJit({ privilegeId: target.id }, ctx);
    expect(result.removed).toBe(true);
    const redis = await world.redisAdmin();
    expect(await redis.sendCommand(["ACL", "GETUSER", world.redisUsers.writer])).toBeNull();
    redis.destroy();
    const level = await db().accessLevel.findFirstOrThrow({ where: { resourceId: result.requestable?.resourceId ?? "", key: result.requestable?.accessLevelKey ?? "" } });
    expect(level).toMatchObject({ mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: [`${world.keyPrefix}:*`], categories: expect.arrayContaining(["+@read", "+@write"]) } });
    await discoverPrivileges(db(), { connectorIds: [world.connectors.redis] });
    expect((await db().discoveredPrivilege.findUniqueOrThrow({ where: { id: target.id } })).goneAt).not.toBeNull();
  });

  it("refuses to convert what it must not remove, and changes nothing", async () => {
    const ctx = await adminCtx();
    // The connector's own login (postgres) must keep its rights.
    const own = await db().discoveredPrivilege.findFirst({ where: { connectorId: world.connectors.postgres, principal: "postgres", privilege: "SUPERUSER" } });
    if (own) await expect(convertToJit({ privilegeId: own.id }, ctx)).rejects.toMatchObject({ code: "VALIDATION" });
    // A requester cannot convert anything.
    const target = await privilege(world.connectors.postgres, world.logins.ghost, "CREATEROLE");
    if (!target) throw new Error("not discovered");
    const requester = await db().identity.findUniqueOrThrow({ where: { id: world.people.person.id } });
    await expect(convertToJit({ privilegeId: target.id }, { actor: toActor(requester), db: db() })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(convertToJit({ privilegeId: target.id }, { actor: systemActor("test"), db: db() })).resolves.toMatchObject({ removed: true, requestable: null });
    expect(await db().discoveredPrivilege.count({ where: { ...ours(), goneAt: null, principal: world.logins.ghost, privilege: "CREATEROLE" } })).toBe(0);
  });
});
