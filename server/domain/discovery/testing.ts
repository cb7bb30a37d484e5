import pg from "pg";
import { createClient } from "redis";
import { realServers, uniqueSuffix } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import type { Role } from "@/server/generated/prisma/enums";

/**
 * A small world of real standing privileges for the discovery and report tests (imported by *.test.ts
 * only): a scratch database and hand-made roles on the local PostgreSQL server, ACL users on the local
 * Redis, Keycard connectors and resources pointing at them, and identities whose logins match. Every
 * name carries a fresh suffix, and `close()` removes all of it, so runs never collide on shared servers.
 */

export interface DiscoveryWorld {
  suffix: string;
  database: string;
  roles: { read: string; write: string };
  logins: { person: string; machine: string; ghost: string };
  redisUsers: { reader: string; writer: string };
  keyPrefix: string;
  people: { person: { id: string; name: string }; machine: { id: string; name: string }; admin: { id: string; name: string } };
  connectors: { postgres: string; redis: string };
  resources: { postgres: string; redis: string };
  pgAdmin(database?: string): Promise<pg.Client>;
  redisAdmin(): Promise<RedisClient>;
  close(): Promise<void>;
}

const id = pg.escapeIdentifier;

function redisClient() {
  const client = createClient({ socket: { ...realServers.redis, reconnectStrategy: false }, disableOfflineQueue: true });
  client.on("error", () => undefined);
  return client;
}
type RedisClient = ReturnType<typeof redisClient>;

