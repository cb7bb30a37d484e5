import { randomUUID } from "node:crypto";
import net from "node:net";
import pg from "pg";
import type { IdentityActor } from "@/server/actor";
import { ephemeralPrincipalName, grantRoleName } from "@/server/connectors/identifiers";
import { PostgresConnector } from "@/server/connectors/postgres";
import { realServers, uniqueSuffix } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { grantSpecFor, grantSpecsByIds } from "@/server/domain/connectors/instance";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { toActor } from "@/server/domain/identities/queries";

/**
 * The world the revocation fault tests run in (imported by *.test.ts only): a scratch database and roles on
 * the real PostgreSQL server as the target, a Keycard connector, resource and access levels pointing at it,
 * and people whose own logins exist in the target (for role elevation). Grants are created directly as
 * rows, ending seconds from now by the database clock, so the real timer, sweeper and revoker run on them.
 */

export type LevelKey = "read" | "write" | "elevate";

export interface FaultWorld {
  suffix: string;
  server: TargetServer;
  /** The target database (on the real PostgreSQL server). */
  database: string;
  roles: { read: string; write: string };
  people: (IdentityActor & { login: string })[];
  connectorId: string;
  resourceId: string;
  levels: Record<LevelKey, string>;
  /** Superuser on the target database. */
  admin: pg.Client;
  /** A connector straight to the real server (not through any proxy), for verify and inventory checks. */
  direct: PostgresConnector;
  close(): Promise<void>;
}

export interface TargetServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

const sharedServer: TargetServer = { ...realServers.postgres, password: "" };

function connectTo(server: TargetServer, database: string): pg.Client {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  client.on("error", () => undefined);
  return client;
}

