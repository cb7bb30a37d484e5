import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { ephemeralPrincipalName, grantRoleName } from "./identifiers";
import { PostgresConnector } from "./postgres";
import { eventually, freePort, grantSpec, pgAdmin, realServers, startPasswordCheckedPostgres, uniqueSuffix } from "./testing";

/**
 * The PostgreSQL connector against the real server at 127.0.0.1:5432 (trust authentication), in a
 * database and roles created for this file. Password checks and VALID UNTIL run on a private
 * password-checked cluster at the end.
 */

const suffix = uniqueSuffix();
const database = `kct_${suffix}`;
const readRole = `kct_${suffix}_read`;
const writeRole = `kct_${suffix}_write`;
const person = `kct_${suffix}_ada`;
const standing = `kct_${suffix}_standing`;
let admin: pg.Client;
let connector: PostgresConnector;
const openClients: pg.Client[] = [];

const settings = { ...realServers.postgres, database, ssl: false };

async function connectAs(user: string, password = ""): Promise<pg.Client> {
  const client = new pg.Client({ host: realServers.postgres.host, port: realServers.postgres.port, user, password, database });
  client.on("error", () => undefined); // a terminated session emits an error event; the test asserts it differently
  await client.connect();
  openClients.push(client);
  return client;
}

async function canSelect(client: pg.Client): Promise<boolean> {
  try {
    await client.query("SELECT count(*) FROM items");
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "42501") return false;
    throw error;
  }
}

