import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ephemeralPrincipalName } from "@/server/connectors/identifiers";
import { realServers, uniqueSuffix } from "@/server/connectors/testing";
import { decryptSecret, encryptSecret } from "@/server/crypto";
import { closeConnectors } from "@/server/domain/connectors/instance";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { auditRevoked, createFaultWorld, createGrants, provisionAll, randomBetween, sleep, sleepUntilEnded, TcpProxy, type FaultWorld } from "@/server/domain/grants/testing";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * Targets that misbehave for a while: refusing connections, accepting and never answering, or the
 * connector's own account losing a right. Revocations keep retrying (never dropped), admins are alerted
 * once per grant, and when the target recovers every grant is revoked exactly once with nothing left.
 */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await closeConnectors();
  await database?.destroy();
});

async function createAdmin() {
  return database.prisma.identity.create({ data: { kind: "HUMAN", name: `Admin ${uniqueSuffix()}`, email: `admin-${uniqueSuffix()}@test.example`, roles: ["ADMIN"] } });
}

/** Runs the sweeper every `everyMs` for `forMs` (a short alert threshold stands in for the 1-minute one). */
async function sweepFor(forMs: number, everyMs = 400, alertAfterMs = 1_000) {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    await revokeDueGrants(database.prisma, { alertAfterMs });
    await sleep(everyMs);
  }
}

async function alertsFor(adminId: string, ids: string[]) {
  const rows = await database.prisma.notification.findMany({ where: { recipientId: adminId, kind: "grant.revoke_failing" }, select: { link: true } });
  return rows.filter((r) => ids.some((id) => r.link?.includes(id)));
}

describe("a PostgreSQL target behind a proxy that fails, then recovers", () => {
  let proxy: TcpProxy;
  let world: FaultWorld;

  beforeAll(async () => {
    proxy = new TcpProxy({ host: realServers.postgres.host, port: realServers.postgres.port });
    await proxy.start();
    world = await createFaultWorld(database.prisma, { connectorPort: proxy.port, people: 3 });
  });

  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });

  it("refusing and then timing out: revocations retry and alert once, and every grant is revoked once when it is back", async () => {
    const admin = await createAdmin();
    const levels = ["read", "write", "elevate"] as const;
    const ids = await createGrants(
      database.prisma,
      world,
      Array.from({ length: 20 }, () => ({ level: levels[randomBetween(0, 2)]!, person: randomBetween(0, 2), endsInMs: randomBetween(10_000, 12_000) })),
    );
    await provisionAll(database.prisma, ids);

    await proxy.refuse();
    await sleepUntilEnded(database.prisma, ids);
    await sweepFor(2_500);
    let grants = await database.prisma.grant.findMany({ where: { id: { in: ids } } });
    expect(grants.every((g) => g.status === "REVOKING")).toBe(true);
    for (const g of grants) expect(g.lastError).toMatch(/connection refused|cannot reach/);
    // Overdue: each grant alerted admins exactly once.
    expect(grants.every((g) => g.failureAlertedAt)).toBe(true);
    expect(await alertsFor(admin.id, ids)).toHaveLength(ids.length);

    await proxy.blackhole();
    await sweepFor(7_000);
    grants = await database.prisma.grant.findMany({ where: { id: { in: ids } } });
    expect(grants.every((g) => g.status === "REVOKING")).toBe(true);
    expect(grants.some((g) => /timed out|timeout/i.test(g.lastError ?? ""))).toBe(true);

    await proxy.forward();
    const deadline = Date.now() + 30_000;
    while ((await database.prisma.grant.count({ where: { id: { in: ids }, status: "REVOKED" } })) < ids.length && Date.now() < deadline) {
      await revokeDueGrants(database.prisma, { alertAfterMs: 1_000 });
      await sleep(300);
    }
    const audit = await auditRevoked(database.prisma, world, ids);
    expect(audit).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    // Still one alert per grant: the outage was one episode.
    expect(await alertsFor(admin.id, ids)).toHaveLength(ids.length);
  });
});

