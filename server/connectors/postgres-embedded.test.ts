import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoTargetSchema } from "@/server/demo-target";
import { grantRoleName } from "./identifiers";
import { PostgresConnector } from "./postgres";
import { freePort, grantSpec } from "./testing";

/**
 * The PostgreSQL connector against the embedded default's target: PGlite served over the wire protocol.
 * PGlite is single-user (every session is the built-in superuser whatever name it logs in with), so the
 * checks here read the catalog (has_table_privilege, pg_has_role) instead of logging in as the grantee,
 * and live sessions cannot be cut; both are shown against the real server in postgres.test.ts.
 */

let db: PGlite;
let server: PGLiteSocketServer;
let connector: PostgresConnector;

async function scalar<T>(sql: string, params: unknown[] = []): Promise<T> {
  const result = await db.query<{ value: T }>(sql, params);
  return result.rows[0]?.value as T;
}

beforeAll(async () => {
  db = new PGlite();
  await db.exec(demoTargetSchema);
  await db.exec("CREATE ROLE demo_person LOGIN; CREATE ROLE demo_standing LOGIN IN ROLE payments_admin;");
  const port = await freePort();
  server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 16 });
  await server.start();
  connector = new PostgresConnector({ host: "127.0.0.1", port, database: "postgres", user: "postgres", ssl: false, poolSize: 1 }, { password: "" });
});

afterAll(async () => {
  await connector?.close();
  await server?.stop();
  await db?.close();
});

describe("PostgreSQL connector (embedded PGlite target)", () => {
  it("test connection says it is PGlite and what that cannot do", async () => {
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: true, details: expect.stringContaining("PGlite: single-user, sessions cannot be ended") });
  });

  it("an ephemeral login gets exactly the role's table privileges, once, until revoked", async () => {
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_read" }, target: { database: "postgres" } });
    const first = await connector.grant(spec);
    expect(first.credential).toMatchObject({ username: first.principal, database: "postgres" });
    expect((await connector.grant(spec)).created).toBe(false);
    expect(await scalar<number>("SELECT count(*)::int AS value FROM pg_roles WHERE rolname = $1", [first.principal])).toBe(1);
    expect(await scalar<boolean>("SELECT has_table_privilege($1, 'orders', 'SELECT') AS value", [first.principal])).toBe(true);
    expect(await scalar<boolean>("SELECT has_table_privilege($1, 'orders', 'INSERT') AS value", [first.principal])).toBe(false);
    expect(await scalar<Date>("SELECT rolvaliduntil AS value FROM pg_roles WHERE rolname = $1", [first.principal])).toEqual(spec.endsAt);
    expect(await connector.verify(spec)).toMatchObject({ present: true });

    expect(await connector.revoke(spec)).toMatchObject({ removed: true });
    expect(await connector.revoke(spec)).toMatchObject({ removed: false });
    expect(await scalar<number>("SELECT count(*)::int AS value FROM pg_roles WHERE rolname = $1", [first.principal])).toBe(0);
    expect(await connector.verify(spec)).toMatchObject({ present: false });
  });

  it("overlapping role elevations are a union", async () => {
    const a = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: "orders_write" }, targetLogin: "demo_person" });
    const b = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: "orders_write" }, targetLogin: "demo_person" });
    const canWrite = () => scalar<boolean>("SELECT has_table_privilege('demo_person', 'orders', 'INSERT') AS value");
    expect(await canWrite()).toBe(false);
    await connector.grant(a);
    await connector.grant(b);
    expect(await canWrite()).toBe(true);
    await connector.revoke(a);
    expect(await canWrite()).toBe(true);
    expect(await connector.verify(b)).toMatchObject({ present: true });
    await connector.revoke(b);
    expect(await canWrite()).toBe(false);
    expect(await connector.revoke(b)).toMatchObject({ removed: false });
  });

  it("inventory tells Keycard's roles from a standing membership", async () => {
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: { role: "analytics_read" }, targetLogin: "demo_person" });
    await connector.grant(spec);
    const entries = await connector.inventory();
    expect(entries).toContainEqual(expect.objectContaining({ principal: "demo_standing", privilege: "payments_admin", keycardGrantId: null, managedByKeycard: false }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: "demo_person", privilege: grantRoleName(spec.grantId), keycardGrantId: spec.grantId }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: "orders_read", privilege: "SELECT ON public.orders", privilegeKind: "TABLE_PRIVILEGE" }));
    await connector.revoke(spec);
    // PGlite's pg_stat_activity names no user, so there is nothing to sample.
    expect(await connector.usage()).toEqual([]);
  });

  it("a role that does not exist is refused before anything is created", async () => {
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_admin" }, target: {} })).toMatchObject({ ok: false, kind: "NOT_FOUND" });
    const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_admin" } });
    await expect(connector.grant(spec)).rejects.toMatchObject({ kind: "NOT_FOUND" });
    expect(await scalar<number>("SELECT count(*)::int AS value FROM pg_roles WHERE rolname LIKE 'kc\\_%'")).toBe(0);
  });
});