async function roleCount(pattern: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [pattern]);
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  admin = await pgAdmin();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(readRole)} NOLOGIN`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(writeRole)} NOLOGIN`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(person)} LOGIN`);
  const inDb = await pgAdmin(database);
  await inDb.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)");
  await inDb.query("INSERT INTO items (name) VALUES ('widget')");
  await inDb.query(`GRANT SELECT ON items TO ${pg.escapeIdentifier(readRole)}`);
  await inDb.query(`GRANT SELECT, INSERT ON items TO ${pg.escapeIdentifier(writeRole)}`);
  await inDb.query(`GRANT USAGE ON SEQUENCE items_id_seq TO ${pg.escapeIdentifier(writeRole)}`);
  await inDb.end();
  connector = new PostgresConnector(settings, { password: "" });
});

afterAll(async () => {
  for (const client of openClients) await client.end().catch(() => undefined);
  await connector?.close();
  if (!admin) return;
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  // Anything a failed test left behind: this file's roles and the Keycard roles that point at them.
  const { rows } = await admin.query<{ rolname: string }>(
    `SELECT m.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
      WHERE r.rolname IN ($1, $2) AND m.rolname LIKE 'kc\\_%'`,
    [readRole, writeRole],
  );
  for (const { rolname } of rows) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
  for (const role of [standing, person, readRole, writeRole]) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  await admin.end();
});

describe("PostgreSQL connector (real server)", () => {
  it("test connection reports the server and the connector user's rights", async () => {
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.details).toMatch(/PostgreSQL 1\d.* as postgres \(superuser\); can end sessions/);
  });

  it("an ephemeral read login can SELECT but not INSERT, and granting twice creates nothing new", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } });
    const first = await connector.grant(spec);
    expect(first.created).toBe(true);
    expect(first.principal).toBe(ephemeralPrincipalName(spec.grantId));
    expect(first.credential?.connectionString).toContain(`/${database}`);
    expect(JSON.stringify(first.details)).not.toContain(first.credential?.password ?? "missing");

    const session = new pg.Client({ connectionString: first.credential?.connectionString });
    session.on("error", () => undefined);
    await session.connect();
    openClients.push(session);
    expect(await canSelect(session)).toBe(true);
    await expect(session.query("INSERT INTO items (name) VALUES ('nope')")).rejects.toMatchObject({ code: "42501" });

    const second = await connector.grant(spec);
    expect(second).toMatchObject({ created: false, principal: first.principal });
    expect(second.credential).toBeUndefined();
    expect(await roleCount(`${first.principal}%`)).toBe(1);
    expect(await connector.verify(spec)).toMatchObject({ present: true });

    await connector.revoke(spec);
    expect(await connector.verify(spec)).toMatchObject({ present: false });
  });

  it("a write level lets the login INSERT", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: writeRole }, target: { database } });
    const { credential } = await connector.grant(spec);
    const session = await connectAs(credential?.username ?? "", credential?.password);
    await session.query("INSERT INTO items (name) VALUES ('written by a grant')");
    await connector.revoke(spec);
  });

  it("revoke cuts a live session of the ephemeral login, refuses a new one, and can run twice", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } });
    const { credential, principal } = await connector.grant(spec);
    const session = await connectAs(principal, credential?.password);
    expect(await canSelect(session)).toBe(true);

    const outcome = await connector.revoke(spec);
    expect(outcome).toMatchObject({ removed: true, sessionsEnded: 1 });
    await expect(session.query("SELECT 1")).rejects.toThrow();
    await expect(connectAs(principal, credential?.password)).rejects.toThrow(/does not exist/);
    expect(await roleCount(principal)).toBe(0);

    expect(await connector.revoke(spec)).toMatchObject({ removed: false, sessionsEnded: 0 });
    expect(await connector.revoke(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole } }))).toMatchObject({ removed: false });
  });

  it("two overlapping ephemeral grants are independent logins: revoking one leaves the other working", async () => {
    const a = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } });
    const b = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } });
    const grantedA = await connector.grant(a);
    const grantedB = await connector.grant(b);
    await connector.revoke(a);
    const session = await connectAs(grantedB.principal, grantedB.credential?.password);
    expect(await canSelect(session)).toBe(true);
    await expect(connectAs(grantedA.principal)).rejects.toThrow(/does not exist/);
    await connector.revoke(b);
    await expect(session.query("SELECT 1")).rejects.toThrow();
  });

  it("overlapping role elevations are a union: the person keeps access until the last grant is revoked", async () => {
    const a = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: person });
    const b = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: person });
    const session = await connectAs(person);
    expect(await canSelect(session)).toBe(false);

    expect(await connector.grant(a)).toMatchObject({ principal: person, created: true, details: { grantRole: grantRoleName(a.grantId) } });
    expect((await connector.grant(a)).created).toBe(false);
    await connector.grant(b);
    expect(await canSelect(session)).toBe(true);
    expect(await connector.verify(a)).toMatchObject({ present: true });

    // Revoking the first grant leaves the second one's chain: same session, still allowed, not cut.
    expect(await connector.revoke(a)).toMatchObject({ removed: true, sessionsEnded: 0 });
    expect(await connector.verify(a)).toMatchObject({ present: false });
    expect(await connector.verify(b)).toMatchObject({ present: true });
    expect(await canSelect(session)).toBe(true);

    // The last grant goes: the person's live session is cut (it could have SET ROLE), a new one cannot read.
    expect(await connector.revoke(b)).toMatchObject({ removed: true, sessionsEnded: 1 });
    await expect(session.query("SELECT 1")).rejects.toThrow();
    const fresh = await connectAs(person);
    expect(await canSelect(fresh)).toBe(false);
    expect(await connector.revoke(b)).toMatchObject({ removed: false });
  });

  it("a fresh elevation racing the revoke of an old one for the same person keeps the access", async () => {
    const old = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: person });
    const fresh = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: person });
    await connector.grant(old);
    await Promise.all([connector.revoke(old), connector.grant(fresh)]);
    expect(await connector.verify(old)).toMatchObject({ present: false });
    expect(await connector.verify(fresh)).toMatchObject({ present: true });
    expect(await canSelect(await connectAs(person))).toBe(true);
    await connector.revoke(fresh);
    expect(await canSelect(await connectAs(person))).toBe(false);
  });

  it("a session that ran SET ROLE loses the role when the elevation is revoked", async () => {
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: writeRole }, targetLogin: person });
    await connector.grant(spec);
    const session = await connectAs(person);
    await session.query(`SET ROLE ${pg.escapeIdentifier(writeRole)}`);
    await session.query("INSERT INTO items (name) VALUES ('as the role')");
    await connector.revoke(spec);
    await expect(session.query("INSERT INTO items (name) VALUES ('after revoke')")).rejects.toThrow();
  });

  it("concurrent duplicate calls for one grant create one login and remove it once", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } });
    const outcomes = await Promise.all([connector.grant(spec), connector.grant(spec), connector.grant(spec)]);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(outcomes.filter((o) => o.credential)).toHaveLength(1);
    const issued = outcomes.find((o) => o.credential)?.credential;
    expect(await canSelect(await connectAs(issued?.username ?? "", issued?.password))).toBe(true);
    expect(await roleCount(ephemeralPrincipalName(spec.grantId))).toBe(1);
    const revokes = await Promise.all([connector.revoke(spec), connector.revoke(spec), connector.revoke(spec)]);
    expect(revokes.filter((r) => r.removed)).toHaveLength(1);
    expect(await roleCount(ephemeralPrincipalName(spec.grantId))).toBe(0);
  });

  it("role elevation refuses a login that does not exist", async () => {
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: `kct_${suffix}_nobody` });
    await expect(connector.grant(spec)).rejects.toMatchObject({ kind: "NOT_FOUND", retryable: false });
    expect(await roleCount(grantRoleName(spec.grantId))).toBe(0);
  });

  it("inventory lists Keycard's principals with their grant ids and a standing privilege made by hand", async () => {
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(standing)} LOGIN CREATEDB IN ROLE ${pg.escapeIdentifier(writeRole)}`);
    const ephemeral = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole } });
    const elevation = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: person });
    const granted = await connector.grant(ephemeral);
    await connector.grant(elevation);
    await connectAs(granted.principal); // a live session for usage()

    const entries = await connector.inventory();
    expect(entries).toContainEqual(expect.objectContaining({ principal: standing, privilege: writeRole, privilegeKind: "ROLE_MEMBERSHIP", keycardGrantId: null, managedByKeycard: false }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: standing, privilege: "CREATEDB", privilegeKind: "ROLE_ATTRIBUTE", keycardGrantId: null }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: "postgres", privilege: "SUPERUSER", privilegeKind: "ROLE_ATTRIBUTE" }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: granted.principal, principalKind: "LOGIN", privilege: readRole, keycardGrantId: ephemeral.grantId, managedByKeycard: true }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: granted.principal, privilege: "LOGIN", detail: expect.stringMatching(/^valid until /) }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: person, privilege: grantRoleName(elevation.grantId), keycardGrantId: elevation.grantId }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: grantRoleName(elevation.grantId), privilege: readRole, keycardGrantId: elevation.grantId }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: readRole, privilege: "SELECT ON public.items", privilegeKind: "TABLE_PRIVILEGE", keycardGrantId: null }));

    const usage = await connector.usage();
    const sample = usage.find((u) => u.principal === granted.principal);
    expect(sample).toMatchObject({ sessions: 1, source: "pg_stat_activity" });
    expect(Math.abs((sample?.lastUsedAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);

    await connector.revoke(ephemeral);
    await connector.revoke(elevation);
    await eventually(async () => !(await connector.inventory()).some((e) => e.keycardGrantId === ephemeral.grantId || e.keycardGrantId === elevation.grantId));
  });

  it("test connection names an unreachable port, a missing login and a missing database", async () => {
    const port = await freePort();
    const cases = [
      [{ ...settings, port }, "UNREACHABLE", /cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(connection refused\)/],
      [{ ...settings, user: `kct_${suffix}_ghost` }, "NOT_FOUND", /login role "kct_\w+_ghost" does not exist/],
      [{ ...settings, database: `kct_${suffix}_nodb` }, "NOT_FOUND", /database "kct_\w+_nodb" does not exist/],
    ] as const;
    for (const [bad, kind, message] of cases) {
      const probe = new PostgresConnector(bad, { password: "" });
      const result = await probe.testConnection();
      await probe.close();
      expect(result).toMatchObject({ ok: false, kind });
      expect(!result.ok && result.error).toMatch(message);
    }
    const missingRole = await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: `kct_${suffix}_norole` }, target: {} });
    expect(missingRole).toMatchObject({ ok: false, kind: "NOT_FOUND", error: expect.stringMatching(/role "kct_\w+_norole" does not exist/) });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database } })).toMatchObject({ ok: true });
    const missingDb = await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target: { database: `kct_${suffix}_nodb` } });
    expect(missingDb).toMatchObject({ ok: false, kind: "NOT_FOUND" });
  });

  it("names with quotes, semicolons, control characters or Unicode tricks never reach the server", async () => {
    const tricks = [
      [`${readRole}"; DROP ROLE postgres; --`, /quote/],
      [`${readRole};DROP`, /semicolon/],
      [`${readRole}\n`, /control character/],
      [`оrders_read`, /non-ASCII/], // Cyrillic "о"
      [`orders\u200bread`, /non-ASCII/], // zero-width space
      [`orders＿read`, /non-ASCII/], // full-width low line
      ["orders read", /whitespace/],
      ["kc_0123", /reserved/],
    ] as const;
    const before = await roleCount("kc\\_%");
    for (const [role, reason] of tricks) {
      const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role } });
      const error = await connector.grant(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ kind: "INVALID", code: "VALIDATION", details: { field: "privilege.role" } });
      expect((error as Error).message).toMatch(reason);
      expect(await connector.validateAccessLevel(spec)).toMatchObject({ ok: false, kind: "INVALID" });
    }
    expect(await roleCount("kc\\_%")).toBe(before);
    expect(() => new PostgresConnector({ ...settings, database: "postgres'--" }, {})).toThrow(/database.*quote/);
    expect(() => new PostgresConnector({ ...settings, user: "postgres;" }, {})).toThrow(/semicolon/);
    expect(() => new PostgresConnector({ ...settings, host: "127.0.0.1;rm" }, {})).toThrow(ConnectorError);
    const login = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, targetLogin: `${person}"` });
    await expect(connector.grant(login)).rejects.toMatchObject({ kind: "INVALID" });
    await expect(connector.grant({ ...login, grantId: "'; DROP ROLE x; --" })).rejects.toMatchObject({ kind: "INVALID", details: { field: "grantId" } });
  });
});