describe("a Redis target whose connector account loses a right for a while", () => {
  const suffix = uniqueSuffix();
  const prefix = `kcf:${suffix}`;
  const connectorUser = `kcf_${suffix}_conn`;
  const password = `pw-${suffix}-${uniqueSuffix()}`;
  const redisAdmin = createClient({ socket: { ...realServers.redis, reconnectStrategy: false } });
  let world: FaultWorld;
  const ids: string[] = [];

  beforeAll(async () => {
    redisAdmin.on("error", () => undefined);
    await redisAdmin.connect();
    await redisAdmin.sendCommand(["ACL", "SETUSER", connectorUser, "on", `>${password}`, "~*", "&*", "+@all"]);
    // The same shape of world, with a Redis connector and an ephemeral ACL-user level.
    const pgWorld = await createFaultWorld(database.prisma, { people: 2 });
    const connector = await database.prisma.connector.create({ data: { slug: `faults-redis-${suffix}`, name: `Redis ${suffix}`, kind: "REDIS", settings: { ...realServers.redis, username: connectorUser } } });
    await database.prisma.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password }), connector.id) } });
    const resource = await database.prisma.resource.create({
      data: {
        slug: `faults-redis-${suffix}`,
        name: `Session cache ${suffix}`,
        tier: 3,
        connectorId: connector.id,
        target: { keyPattern: `${prefix}:*` },
        accessLevels: { create: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: [`${prefix}:*`], categories: ["+@read"] } }] },
      },
      include: { accessLevels: true },
    });
    const read = resource.accessLevels[0]!.id;
    world = { ...pgWorld, resourceId: resource.id, levels: { read, write: read, elevate: read }, close: pgWorld.close };
  });

  afterAll(async () => {
    const users = [connectorUser, ...ids.map((id) => ephemeralPrincipalName(id))];
    await redisAdmin.sendCommand(["ACL", "DELUSER", ...users]).catch(() => undefined);
    redisAdmin.destroy();
    await world?.close();
  });

  it("NOPERM on ACL: revocations keep retrying; once the right is back every ACL user is gone and revoked once", async () => {
    ids.push(...(await createGrants(database.prisma, world, Array.from({ length: 10 }, (_, i) => ({ level: "read" as const, person: i % 2, endsInMs: randomBetween(8_000, 9_000) })))));
    await provisionAll(database.prisma, ids);
    const credentials = (await database.prisma.grant.findMany({ where: { id: { in: ids } } })).map((g) => JSON.parse(decryptSecret(g.credentialCiphertext!, g.id)) as { username: string; password: string });
    // A live client per grant, to see it cut.
    const clients = await Promise.all(
      credentials.map(async (c) => {
        const client = createClient({ socket: { ...realServers.redis, reconnectStrategy: false }, username: c.username, password: c.password });
        client.on("error", () => undefined);
        await client.connect();
        await client.get(`${prefix}:x`);
        return client;
      }),
    );

    await redisAdmin.sendCommand(["ACL", "SETUSER", connectorUser, "-acl"]);
    await sleepUntilEnded(database.prisma, ids);
    await sweepFor(2_000);
    const failing = await database.prisma.grant.findMany({ where: { id: { in: ids } } });
    expect(failing.every((g) => g.status === "REVOKING" && /NOPERM|permission|no permissions/i.test(g.lastError ?? ""))).toBe(true);

    await redisAdmin.sendCommand(["ACL", "SETUSER", connectorUser, "+acl"]);
    const deadline = Date.now() + 30_000;
    while ((await database.prisma.grant.count({ where: { id: { in: ids }, status: "REVOKED" } })) < ids.length && Date.now() < deadline) {
      await revokeDueGrants(database.prisma, { alertAfterMs: 1_000 });
      await sleep(300);
    }
    const events = await database.prisma.ledgerEvent.groupBy({ by: ["grantId"], where: { grantId: { in: ids }, action: "access/grant.revoked" }, _count: { _all: true } });
    expect(events.map((e) => e._count._all)).toEqual(ids.map(() => 1));
    for (const id of ids) expect(await redisAdmin.sendCommand(["ACL", "GETUSER", ephemeralPrincipalName(id)])).toBeNull();
    // Live sessions were cut, and new logins are refused.
    for (const client of clients) await expect(client.get(`${prefix}:x`)).rejects.toThrow();
    for (const c of credentials) {
      const again = createClient({ socket: { ...realServers.redis, reconnectStrategy: false }, username: c.username, password: c.password });
      again.on("error", () => undefined);
      await expect(again.connect()).rejects.toThrow();
      if (again.isOpen) again.destroy();
    }
    for (const client of clients) if (client.isOpen) client.destroy();
  });
});
