import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { freePort, pgAdmin, startPasswordCheckedPostgres, uniqueSuffix } from "@/server/connectors/testing";
import { decryptSecret } from "@/server/crypto";
import { closeConnectors, connectorFromRow } from "@/server/domain/connectors/instance";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";
import { createCaller } from "@/server/trpc/root";

/**
 * The connector admin through its tRPC router (as the page calls it): create and edit with validation by
 * the connectors' own schemas, the secret write-only and encrypted, every change ledgered, "test
 * connection" with a specific error per failure, reconciliation on demand.
 */

let database: TestDatabase;
let admin: IdentityActor;
let requester: IdentityActor;
const suffix = uniqueSuffix();
const targetDb = `kcc_${suffix}`;
const targetRole = `kcc_${suffix}_read`;

/** A local listener standing in for a target: counts every connection anything makes to it. */
let tripwire: net.Server;
let tripwirePort = 0;
let tripwireConnections = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = await createPerson(database.prisma, ["ADMIN"], "Admin");
  requester = await createPerson(database.prisma, ["REQUESTER"], "Requester");
  const server = await pgAdmin();
  await server.query(`CREATE DATABASE ${pg.escapeIdentifier(targetDb)}`);
  await server.query(`CREATE ROLE ${pg.escapeIdentifier(targetRole)} NOLOGIN`);
  await server.end();
  tripwire = net.createServer((socket) => {
    tripwireConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tripwire.listen(0, "127.0.0.1", () => resolve()));
  tripwirePort = (tripwire.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await closeConnectors();
  tripwire?.close();
  const server = await pgAdmin();
  await server.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(targetDb)} WITH (FORCE)`);
  await server.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(targetRole)}`);
  await server.end();
  await database?.destroy();
});

const as = (actor: IdentityActor) => createCaller({ actor, db: database.prisma });
const postgresSettings = (extra: Record<string, unknown> = {}) => ({ host: "127.0.0.1", port: 5432, database: targetDb, user: "postgres", ...extra });

async function ledgerCount() {
  return database.prisma.ledgerEvent.count({ where: { action: { in: ["catalog/connector.created", "catalog/connector.updated"] } } });
}

