import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, setDatabaseForProcess, type Database } from "@/server/db";

/**
 * A fresh, migrated database for one test file: in-memory PGlite when TEST_DATABASE=embedded (default),
 * or a new uniquely named database on the PostgreSQL server at TEST_POSTGRES_URL when
 * TEST_DATABASE=postgres (dropped afterwards). The same suite runs on both.
 */
export interface TestDatabase extends Database {
  /** Drops the PostgreSQL test database (no-op on PGlite). */
  destroy(): Promise<void>;
}

export const testDatabaseKind = process.env.TEST_DATABASE === "postgres" ? "postgres" : "embedded";

export function adminPostgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createEmptyPostgresDatabase(prefix = "keycard_test"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminPostgresUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(adminPostgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminPostgresUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function createTestDatabase(options: { useForProcess?: boolean } = {}): Promise<TestDatabase> {
  let database: Database;
  let drop = async () => undefined as void;
  if (testDatabaseKind === "postgres") {
    const created = await createEmptyPostgresDatabase();
    database = openDatabase({ url: created.url, poolMax: 12 });
    drop = created.drop;
  } else {
    database = openDatabase({ dataDir: "memory" });
  }
  await database.migrate();
  if (options.useForProcess ?? true) setDatabaseForProcess(database);
  return {
    ...database,
    async destroy() {
      await database.close();
      await drop();
    },
  };
}
