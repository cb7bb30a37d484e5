import * as mariadb from "mariadb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { ephemeralPrincipalName, grantRoleName, personRoleName } from "./identifiers";
import { MariadbConnector } from "./mariadb";
import { freePort, grantSpec, realServers, uniqueSuffix } from "./testing";
import type { GrantSpec } from "./types";

/** The MariaDB connector against the real server at 127.0.0.1:3306, in a database, roles and users made for this file. */

const suffix = uniqueSuffix();
const database = `kct_${suffix}`;
const readRole = `kct_${suffix}_read`;
const person = `kct_${suffix}_ada`;
const personWithRole = `kct_${suffix}_bob`;
const ownRole = `kct_${suffix}_own`;
const standing = `kct_${suffix}_standing`;
const connectorUser = `kct_${suffix}_conn`;
const personPassword = "ada-password-1";
const settings = { ...realServers.mariadb, userHost: "%" };
let admin: mariadb.Connection;
let connector: MariadbConnector;
const grants: GrantSpec[] = [];
const openConnections: mariadb.Connection[] = [];

function track(spec: GrantSpec): GrantSpec {
  grants.push(spec);
  return spec;
}

/** With `useDatabase`, the session starts in the test database (MariaDB then caches its database privileges). */
async function connectAs(user: string, password: string, useDatabase = true): Promise<mariadb.Connection> {
  const conn = await mariadb.createConnection({ host: settings.host, port: settings.port, user, password, ...(useDatabase ? { database } : {}), connectTimeout: 5_000 });
  conn.on("error", () => undefined); // a killed connection reports here; the test asserts on the next query
  openConnections.push(conn);
  return conn;
}

async function canSelect(conn: mariadb.Connection): Promise<boolean> {
  try {
    await conn.query(`SELECT COUNT(*) FROM ${conn.escapeId(database)}.items`);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ER_TABLEACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR") return false;
    throw error;
  }
}

async function userCount(user: string): Promise<number> {
  const rows = await admin.query<{ n: number }[]>("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?", [user]);
  return Number(rows[0]?.n ?? 0);
}

beforeAll(async () => {
  admin = await mariadb.createConnection({ ...realServers.mariadb, bigIntAsNumber: true });
  await admin.query(`CREATE DATABASE ${admin.escapeId(database)}`);
  await admin.query(`CREATE TABLE ${admin.escapeId(database)}.items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL)`);
  await admin.query(`INSERT INTO ${admin.escapeId(database)}.items (name) VALUES ('widget')`);
  await admin.query(`CREATE ROLE ${admin.escapeId(readRole)}`);
  await admin.query(`GRANT SELECT ON ${admin.escapeId(database)}.* TO ${admin.escapeId(readRole)}`);
  await admin.query(`CREATE ROLE ${admin.escapeId(ownRole)}`);
  await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [person, personPassword]);
  await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [personWithRole, personPassword]);
  await admin.query(`GRANT ${admin.escapeId(ownRole)} TO ?@'%'`, [personWithRole]);
  await admin.query(`SET DEFAULT ROLE ${admin.escapeId(ownRole)} FOR ?@'%'`, [personWithRole]);
  connector = new MariadbConnector(settings, { password: "" });
});

afterAll(async () => {
  for (const conn of openConnections) await conn.end().catch(() => undefined);
  await connector?.close();
  if (!admin) return;
  for (const spec of grants) {
    await admin.query("DROP USER IF EXISTS ?@'%'", [ephemeralPrincipalName(spec.grantId)]);
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeId(grantRoleName(spec.grantId))}`);
  }
  for (const user of [person, personWithRole]) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeId(personRoleName(`${user}@%`))}`);
  for (const user of [person, personWithRole, standing, connectorUser]) await admin.query("DROP USER IF EXISTS ?@'%'", [user]);
  for (const role of [readRole, ownRole]) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeId(role)}`);
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeId(database)}`);
  await admin.end();
});

const selectLevel = { privileges: ["SELECT"] };
const target = { database };