async function pgClient(database: string, user: string = realServers.postgres.user): Promise<pg.Client> {
  const client = new pg.Client({ host: realServers.postgres.host, port: realServers.postgres.port, user, database });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

export async function createDiscoveryWorld(db: Db, options: { tier?: 1 | 2 | 3 } = {}): Promise<DiscoveryWorld> {
  const suffix = uniqueSuffix();
  const database = `kcr_${suffix}`;
  const roles = { read: `kcr_${suffix}_read`, write: `kcr_${suffix}_write` };
  const logins = { person: `kcr_${suffix}_ada`, machine: `kcr_${suffix}_etl`, ghost: `kcr_${suffix}_ghost` };
  const redisUsers = { reader: `kcr_${suffix}_cache`, writer: `kcr_${suffix}_loader` };
  const keyPrefix = `kcr:${suffix}`;

  const server = await pgClient("postgres");
  await server.query(`CREATE DATABASE ${id(database)}`);
  for (const role of Object.values(roles)) await server.query(`CREATE ROLE ${id(role)} NOLOGIN`);
  for (const login of Object.values(logins)) await server.query(`CREATE ROLE ${id(login)} LOGIN`);
  await server.end();
  const scratch = await pgClient(database);
  await scratch.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)");
  await scratch.query(`GRANT SELECT ON items TO ${id(roles.read)}`);
  await scratch.query(`GRANT SELECT, INSERT, UPDATE ON items TO ${id(roles.write)}`);
  await scratch.end();

  const redis = redisClient();
  await redis.connect();
  await redis.sendCommand(["ACL", "SETUSER", redisUsers.reader, "on", "nopass", "resetkeys", `~${keyPrefix}:*`, "-@all", "+@read"]);
  await redis.sendCommand(["ACL", "SETUSER", redisUsers.writer, "on", "nopass", "resetkeys", `~${keyPrefix}:*`, "-@all", "+@read", "+@write"]);
  redis.destroy();

  const person = await db.identity.create({ data: { kind: "HUMAN", name: `Ada ${suffix}`, email: `${logins.person}@test.example`, roles: ["REQUESTER"] } });
  const machine = await db.identity.create({ data: { kind: "MACHINE", name: `kcr-${suffix}-etl`, roles: ["REQUESTER"] } });
  const admin = await db.identity.create({ data: { kind: "HUMAN", name: `Admin ${suffix}`, email: `admin-${suffix}@test.example`, roles: ["ADMIN", "REQUESTER"] as Role[] } });

  const postgresConnector = await db.connector.create({
    data: { slug: `kcr-pg-${suffix}`, name: `Scratch PostgreSQL ${suffix}`, kind: "POSTGRES", settings: { host: realServers.postgres.host, port: realServers.postgres.port, database, user: realServers.postgres.user, ssl: false, poolSize: 2 } },
  });
  await db.connector.update({ where: { id: postgresConnector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: "" }), postgresConnector.id) } });
  const redisConnector = await db.connector.create({ data: { slug: `kcr-redis-${suffix}`, name: `Scratch Redis ${suffix}`, kind: "REDIS", settings: { host: realServers.redis.host, port: realServers.redis.port } } });
  await db.connector.update({ where: { id: redisConnector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: "" }), redisConnector.id) } });

  const tier = options.tier ?? 1;
  const pgResource = await db.resource.create({
    data: {
      slug: `kcr-items-${suffix}`,
      name: `Items ${suffix}`,
      tier,
      connectorId: postgresConnector.id,
      target: { database },
      ownerId: admin.id,
      accessLevels: {
        create: [
          { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: roles.read } },
          { key: "elevate", name: "Read (own login)", mode: "ROLE_ELEVATION", privilege: { role: roles.read } },
        ],
      },
    },
  });
  const redisResource = await db.resource.create({
    data: {
      slug: `kcr-cache-${suffix}`,
      name: `Cache ${suffix}`,
      tier: 2,
      connectorId: redisConnector.id,
      target: { keyPattern: `${keyPrefix}:*` },
      ownerId: admin.id,
      accessLevels: { create: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: [`${keyPrefix}:*`], categories: ["+@read"] } }] },
    },
  });

  return {
    suffix,
    database,
    roles,
    logins,
    redisUsers,
    keyPrefix,
    people: { person: { id: person.id, name: person.name }, machine: { id: machine.id, name: machine.name }, admin: { id: admin.id, name: admin.name } },
    connectors: { postgres: postgresConnector.id, redis: redisConnector.id },
    resources: { postgres: pgResource.id, redis: redisResource.id },
    pgAdmin: (name = database) => pgClient(name),
    async redisAdmin() {
      const client = redisClient();
      await client.connect();
      return client;
    },
    async close() {
      const cleanup = await pgClient("postgres");
      await cleanup.query(`DROP DATABASE IF EXISTS ${id(database)} WITH (FORCE)`).catch(() => undefined);
      // Keycard's per-grant roles and logins that point at this world, then the world's own roles.
      const { rows } = await cleanup.query<{ rolname: string }>(
        `SELECT DISTINCT x.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
           JOIN pg_roles x ON x.oid IN (am.member, am.roleid)
          WHERE (r.rolname = ANY($1) OR m.rolname = ANY($1)) AND x.rolname LIKE 'kc\\_%'`,
        [[...Object.values(roles), ...Object.values(logins)]],
      );
      for (const { rolname } of rows) await cleanup.query(`DROP ROLE IF EXISTS ${id(rolname)}`).catch(() => undefined);
      for (const role of [...Object.values(logins), ...Object.values(roles)]) {
        await cleanup.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]).catch(() => undefined);
        await cleanup.query(`DROP ROLE IF EXISTS ${id(role)}`).catch(() => undefined);
      }
      await cleanup.end();
      const client = redisClient();
      await client.connect();
      const users = ((await client.sendCommand(["ACL", "USERS"])) as unknown[]).map(String).filter((u) => u.startsWith(`kcr_${suffix}_`));
      for (const user of users) await client.sendCommand(["ACL", "DELUSER", user]);
      client.destroy();
    },
  };
}

/** Opens a session as a hand-made login and keeps it (usage sampling sees live sessions only). */
export async function sessionAs(login: string, database: string): Promise<pg.Client> {
  const client = await pgClient(database, login);
  await client.query("SELECT 1");
  return client;
}