describe("creating and editing connectors", () => {
  it("an admin creates a connector: the secret is encrypted to the row, never shown back, and the creation is ledgered", async () => {
    const secret = `s3cret-${uniqueSuffix()}`;
    const created = await as(admin).connectors.create({ name: "Orders PostgreSQL", kind: "POSTGRES", settings: postgresSettings({ publicHost: "" }), secret: { password: secret } });
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.settings).toEqual({ host: "127.0.0.1", port: 5432, database: targetDb, user: "postgres", ssl: false, poolSize: 4 });
    expect(row.secretCiphertext).not.toContain(secret);
    expect(JSON.parse(decryptSecret(row.secretCiphertext!, row.id))).toEqual({ password: secret });
    // Bound to its row: the ciphertext does not decrypt for another connector id.
    expect(() => decryptSecret(row.secretCiphertext!, admin.id)).toThrow();

    const listed = await as(admin).connectors.list();
    const got = await as(admin).connectors.get({ connectorId: created.id });
    expect(JSON.stringify([listed, got])).not.toContain(secret);
    expect(got).toMatchObject({ hasSecret: true, slug: "orders-postgresql" });
    const event = await database.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "catalog/connector.created", subjectId: created.id } });
    expect(JSON.stringify(event, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(secret);
    expect(event.data).toMatchObject({ kind: "POSTGRES", secretSet: true, settings: { host: "127.0.0.1", database: targetDb } });
  });

  it("an edit is ledgered with what changed; leaving the secret empty keeps it; the last health no longer applies", async () => {
    const { id } = await as(admin).connectors.create({ name: "Edit me", kind: "POSTGRES", settings: postgresSettings(), secret: { password: "one" } });
    await database.prisma.connector.update({ where: { id }, data: { health: "HEALTHY", lastCheckedAt: new Date() } });
    const result = await as(admin).connectors.update({ connectorId: id, name: "Edit me", settings: postgresSettings({ poolSize: 8 }), secret: { password: "" } });
    expect(result.changed).toEqual(["settings.poolSize"]);
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id } });
    expect(JSON.parse(decryptSecret(row.secretCiphertext!, id))).toEqual({ password: "one" });
    expect(row.health).toBe("UNKNOWN");
    const event = await database.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "catalog/connector.updated", subjectId: id } });
    expect(event.data).toMatchObject({ changed: ["settings.poolSize"], before: { poolSize: 4 }, after: { poolSize: 8 } });
    // Nothing changed: nothing ledgered.
    const before = await ledgerCount();
    expect((await as(admin).connectors.update({ connectorId: id, name: "Edit me", settings: postgresSettings({ poolSize: 8 }) })).changed).toEqual([]);
    expect(await ledgerCount()).toBe(before);
  });

  it("a saved secret is only sent where it was saved for: moving the connector needs the secret again", async () => {
    const { id } = await as(admin).connectors.create({ name: "Production orders", kind: "POSTGRES", settings: postgresSettings(), secret: { password: "keep-me-here" } });
    const elsewhere = postgresSettings({ port: tripwirePort });
    const attempts = tripwireConnections;
    const refusal = { code: "BAD_REQUEST", message: "Enter the secret again: the saved one is only sent to the port it was saved for." };
    await expect(as(admin).connectors.testSettings({ kind: "POSTGRES", settings: elsewhere, connectorId: id })).rejects.toMatchObject(refusal);
    const events = await ledgerCount();
    await expect(as(admin).connectors.update({ connectorId: id, name: "Production orders", settings: elsewhere })).rejects.toMatchObject(refusal);
    expect(tripwireConnections).toBe(attempts);
    expect(await ledgerCount()).toBe(events);
    expect((await database.prisma.connector.findUniqueOrThrow({ where: { id } })).settings).toMatchObject({ port: 5432 });
    // A passwordless target has no secret to give away: it moves freely.
    const open = await as(admin).connectors.create({ name: "Trust-auth staging", kind: "POSTGRES", settings: postgresSettings(), secret: { password: "" } });
    expect((await as(admin).connectors.update({ connectorId: open.id, name: "Trust-auth staging", settings: postgresSettings({ port: 5433 }) })).changed).toEqual(["settings.port"]);
    // With the secret typed again, the move is the admin's own doing.
    expect((await as(admin).connectors.update({ connectorId: id, name: "Production orders", settings: elsewhere, secret: { password: "typed-again" } })).changed).toEqual(["settings.port", "secret"]);
  });

  it("records a webhook connector's URL by its origin only: its path or query may hold a token", async () => {
    const url = "https://hooks.example.com/keycard/T0KEN-in-the-path?key=secret-in-the-query";
    const { id } = await as(admin).connectors.create({ name: "Customer automation", kind: "WEBHOOK", settings: { url }, secret: { signingSecret: "a-signing-secret-of-enough-length" } });
    const created = await database.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "catalog/connector.created", subjectId: id } });
    expect(JSON.stringify(created.data)).not.toContain("T0KEN");
    expect(created.data).toMatchObject({ settings: { url: "https://hooks.example.com" } });
    await as(admin).connectors.update({ connectorId: id, name: "Customer automation", settings: { url: url.replace("T0KEN", "OTHER") }, secret: { signingSecret: "a-signing-secret-of-enough-length" } });
    const updated = await database.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "catalog/connector.updated", subjectId: id } });
    expect(JSON.stringify(updated.data)).not.toMatch(/T0KEN|OTHER|secret-in-the-query/);
  });

  it("people who are not admins can neither see nor change connectors", async () => {
    await expect(as(requester).connectors.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as(requester).connectors.create({ name: "Nope", kind: "POSTGRES", settings: postgresSettings() })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("bad settings are refused with a specific error and never reach the target", () => {
  const cases: [string, "POSTGRES" | "MARIADB" | "REDIS" | "WEBHOOK", Record<string, string | number>, Record<string, string> | undefined, string, RegExp][] = [
    ["a login with a quote and SQL", "POSTGRES", { user: `keycard"; DROP ROLE postgres; --` }, undefined, "settings.user", /contains a quote/],
    ["a database with a semicolon", "POSTGRES", { database: "orders;drop" }, undefined, "settings.database", /contains a semicolon/],
    ["a database with a Cyrillic look-alike letter", "POSTGRES", { database: "оrders" }, undefined, "settings.database", /non-ASCII/],
    ["a login with a zero-width space", "POSTGRES", { user: "keycard\u200b" }, undefined, "settings.user", /non-ASCII/],
    ["a full-width login", "POSTGRES", { user: "ｋeycard" }, undefined, "settings.user", /non-ASCII/],
    ["a login with a control character", "POSTGRES", { user: "key\u0000card" }, undefined, "settings.user", /control character/],
    ["a login with a backslash", "POSTGRES", { user: "key\\card" }, undefined, "settings.user", /backslash/],
    ["a host with a shell tail", "POSTGRES", { host: "db.example.com; rm -rf /" }, undefined, "settings.host", /host/],
    ["a port out of range", "POSTGRES", { port: 70000 }, undefined, "settings.port", /65535|less than/],
    ["an unknown setting", "POSTGRES", { options: "-c log_statement=none" }, undefined, "settings", /Unrecognized key|unrecognized/i],
    ["a MariaDB user host with a quote", "MARIADB", { user: "root", userHost: "%' OR '1'='1" }, undefined, "settings.userHost", /quote/],
    ["a Redis user name with a space", "REDIS", { username: "default on >pw" }, undefined, "settings.username", /username may only use/],
    ["a webhook URL carrying credentials", "WEBHOOK", { url: "https://user:pw@automation.example.com/hook" }, { signingSecret: "0123456789abcdef0123" }, "settings.url", /credentials/],
    ["a webhook signing secret that is too short", "WEBHOOK", { url: "https://automation.example.com/hook" }, { signingSecret: "short" }, "secret.signingSecret", /at least 16/],
  ];

  it.each(cases)("%s", async (_label, kind, bad, secret, field, message) => {
    const base = kind === "WEBHOOK" ? {} : { host: "127.0.0.1", port: tripwirePort, ...(kind === "POSTGRES" ? { database: "postgres", user: "postgres" } : kind === "MARIADB" ? { user: "root" } : {}) };
    const settings = { ...base, ...bad };
    const countBefore = await database.prisma.connector.count();
    const ledgerBefore = await ledgerCount();
    const connectionsBefore = tripwireConnections;

    for (const attempt of [
      () => as(admin).connectors.create({ name: "Bad input", kind, settings, secret }),
      () => as(admin).connectors.testSettings({ kind, settings, secret }),
    ]) {
      // The router maps the domain's error once; its cause is what the page reads (code, message, field).
      const error = await attempt().then(
        () => null,
        (e: { cause?: { code?: string; message: string; details?: { field?: string } } }) => e.cause,
      );
      expect(error?.code).toBe("VALIDATION");
      expect(error?.message).toMatch(message);
      expect(error?.details?.field).toEqual(field === "settings" ? expect.stringMatching(/^settings/) : field);
    }
    expect(await database.prisma.connector.count()).toBe(countBefore);
    expect(await ledgerCount()).toBe(ledgerBefore);
    // Nothing connected to the target: the input was refused before any network call.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tripwireConnections).toBe(connectionsBefore);
  });

  it("an edit with a bad field changes nothing", async () => {
    const { id } = await as(admin).connectors.create({ name: "Keep me", kind: "POSTGRES", settings: postgresSettings() });
    const before = await database.prisma.connector.findUniqueOrThrow({ where: { id } });
    await expect(as(admin).connectors.update({ connectorId: id, name: "Keep me", settings: postgresSettings({ user: "x'; DROP TABLE orders; --" }) })).rejects.toMatchObject({ message: expect.stringMatching(/contains a quote/) });
    expect(await database.prisma.connector.findUniqueOrThrow({ where: { id } })).toEqual(before);
  });
});

describe("test connection", () => {
  it("names what is wrong: unreachable host, missing login role, missing database, missing access-level role — and records the health", async () => {
    const closed = await freePort();
    const unreachable = await as(admin).connectors.testSettings({ kind: "POSTGRES", settings: postgresSettings({ port: closed }) });
    expect(unreachable.connection).toEqual({ ok: false, kind: "UNREACHABLE", error: `cannot reach PostgreSQL at 127.0.0.1:${closed} (connection refused)` });

    const noLogin = await as(admin).connectors.testSettings({ kind: "POSTGRES", settings: postgresSettings({ user: `nobody_${suffix}` }) });
    expect(noLogin.connection).toMatchObject({ ok: false, error: expect.stringContaining(`login role "nobody_${suffix}" does not exist`) });

    const noDatabase = await as(admin).connectors.testSettings({ kind: "POSTGRES", settings: postgresSettings({ database: `missing_${suffix}` }) });
    expect(noDatabase.connection).toMatchObject({ ok: false, error: expect.stringContaining(`database "missing_${suffix}" does not exist`) });

    // A saved connector whose resource has one good level and one naming a role that does not exist.
    const { id } = await as(admin).connectors.create({ name: "Levels", kind: "POSTGRES", settings: postgresSettings() });
    await database.prisma.resource.create({
      data: {
        slug: `levels-${suffix}`,
        name: "Levels DB",
        tier: 3,
        connectorId: id,
        target: { database: targetDb },
        accessLevels: {
          create: [
            { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: targetRole } },
            { key: "ghost", name: "Ghost", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: `ghost_${suffix}` } },
          ],
        },
      },
    });
    const degraded = await as(admin).connectors.test({ connectorId: id });
    expect(degraded.connection.ok).toBe(true);
    expect(degraded.health).toBe("DEGRADED");
    expect(degraded.levels.find((l) => l.level === "Read")).toMatchObject({ ok: true });
    expect(degraded.levels.find((l) => l.level === "Ghost")).toMatchObject({ ok: false, message: expect.stringContaining(`role "ghost_${suffix}" does not exist`) });
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ health: "DEGRADED", lastError: expect.stringContaining("Levels DB · Ghost") });
    expect(row.lastCheckedAt).toBeInstanceOf(Date);

    // Recording a health check does not replace the live connector (its pool may be in use).
    const instance = connectorFromRow(row);
    await as(admin).connectors.test({ connectorId: id });
    expect(connectorFromRow(await database.prisma.connector.findUniqueOrThrow({ where: { id } }))).toBe(instance);

    await database.prisma.accessLevel.deleteMany({ where: { key: "ghost", resource: { connectorId: id } } });
    expect((await as(admin).connectors.test({ connectorId: id })).health).toBe("HEALTHY");
    const failing = await as(admin).connectors.create({ name: "Down", kind: "POSTGRES", settings: postgresSettings({ port: closed }) });
    expect((await as(admin).connectors.test({ connectorId: failing.id })).health).toBe("FAILING");
    expect((await database.prisma.connector.findUniqueOrThrow({ where: { id: failing.id } })).lastError).toContain("connection refused");

    // Reconcile on demand works for a connector with resources, and explains itself for one without.
    expect(await as(admin).connectors.reconcile({ connectorId: id })).toMatchObject({ connectors: 1, unreachable: [], removed: [], restored: [] });
    await expect(as(admin).connectors.reconcile({ connectorId: failing.id })).rejects.toMatchObject({ message: expect.stringContaining("No resource uses this connector") });
  });

  it("bad credentials are named, and an edit tests with the stored secret when none is typed", async () => {
    const cluster = await startPasswordCheckedPostgres();
    try {
      const settings = { host: "127.0.0.1", port: cluster.port, database: "postgres", user: "postgres" };
      const wrong = await as(admin).connectors.testSettings({ kind: "POSTGRES", settings, secret: { password: "not-the-password" } });
      expect(wrong.connection).toEqual({ ok: false, kind: "AUTH", error: `password authentication failed for user "postgres" at PostgreSQL at 127.0.0.1:${cluster.port}` });
      const { id } = await as(admin).connectors.create({ name: "Password checked", kind: "POSTGRES", settings, secret: { password: cluster.password } });
      expect((await as(admin).connectors.testSettings({ kind: "POSTGRES", settings, connectorId: id })).connection.ok).toBe(true);
      expect((await as(admin).connectors.test({ connectorId: id })).health).toBe("HEALTHY");
    } finally {
      await closeConnectors();
      cluster.stop();
    }
  });
});
