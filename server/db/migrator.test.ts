import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  applyMigrations,
  MigrationError,
  pgExecutor,
  pgliteExecutor,
  readMigrations,
  type SqlExecutor,
} from "./migrator";
import { computeEventHash, fieldsHash } from "@/server/ledger/hash";
import { LEDGER_ROW_SELECT, normalizeRow, type LedgerRow } from "@/server/ledger/rows";
import { createPopulation, createRandom, EMPTY_HEAD, generateEvents } from "@/scripts/ledger/synthetic";

const realMigrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");
const LEDGER_HASH_MIGRATION = "20261206153000_ledger_hash_in_database";

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A migrations folder holding `files` (folder name → migration.sql), plus copies of `copyFrom`'s. */
async function migrationsFolder(files: Record<string, string>, copyFrom?: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "keycard-migrations-"));
  tempDirs.push(dir);
  if (copyFrom) await fs.cp(copyFrom, dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) {
    await fs.mkdir(path.join(dir, name));
    await fs.writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function realMigrationNames(): Promise<string[]> {
  return (await readMigrations(realMigrationsDir)).map((m) => m.name);
}

interface Row {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function historyRows(db: SqlExecutor): Promise<Row[]> {
  return (await db.query<Row>("SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name")).rows;
}

async function expectRecordedLikePrisma(db: SqlExecutor, migrationsDir: string): Promise<void> {
  const rows = await historyRows(db);
  const names = (await readMigrations(migrationsDir)).map((m) => m.name);
  expect(rows.map((row) => row.migration_name)).toEqual(names);
  for (const row of rows) {
    const bytes = await fs.readFile(path.join(migrationsDir, row.migration_name, "migration.sql"));
    expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row.applied_steps_count).toBe(1);
    expect(row.logs).toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
  }
}

const ledgerInsert = `INSERT INTO "LedgerEvent" (seq, id, "occurredAt", action, "actorType", "actorLabel", "subjectType", summary, "prevHash", hash)
  VALUES (1, '0190f2a4-0000-7000-8000-000000000001', now(), 'access/grant.activated', 'system', 'test', 'grant', 'test event', '', 'h1')`;

async function expectLedgerAppendOnly(db: SqlExecutor): Promise<void> {
  await db.exec(ledgerInsert);
  await expect(db.exec(`UPDATE "LedgerEvent" SET summary = 'rewritten'`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
  await expect(db.exec(`DELETE FROM "LedgerEvent"`)).rejects.toThrow(/append-only \(DELETE refused\)/);
  await expect(db.exec(`TRUNCATE "LedgerEvent"`)).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
  const { rows } = await db.query<{ summary: string }>(`SELECT summary FROM "LedgerEvent"`);
  expect(rows).toEqual([{ summary: "test event" }]);
}

describe("applyMigrations on the embedded database (PGlite)", () => {
  const open: PGlite[] = [];
  afterAll(async () => {
    await Promise.all(open.map((db) => db.close()));
  });
  function freshPglite(): SqlExecutor {
    const db = new PGlite();
    open.push(db);
    return pgliteExecutor(db);
  }

  it("builds an empty database from the migrations and records them as Prisma Migrate does", async () => {
    const db = freshPglite();
    const result = await applyMigrations(db, { migrationsDir: realMigrationsDir });
    expect(result.applied).toEqual(await realMigrationNames());
    await expectRecordedLikePrisma(db, realMigrationsDir);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Identity"`);
    expect(rows[0]?.n).toBe(0);
  });

  it("applies nothing on a second run", async () => {
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: realMigrationsDir });
    const before = await historyRows(db);
    await expect(applyMigrations(db, { migrationsDir: realMigrationsDir })).resolves.toEqual({ applied: [] });
    expect(await historyRows(db)).toEqual(before);
  });

  it("refuses to update, delete or truncate ledger events", async () => {
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: realMigrationsDir });
    await expectLedgerAppendOnly(db);
  });

  it("moves an existing ledger to verbatim canonical data: every row still hashes, in SQL or (an odd number) in Node", async () => {
    // The ledger as it was before 20261206153000_ledger_hash_in_database: data in a jsonb column.
    const before = await migrationsFolder({}, realMigrationsDir);
    for (const name of await realMigrationNames()) if (name >= LEDGER_HASH_MIGRATION) await fs.rm(path.join(before, name), { recursive: true });
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: before });
    const random = createRandom(7);
    const events = [...generateEvents({ population: createPopulation(random, 20, 5), random, head: EMPTY_HEAD, from: new Date("2026-01-01"), until: new Date("2026-01-02"), count: 200, format: 1 }, 200)].flat();
    // One event whose number JavaScript prints differently from PostgreSQL (1e+21): its hash, as the
    // ledger computed it then, is over JavaScript's form.
    const odd = events[199]!;
    odd.data = { amount: 1e21 };
    odd.hash = computeEventHash(odd);
    for (const e of events) {
      await db.query(
        `INSERT INTO "LedgerEvent" (seq, id, "occurredAt", action, outcome, "actorType", "actorId", "actorLabel", "subjectType", "subjectId",
           "resourceId", "requestId", "grantId", summary, data, "prevHash", hash)
         VALUES ($1, $2, $3::timestamp, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17)`,
        [e.seq.toString(), e.id, e.occurredAt.toISOString(), e.action, e.outcome, e.actorType, e.actorId, e.actorLabel, e.subjectType, e.subjectId, e.resourceId, e.requestId, e.grantId, e.summary, JSON.stringify(e.data), e.prevHash, e.hash],
      );
    }

    expect((await applyMigrations(db, { migrationsDir: realMigrationsDir })).applied).toEqual([LEDGER_HASH_MIGRATION, ...(await realMigrationNames()).filter((name) => name > LEDGER_HASH_MIGRATION)]);
    const { rows: mismatched } = await db.query<LedgerRow>(
      `SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent"
        WHERE hash <> keycard_ledger_hash(keycard_ledger_encoding(seq, id, "occurredAt", action, outcome, "actorType", "actorId", "actorLabel",
          "subjectType", "subjectId", "resourceId", "requestId", "grantId", summary, data::text, "prevHash")) ORDER BY "LedgerEvent".seq`,
    );
    expect(mismatched.map((row) => row.seq)).toEqual(["200"]);
    expect(fieldsHash(normalizeRow(mismatched[0]!))).toBe(odd.hash);
    // Rows from before the format column read format 1 (its catalog default), and verify under it.
    const { rows: formats } = await db.query<{ format: number; n: number; matching: number }>(
      `SELECT format, count(*)::int AS n, count(*) FILTER (WHERE hash = keycard_ledger_event_hash(format, seq, id, "occurredAt", action, outcome,
         "actorType", "actorId", "actorLabel", "subjectType", "subjectId", "resourceId", "requestId", "grantId", summary, data::text, "prevHash"))::int AS matching
         FROM "LedgerEvent" GROUP BY format`,
    );
    expect(formats).toEqual([{ format: 1, n: 200, matching: 199 }]);
    const { rows: search } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "LedgerEvent" WHERE search IS NOT NULL`);
    expect(search[0]?.n).toBe(200);
  });

  it("runs each file whole and in name order, so $$ bodies with semicolons survive", async () => {
    const dir = await migrationsFolder({
      "20240102000000_use_function": `INSERT INTO note (body) VALUES (shout('hi'));`,
      "20240101000000_function": `CREATE TABLE note (body text NOT NULL);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE loud text;
BEGIN
  loud := upper(t);
  RETURN loud || '!';
END;
$$;`,
    });
    const db = freshPglite();
    const logs: string[] = [];
    const result = await applyMigrations(db, { migrationsDir: dir, log: (line) => logs.push(line) });
    expect(result.applied).toEqual(["20240101000000_function", "20240102000000_use_function"]);
    expect((await db.query<{ body: string }>("SELECT body FROM note")).rows).toEqual([{ body: "HI!" }]);
    expect(logs).toEqual(["Applying migration 20240101000000_function", "Applying migration 20240102000000_use_function"]);
  });

  it("rolls a failing migration back entirely and names it", async () => {
    const dir = await migrationsFolder({
      "20240101000000_ok": "CREATE TABLE kept (id int);",
      "20240102000000_broken": "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;",
    });
    const db = freshPglite();
    const run = applyMigrations(db, { migrationsDir: dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(/Migration `20240102000000_broken` failed.*no_such_table/);
    const tables = await db.query<{ name: string | null }>(
      "SELECT to_regclass('kept')::text AS name UNION ALL SELECT to_regclass('half_done')::text",
    );
    expect(tables.rows.map((row) => row.name)).toEqual(["kept", null]);
    expect((await historyRows(db)).map((row) => row.migration_name)).toEqual(["20240101000000_ok"]);
  });

  it("stops with an error naming an applied migration whose file was edited", async () => {
    const dir = await migrationsFolder({ "20240101000000_table": "CREATE TABLE t (id int);\n" });
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: dir });
    await fs.writeFile(path.join(dir, "20240101000000_table", "migration.sql"), "CREATE TABLE t (id bigint);\n");
    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(
      /Migration `20240101000000_table` was modified after it was applied/,
    );
  });

  it("accepts an applied migration whose line endings changed, as Prisma does", async () => {
    const dir = await migrationsFolder({ "20240101000000_table": "CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n" });
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: dir });
    await fs.writeFile(path.join(dir, "20240101000000_table", "migration.sql"), "CREATE TABLE t (id int);\r\nCREATE TABLE u (id int);\r\n");
    await expect(applyMigrations(db, { migrationsDir: dir })).resolves.toEqual({ applied: [] });
  });

  it("stops with an error naming a failed migration left in the history", async () => {
    const dir = await migrationsFolder({ "20240101000000_a": "CREATE TABLE a (id int);", "20240102000000_b": "CREATE TABLE b (id int);" });
    const db = freshPglite();
    await applyMigrations(db, { migrationsDir: dir });
    // What the native engine leaves after a script error: a row without finished_at, with logs.
    await db.query(
      `UPDATE _prisma_migrations SET finished_at = NULL, logs = 'relation "b" already exists' WHERE migration_name = $1`,
      ["20240102000000_b"],
    );
    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(
      /Migration `20240102000000_b` .*failed or never finished: relation "b" already exists/,
    );
  });

  it("refuses a database that already has tables but no migration history", async () => {
    const db = freshPglite();
    await db.exec("CREATE TABLE somebody_elses (id int)");
    await expect(applyMigrations(db, { migrationsDir: realMigrationsDir })).rejects.toThrow(/not empty.*somebody_elses/);
  });

  it("refuses a migrations folder that does not exist", async () => {
    const db = freshPglite();
    await expect(applyMigrations(db, { migrationsDir: "/nonexistent/prisma/migrations" })).rejects.toThrow(
      /No migrations folder at \/nonexistent/,
    );
  });
});

describe.skipIf(process.env.TEST_POSTGRES === "0")("applyMigrations on PostgreSQL", () => {
  const adminUrl = "postgresql://postgres@127.0.0.1:5432/postgres";
  const runId = `${process.pid}_${randomBytes(4).toString("hex")}`;
  const databases: string[] = [];
  const clients: pg.Client[] = [];

  /** A new empty database for this run; every one is dropped after the suite. */
  async function freshDatabase(): Promise<string> {
    const name = `keycard_migrator_test_${runId}_${databases.length}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    databases.push(name);
    return name;
  }

  async function connect(database: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:5432/${database}` });
    await client.connect();
    clients.push(client);
    return client;
  }

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it("builds an empty database, records it as Prisma Migrate does, and applies nothing the second time", async () => {
    const db = pgExecutor(await connect(await freshDatabase()));
    expect((await applyMigrations(db, { migrationsDir: realMigrationsDir })).applied).toEqual(await realMigrationNames());
    await expectRecordedLikePrisma(db, realMigrationsDir);
    expect((await applyMigrations(db, { migrationsDir: realMigrationsDir })).applied).toEqual([]);

    // The table has the shape the native engine gives it, so `prisma migrate deploy` can take over.
    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.rows).toEqual([
      { column_name: "id", data_type: "character varying", is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", is_nullable: "NO", column_default: "0" },
    ]);
  });

  it("applies each migration exactly once when two sessions migrate at the same time", async () => {
    // Slow migrations widen the window in which an unlocked second run would see them as pending.
    const dir = await migrationsFolder(
      {
        "29990101000000_slow_a": "SELECT pg_sleep(0.3); CREATE TABLE slow_a (id int);",
        "29990102000000_slow_b": "SELECT pg_sleep(0.3); CREATE TABLE slow_b (id int);",
      },
      realMigrationsDir,
    );
    const database = await freshDatabase();
    const [clientA, clientB] = [await connect(database), await connect(database)];
    const [a, b] = await Promise.all([
      applyMigrations(pgExecutor(clientA), { migrationsDir: dir }),
      applyMigrations(pgExecutor(clientB), { migrationsDir: dir }),
    ]);

    const all = (await readMigrations(dir)).map((m) => m.name);
    expect([...a.applied, ...b.applied].sort()).toEqual(all);
    // The lock is held for the whole run, so one process applied everything and the other nothing.
    expect([a.applied.length, b.applied.length].sort((x, y) => x - y)).toEqual([0, all.length]);
    const counts = await pgExecutor(clientA).query<{ migration_name: string; n: number }>(
      "SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name",
    );
    expect(counts.rows).toEqual(all.map((name) => ({ migration_name: name, n: 1 })));
    // Both sessions let go of the lock.
    const locks = await pgExecutor(clientA).query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(locks.rows[0]?.n).toBe(0);
  });

  it("refuses to update, delete or truncate ledger events", async () => {
    const db = pgExecutor(await connect(await freshDatabase()));
    await applyMigrations(db, { migrationsDir: realMigrationsDir });
    await expectLedgerAppendOnly(db);
  });
});