describe("PostgreSQL connector (password-checked cluster)", () => {
  let cluster: Awaited<ReturnType<typeof startPasswordCheckedPostgres>>;
  let scram: PostgresConnector;
  const role = `kct_${suffix}_scram_read`;

  beforeAll(async () => {
    cluster = await startPasswordCheckedPostgres();
    scram = new PostgresConnector({ host: "127.0.0.1", port: cluster.port, database: "postgres", user: "postgres" }, { password: cluster.password });
    const client = new pg.Client({ host: "127.0.0.1", port: cluster.port, user: "postgres", password: cluster.password, database: "postgres" });
    await client.connect();
    await client.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
    await client.end();
  });

  afterAll(async () => {
    await scram?.close();
    cluster?.stop();
  });

  async function login(user: string, password: string): Promise<void> {
    const client = new pg.Client({ host: "127.0.0.1", port: cluster.port, user, password, database: "postgres" });
    await client.connect();
    await client.end();
  }

  it("test connection names a wrong password", async () => {
    expect(await scram.testConnection()).toMatchObject({ ok: true });
    const wrong = new PostgresConnector({ host: "127.0.0.1", port: cluster.port, database: "postgres", user: "postgres" }, { password: "not-the-password" });
    const result = await wrong.testConnection();
    await wrong.close();
    expect(result).toMatchObject({ ok: false, kind: "AUTH", error: expect.stringMatching(/password authentication failed for user "postgres"/) });
  });

  it("the issued password is the only one that logs in, and rotating replaces it", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role } });
    const { credential, principal } = await scram.grant(spec);
    await login(principal, credential?.password ?? "");
    await expect(login(principal, "guessed")).rejects.toThrow(/password authentication failed/);

    const rotated = await scram.grant({ ...spec, rotateCredential: true });
    expect(rotated.created).toBe(false);
    expect(rotated.credential?.password).not.toBe(credential?.password);
    await login(principal, rotated.credential?.password ?? "");
    await expect(login(principal, credential?.password ?? "")).rejects.toThrow(/password authentication failed/);
    await scram.revoke(spec);
  });

  it("the server itself refuses the login after the grant's end (VALID UNTIL)", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role }, endsAt: new Date(Date.now() + 4_000) });
    const { credential, principal } = await scram.grant(spec);
    await login(principal, credential?.password ?? "");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, spec.endsAt.getTime() - Date.now()) + 300));
    await expect(login(principal, credential?.password ?? "")).rejects.toThrow(/password authentication failed/);
    expect(await scram.verify(spec)).toMatchObject({ present: false, partial: true, detail: expect.stringContaining("expired") });
    await scram.revoke(spec);
  });

  it("an extension moves VALID UNTIL without changing the password", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role }, endsAt: new Date(Date.now() + 60_000), grantId: randomUUID() });
    const { credential, principal } = await scram.grant(spec);
    const later = new Date(Date.now() + 2 * 60 * 60_000);
    expect(await scram.grant({ ...spec, endsAt: later })).toMatchObject({ created: false, details: { validUntil: later.toISOString() } });
    await login(principal, credential?.password ?? "");
    await scram.revoke(spec);
  });
});