describe("MariaDB connector (real server)", () => {
  it("test connection reports the server and whether it can end sessions", async () => {
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: true, details: expect.stringMatching(/^MariaDB 1\d.*; can end sessions$/) });
  });

  it("an ephemeral user with SELECT can read but not write, and granting twice creates nothing new", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    const first = await connector.grant(spec);
    expect(first).toMatchObject({ created: true, principal: `${ephemeralPrincipalName(spec.grantId)}@%` });
    const conn = await connectAs(first.credential?.username ?? "", first.credential?.password ?? "");
    expect(await canSelect(conn)).toBe(true);
    await expect(conn.query("INSERT INTO items (name) VALUES ('nope')")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });

    const second = await connector.grant(spec);
    expect(second).toMatchObject({ created: false });
    expect(second.credential).toBeUndefined();
    expect(await userCount(ephemeralPrincipalName(spec.grantId))).toBe(1);
    expect(await connector.verify(spec)).toMatchObject({ present: true });
    await connector.revoke(spec);
    expect(await connector.verify(spec)).toMatchObject({ present: false });
  });

  it("write privileges let the ephemeral user INSERT; a role level is active at login", async () => {
    const write = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { privileges: ["SELECT", "INSERT"] }, target }));
    const { credential } = await connector.grant(write);
    const writer = await connectAs(credential?.username ?? "", credential?.password ?? "");
    await writer.query("INSERT INTO items (name) VALUES ('written by a grant')");

    const viaRole = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: readRole }, target }));
    const granted = await connector.grant(viaRole);
    const reader = await connectAs(granted.credential?.username ?? "", granted.credential?.password ?? "");
    expect(await canSelect(reader)).toBe(true);
    expect(await connector.verify(viaRole)).toMatchObject({ present: true });
    await connector.revoke(write);
    await connector.revoke(viaRole);
  });

  it("revoke kills a live connection, refuses a new login, and can run twice", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    const { credential } = await connector.grant(spec);
    const conn = await connectAs(credential?.username ?? "", credential?.password ?? "");
    expect(await canSelect(conn)).toBe(true);

    const outcome = await connector.revoke(spec);
    expect(outcome).toMatchObject({ removed: true, sessionsEnded: 1 });
    await expect(conn.query("SELECT 1")).rejects.toThrow();
    await expect(connectAs(credential?.username ?? "", credential?.password ?? "")).rejects.toMatchObject({ code: expect.stringMatching(/^ER_ACCESS_DENIED/) });
    expect(await connector.revoke(spec)).toMatchObject({ removed: false, sessionsEnded: 0 });
  });

  it("concurrent duplicate calls for one grant create one user and remove it once", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    const outcomes = await Promise.all([connector.grant(spec), connector.grant(spec), connector.grant(spec)]);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    const issued = outcomes.find((o) => o.credential)?.credential;
    expect(await canSelect(await connectAs(issued?.username ?? "", issued?.password ?? ""))).toBe(true);
    expect(await userCount(ephemeralPrincipalName(spec.grantId))).toBe(1);
    const revokes = await Promise.all([connector.revoke(spec), connector.revoke(spec), connector.revoke(spec)]);
    expect(revokes.filter((r) => r.removed)).toHaveLength(1);
    expect(await userCount(ephemeralPrincipalName(spec.grantId))).toBe(0);
  });

  it("two overlapping ephemeral grants are separate users: revoking one leaves the other working", async () => {
    const a = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    const b = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    await connector.grant(a);
    const grantedB = await connector.grant(b);
    const conn = await connectAs(grantedB.credential?.username ?? "", grantedB.credential?.password ?? "");
    await connector.revoke(a);
    expect(await canSelect(conn)).toBe(true);
    await connector.revoke(b);
    await expect(conn.query("SELECT 1")).rejects.toThrow();
  });

  it("overlapping role elevations are a union: the person keeps access until the last grant is revoked", async () => {
    const a = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: person }));
    const b = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: person }));
    const before = await connectAs(person, personPassword, false);
    expect(await canSelect(before)).toBe(false);

    const granted = await connector.grant(a);
    expect(granted).toMatchObject({ principal: `${person}@%`, created: true, details: { grantRole: grantRoleName(a.grantId), activation: "default role at login" } });
    expect((await connector.grant(a)).created).toBe(false);
    await connector.grant(b);
    const conn = await connectAs(person, personPassword);
    expect(await canSelect(conn)).toBe(true);
    expect(await connector.verify(a)).toMatchObject({ present: true });

    expect(await connector.revoke(a)).toMatchObject({ removed: true, sessionsEnded: 0, details: { stillCovered: true } });
    expect(await connector.verify(a)).toMatchObject({ present: false });
    expect(await connector.verify(b)).toMatchObject({ present: true });
    expect(await canSelect(conn)).toBe(true);
    expect(await canSelect(await connectAs(person, personPassword))).toBe(true);

    const last = await connector.revoke(b);
    expect(last).toMatchObject({ removed: true, details: { stillCovered: false } });
    expect(last.sessionsEnded).toBeGreaterThanOrEqual(2);
    await expect(conn.query("SELECT 1")).rejects.toThrow();
    expect(await canSelect(await connectAs(person, personPassword, false))).toBe(false);
    expect(await userCount(personRoleName(`${person}@%`))).toBe(0);
    expect(await connector.revoke(b)).toMatchObject({ removed: false });
  });

  it("a fresh elevation racing the revoke of an old one for the same person keeps the access", async () => {
    const old = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: person }));
    const fresh = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: person }));
    await connector.grant(old);
    await Promise.all([connector.revoke(old), connector.grant(fresh)]);
    expect(await connector.verify(old)).toMatchObject({ present: false });
    expect(await connector.verify(fresh)).toMatchObject({ present: true });
    expect(await canSelect(await connectAs(person, personPassword))).toBe(true);
    await connector.revoke(fresh);
    const after = await connectAs(person, personPassword, false);
    expect(await canSelect(after)).toBe(false);
    await after.end(); // the next test counts the person's connections
  });

  it("overlapping elevations with database privileges are a union too", async () => {
    const a = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: selectLevel, target, targetLogin: person }));
    const b = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: selectLevel, target, targetLogin: person }));
    await connector.grant(a);
    await connector.grant(b);
    const conn = await connectAs(person, personPassword);
    expect(await canSelect(conn)).toBe(true);
    expect(await connector.revoke(b)).toMatchObject({ sessionsEnded: 0 });
    expect(await canSelect(conn)).toBe(true);
    expect(await connector.revoke(a)).toMatchObject({ sessionsEnded: 1 });
    await expect(conn.query("SELECT 1")).rejects.toThrow();
  });

  it("a person's own default role is kept; the grant says how to activate it", async () => {
    const spec = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: personWithRole }));
    const granted = await connector.grant(spec);
    const umbrella = personRoleName(`${personWithRole}@%`);
    expect(granted.details.activation).toBe(`SET ROLE ${umbrella}`);
    const conn = await connectAs(personWithRole, personPassword, false);
    expect(await conn.query("SELECT CURRENT_ROLE() AS r")).toEqual([{ r: ownRole }]);
    await conn.query(`SET ROLE ${conn.escapeId(umbrella)}`);
    expect(await canSelect(conn)).toBe(true);
    await connector.revoke(spec);
    const [row] = await admin.query<{ default_role: string }[]>("SELECT default_role FROM mysql.user WHERE User = ?", [personWithRole]);
    expect(row?.default_role).toBe(ownRole);
  });

  it("inventory lists Keycard's principals with their grant ids and a standing privilege made by hand; usage sees live connections", async () => {
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'standing-pw'", [standing]);
    await admin.query(`GRANT SELECT, UPDATE ON ${admin.escapeId(database)}.* TO ?@'%'`, [standing]);
    const ephemeral = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target }));
    const elevation = track(grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: readRole }, target, targetLogin: person }));
    const granted = await connector.grant(ephemeral);
    await connector.grant(elevation);
    await connectAs(granted.credential?.username ?? "", granted.credential?.password ?? "");

    const entries = await connector.inventory();
    const user = ephemeralPrincipalName(ephemeral.grantId);
    expect(entries).toContainEqual(expect.objectContaining({ principal: `${standing}@%`, principalKind: "USER", privilege: `UPDATE ON ${database}.*`, privilegeKind: "DATABASE_PRIVILEGE", keycardGrantId: null, managedByKeycard: false }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: `${user}@%`, privilege: `SELECT ON ${database}.*`, keycardGrantId: ephemeral.grantId, managedByKeycard: true }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: grantRoleName(elevation.grantId), principalKind: "ROLE", privilege: readRole, privilegeKind: "ROLE_MEMBERSHIP", keycardGrantId: elevation.grantId }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: personRoleName(`${person}@%`), privilege: grantRoleName(elevation.grantId), keycardGrantId: elevation.grantId }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: `${person}@%`, privilege: personRoleName(`${person}@%`), keycardGrantId: null, managedByKeycard: true }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: "root@127.0.0.1", privilege: "SUPER ON *.*", privilegeKind: "GLOBAL_PRIVILEGE" }));

    const usage = await connector.usage();
    expect(usage.find((u) => u.principal === `${user}@%`)).toMatchObject({ sessions: 1, source: "information_schema.PROCESSLIST" });

    await connector.revoke(ephemeral);
    await connector.revoke(elevation);
    const after = await connector.inventory();
    expect(after.filter((e) => e.keycardGrantId === ephemeral.grantId || e.keycardGrantId === elevation.grantId)).toEqual([]);
  });

  it("test connection names an unreachable port, a wrong password and a missing database; access levels name a missing role or database", async () => {
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'right-password'", [connectorUser]);
    const port = await freePort();
    const cases = [
      [{ ...settings, port }, {}, "UNREACHABLE", /cannot reach MariaDB at 127\.0\.0\.1:\d+ \(connection refused\)/],
      [{ ...settings, user: connectorUser }, { password: "wrong-password" }, "AUTH", /access denied for user "kct_\w+_conn".*wrong password/],
      [{ ...settings, database: `kct_${suffix}_nodb` }, {}, "NOT_FOUND", /database "kct_\w+_nodb" does not exist/],
    ] as const;
    for (const [bad, secret, kind, message] of cases) {
      const probe = new MariadbConnector(bad, secret);
      const result = await probe.testConnection();
      await probe.close();
      expect(result).toMatchObject({ ok: false, kind });
      expect(!result.ok && result.error).toMatch(message);
    }
    expect(await new MariadbConnector({ ...settings, user: connectorUser }, { password: "right-password" }).testConnection()).toMatchObject({ ok: false, kind: "REFUSED", error: expect.stringMatching(/lacks CREATE USER/) });
    expect(await connector.validateAccessLevel({ mode: "ROLE_ELEVATION", privilege: { role: `kct_${suffix}_norole` }, target })).toMatchObject({ ok: false, kind: "NOT_FOUND", error: expect.stringMatching(/role "kct_\w+_norole" does not exist/) });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target: { database: `kct_${suffix}_nodb` } })).toMatchObject({ ok: false, kind: "NOT_FOUND" });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: selectLevel, target })).toMatchObject({ ok: true });
    const nobody = grantSpec({ mode: "ROLE_ELEVATION", privilege: selectLevel, target, targetLogin: `kct_${suffix}_nobody` });
    await expect(connector.grant(nobody)).rejects.toMatchObject({ kind: "NOT_FOUND", details: { field: "subject.targetLogin" } });
    expect(await userCount(grantRoleName(nobody.grantId))).toBe(0);
  });

  it("names with quotes, semicolons, control characters or Unicode tricks never reach the server", async () => {
    const bad = [
      [{ role: "read`; DROP USER root; --" }, target, /quote/],
      [{ role: "read;x" }, target, /semicolon/],
      [{ role: "rеad" }, target, /non-ASCII/], // Cyrillic "е"
      [selectLevel, { database: "billing\u0000" }, /control character/],
      [selectLevel, { database: "billing\u202e" }, /non-ASCII/], // right-to-left override
      [{ privileges: ["SELECT; DROP DATABASE mysql"] }, target, /privileges must be among/],
      [{ privileges: ["ALL PRIVILEGES"] }, target, /privileges must be among/],
      [{ role: readRole, privileges: ["SELECT"] }, target, /exactly one of role or privileges/],
    ] as const;
    for (const [privilege, badTarget, reason] of bad) {
      const error = await connector.grant(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege, target: badTarget })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ kind: "INVALID", code: "VALIDATION" });
      expect((error as Error).message).toMatch(reason);
    }
    await expect(connector.grant(grantSpec({ mode: "ROLE_ELEVATION", privilege: selectLevel, target, targetLogin: "ada'@'%" }))).rejects.toMatchObject({ kind: "INVALID" });
    expect(() => new MariadbConnector({ ...settings, userHost: "%' IDENTIFIED BY 'x" }, {})).toThrow(/host pattern contains a quote/);
    expect(() => new MariadbConnector({ ...settings, user: "root\u200b" }, {})).toThrow(/non-ASCII/);
  });
});