export async function createFaultWorld(
  db: Db,
  options: { connectorPort?: number; server?: TargetServer; poolSize?: number; people?: number; tier?: 1 | 2 | 3 } = {},
): Promise<FaultWorld> {
  const target = options.server ?? sharedServer;
  const suffix = uniqueSuffix();
  const database = `kcf_${suffix}`;
  const roles = { read: `kcf_${suffix}_read`, write: `kcf_${suffix}_write` };
  const logins = Array.from({ length: options.people ?? 3 }, (_, i) => `kcf_${suffix}_p${i}`);
  const id = pg.escapeIdentifier;

  const server = connectTo(target, "postgres");
  await server.connect();
  await server.query(`CREATE DATABASE ${id(database)}`);
  for (const role of Object.values(roles)) await server.query(`CREATE ROLE ${id(role)} NOLOGIN`);
  for (const login of logins) await server.query(`CREATE ROLE ${id(login)} LOGIN PASSWORD ${pg.escapeLiteral(login)}`);
  await server.end();
  const admin = connectTo(target, database);
  await admin.connect();
  await admin.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)");
  await admin.query(`GRANT SELECT ON items TO ${id(roles.read)}`);
  await admin.query(`GRANT SELECT, INSERT ON items TO ${id(roles.write)}`);
  await admin.query(`GRANT USAGE ON SEQUENCE items_id_seq TO ${id(roles.write)}`);

  const settings = { host: target.host, port: options.connectorPort ?? target.port, database, user: target.user, ssl: false, poolSize: options.poolSize ?? 8 };
  const connector = await db.connector.create({ data: { slug: `faults-${suffix}`, name: `Fault target ${suffix}`, kind: "POSTGRES", settings } });
  await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: target.password }), connector.id) } });
  const resource = await db.resource.create({
    data: {
      slug: `faults-${suffix}`,
      name: `Fault database ${suffix}`,
      tier: options.tier ?? 3,
      connectorId: connector.id,
      target: { database },
      accessLevels: {
        create: [
          { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: roles.read } },
          { key: "write", name: "Write", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: roles.write } },
          { key: "elevate", name: "Write (own login)", mode: "ROLE_ELEVATION", privilege: { role: roles.write } },
        ],
      },
    },
    include: { accessLevels: true },
  });
  const levels = Object.fromEntries(resource.accessLevels.map((l) => [l.key, l.id])) as Record<LevelKey, string>;
  const people = [];
  for (const login of logins) {
    // The target login is derived from the email's local part (targetLoginFor).
    const identity = await db.identity.create({ data: { kind: "HUMAN", name: `Person ${login}`, email: `${login}@test.example`, roles: ["REQUESTER"] } });
    people.push({ ...toActor(identity), login });
  }
  const direct = new PostgresConnector({ ...settings, port: target.port }, { password: target.password });

  return {
    suffix,
    server: target,
    database,
    roles,
    people,
    connectorId: connector.id,
    resourceId: resource.id,
    levels,
    admin,
    direct,
    async close() {
      await direct.close();
      await admin.end().catch(() => undefined);
      const cleanup = connectTo(target, "postgres");
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${id(database)} WITH (FORCE)`);
      // Whatever Keycard left behind that points at this world's roles, then the roles.
      const { rows } = await cleanup.query<{ rolname: string }>(
        `SELECT DISTINCT m.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
          WHERE r.rolname = ANY($1) AND m.rolname LIKE 'kc\\_%'`,
        [[...Object.values(roles), ...logins]],
      );
      const grantRoles = await cleanup.query<{ rolname: string }>(
        `SELECT DISTINCT r.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
          WHERE m.rolname = ANY($1) AND r.rolname LIKE 'kc\\_%'`,
        [logins],
      );
      for (const { rolname } of [...rows, ...grantRoles.rows]) await cleanup.query(`DROP ROLE IF EXISTS ${id(rolname)}`).catch(() => undefined);
      for (const role of [...logins, ...Object.values(roles)]) await cleanup.query(`DROP ROLE IF EXISTS ${id(role)}`).catch(() => undefined);
      await cleanup.end();
    },
  };
}

export interface GrantPlan {
  level: LevelKey;
  /** Index into world.people. */
  person: number;
  /** End, from now by the database clock. */
  endsInMs: number;
}

/** Approved requests and their grants (SCHEDULED, starting now), as rows. Returns the grant ids in order. */
export async function createGrants(db: Db, world: FaultWorld, plans: GrantPlan[]): Promise<string[]> {
  const now = await dbNow(db);
  const rows = plans.map((plan) => {
    const person = world.people[plan.person];
    if (!person) throw new Error(`no person ${plan.person}`);
    return { requestId: randomUUID(), grantId: randomUUID(), person, plan, endsAt: new Date(now.getTime() + plan.endsInMs) };
  });
  await db.accessRequest.createMany({
    data: rows.map((r) => ({
      id: r.requestId,
      status: "APPROVED" as const,
      requesterId: r.person.id,
      resourceId: world.resourceId,
      accessLevelId: world.levels[r.plan.level],
      justification: "fault test",
      startsAt: now,
      durationMinutes: Math.max(1, Math.ceil(r.plan.endsInMs / 60_000)),
      decision: {},
      decidedAt: now,
    })),
  });
  await db.grant.createMany({
    data: rows.map((r) => ({
      id: r.grantId,
      requestId: r.requestId,
      identityId: r.person.id,
      resourceId: world.resourceId,
      accessLevelId: world.levels[r.plan.level],
      status: "SCHEDULED" as const,
      startsAt: now,
      endsAt: r.endsAt,
    })),
  });
  return rows.map((r) => r.grantId);
}

/** Provisions the grants through the real provisioner until every one is ACTIVE. */
export async function provisionAll(db: Db, ids: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const errors = new Set<string>();
  for (;;) {
    for (const result of await provisionDueGrants(db, { grantIds: ids, limit: ids.length })) if (result.error) errors.add(result.error);
    const active = await db.grant.count({ where: { id: { in: ids }, status: "ACTIVE" } });
    if (active === ids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${active} of ${ids.length} grants became active (${[...errors].join("; ") || "no errors"})`);
    await sleep(100);
  }
}

/** Sleeps until every one of the grants has ended by the database clock, plus `extraMs`. */
export async function sleepUntilEnded(db: Db, ids: string[], extraMs = 100): Promise<void> {
  const last = await db.grant.aggregate({ where: { id: { in: ids } }, _max: { endsAt: true } });
  const now = await dbNow(db);
  await sleep(Math.max(0, (last._max.endsAt?.getTime() ?? 0) - now.getTime()) + extraMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until the check passes or the time is up (then throws with the last value described). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Random integer in [min, max]. */
export function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

export interface RevocationAudit {
  grants: number;
  /** Grants whose access is still present in the target (verify, inventory or a real login). */
  missed: string[];
  /** Grants whose status is not REVOKED. */
  notRevoked: string[];
  /** Grants with a number of `access/grant.revoked` events other than one. */
  eventCounts: Record<string, number>;
}

/**
 * Checks every grant the way an auditor would: REVOKED in Keycard with exactly one revoked event, and gone
 * in the target by verify, by the target's own catalog, and by a real login attempt (ephemeral logins) or
 * a real statement as the person (role elevation) — unless `covered` says another active grant of the same
 * person still holds the access (union semantics).
 */
export async function auditRevoked(db: Db, world: FaultWorld, ids: string[], options: { covered?: (grantId: string) => boolean } = {}): Promise<RevocationAudit> {
  const grants = await grantSpecsByIds(db, ids);
  const events = await db.ledgerEvent.groupBy({ by: ["grantId"], where: { grantId: { in: ids }, action: "access/grant.revoked" }, _count: { _all: true } });
  const counts = new Map(events.map((e) => [e.grantId ?? "", e._count._all]));
  const audit: RevocationAudit = { grants: ids.length, missed: [], notRevoked: [], eventCounts: {} };
  const names = grants.map((g) => (g.accessLevel.mode === "EPHEMERAL_CREDENTIAL" ? ephemeralPrincipalName(g.id) : grantRoleName(g.id)));
  const { rows: present } = await world.admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [names]);
  const presentNames = new Set(present.map((r) => r.rolname));
  for (const grant of grants) {
    if (grant.status !== "REVOKED") audit.notRevoked.push(grant.id);
    const count = counts.get(grant.id) ?? 0;
    if (count !== 1) audit.eventCounts[grant.id] = count;
    const spec = grantSpecFor(grant);
    const verified = await world.direct.verify(spec);
    const name = grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL" ? ephemeralPrincipalName(grant.id) : grantRoleName(grant.id);
    let stillThere = verified.present || presentNames.has(name);
    if (grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL") {
      stillThere ||= await canLogIn(world, name, "probe");
    } else if (!options.covered?.(grant.id)) {
      stillThere ||= await canInsertAs(world, spec.subject.targetLogin ?? "");
    }
    if (stillThere) audit.missed.push(grant.id);
  }
  return audit;
}

/**
 * A real login attempt. The shared server trusts local logins, so there only a missing or NOLOGIN role is
 * refused; a password-checked server also refuses a wrong password and a login past VALID UNTIL.
 */
export async function canLogIn(world: FaultWorld, user: string, password = ""): Promise<boolean> {
  const client = new pg.Client({ host: world.server.host, port: world.server.port, user, password, database: world.database, connectionTimeoutMillis: 5_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    // Also after a refusal: a client that gives up mid-authentication leaves the server's backend waiting
    // (authentication_timeout), which would block dropping the database.
    await client.end().catch(() => undefined);
  }
}

/** Whether the person's own login can write to the table right now (a real statement, rolled back). */
export async function canInsertAs(world: FaultWorld, login: string): Promise<boolean> {
  const client = new pg.Client({ host: world.server.host, port: world.server.port, user: login, password: login, database: world.database });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("INSERT INTO items (name) VALUES ('probe')");
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "42501") return false;
    throw error;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/**
 * A TCP proxy in front of the real PostgreSQL server that a test can break: `refuse` closes the port and
 * cuts every connection (connection refused), `blackhole` accepts connections and never answers (the
 * connector's connect timeout fires), `forward` heals it. Nothing global is stopped.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private mode: "forward" | "blackhole" = "forward";
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
    this.server = server;
    return this.port;
  }

  private accept(client: net.Socket) {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => undefined);
    if (this.mode === "blackhole") return; // never answer
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on("close", () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private cutAll() {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Connection refused: the port is closed and every open connection is cut. */
  async refuse(): Promise<void> {
    this.cutAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Connections are accepted and never answered; open ones are cut. */
  async blackhole(): Promise<void> {
    this.mode = "blackhole";
    this.cutAll();
    if (!this.server) await this.start();
  }

  async forward(): Promise<void> {
    this.mode = "forward";
    this.cutAll();
    if (!this.server) await this.start();
  }

  async close(): Promise<void> {
    await this.refuse();
  }
}
