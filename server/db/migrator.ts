import { createHash, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { PGliteInterface } from "@electric-sql/pglite";
import type { ClientBase, QueryResultRow } from "pg";

/**
 * Applies `prisma/migrations/<timestamp>_<name>/migration.sql` files without Prisma's native schema engine
 * (it cannot be downloaded here, and both driver adapters' `executeScript` are unfit to apply migrations;
 * see docs/database.md). The bookkeeping is Prisma Migrate's own `_prisma_migrations` table, written the
 * way the native engine writes it, so `prisma migrate deploy` / `migrate status` keep working wherever
 * that engine exists.
 *
 * Differences from the native engine, all on the safe side: each migration runs in one transaction
 * together with its `_prisma_migrations` row (a failure leaves no trace to clean up, so no "failed" row
 * is ever written), and an edited, already-applied migration stops the run instead of being ignored.
 */

/** The two things the migrator needs from a database connection. */
export interface SqlExecutor {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs a whole multi-statement script as one query (never split on `;`: `$$` bodies must survive). */
  exec(script: string): Promise<void>;
}

/**
 * One pg connection (a `Client` or a checked-out `PoolClient`, never a `Pool`: the advisory lock and the
 * transaction live on one session).
 */
export function pgExecutor(client: ClientBase): SqlExecutor {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await client.query<T & QueryResultRow>(sql, params);
      return { rows: result.rows };
    },
    async exec(script: string) {
      // Without parameters pg uses the simple query protocol, which accepts several statements at once.
      await client.query(script);
    },
  };
}

/**
 * A PGlite database. PGlite runs one query at a time but does not reserve the connection between our
 * BEGIN and COMMIT: migrate before anything else uses the instance (startup does).
 */
export function pgliteExecutor(db: PGliteInterface): SqlExecutor {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await db.query<T>(sql, params);
      return { rows: result.rows };
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

/**
 * Prisma Migrate's own advisory-lock key (prisma-engines, `acquire_lock` in the Postgres flavour). Using
 * the same key makes this migrator and a native `prisma migrate deploy` exclude each other too.
 */
export const MIGRATE_ADVISORY_LOCK_KEY = 72707369;

/** Byte for byte the table the native engine creates on PostgreSQL (`create_migrations_table`). */
export const PRISMA_MIGRATIONS_TABLE_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

export interface MigrationFile {
  /** The folder name, e.g. `20250101120000_init`; this is `_prisma_migrations.migration_name`. */
  name: string;
  script: string;
  /** SHA-256 hex of the file's bytes, as the native engine computes it. */
  checksum: string;
}

export interface ApplyMigrationsOptions {
  /** Defaults to `prisma/migrations` under the current working directory. */
  migrationsDir?: string;
  log?: (message: string) => void;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations applied by this run, in order (empty when the database was up to date). */
  applied: string[];
}

/** A problem that stops the run; `migrationName` names the migration at fault when there is one. */
export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    message: string,
    readonly migrationName?: string,
  ) {
    super(message);
  }
}

export function defaultMigrationsDir(): string {
  return path.resolve(process.cwd(), "prisma", "migrations");
}

export function migrationChecksum(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * Prisma's `script_matches_checksum`: line endings may differ (git's autocrlf rewrites them on Windows),
 * and very old engines wrote the hex without zero padding.
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replace(/\r?\n/g, "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    if (checksum.length === 64) return digest.toString("hex") === checksum;
    return [...digest].map((byte) => byte.toString(16)).join("") === checksum;
  });
}

/** The migration folders, in the order they apply (their names start with a UTC timestamp). */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      // Treating a missing folder as "no migrations" would let a wrong working directory pass silently.
      throw new MigrationError(`No migrations folder at ${migrationsDir} (run from the project root or pass migrationsDir)`);
    }
    throw error;
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => {
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(path.join(migrationsDir, name, "migration.sql"));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          throw new MigrationError(`Migration \`${name}\` has no migration.sql`, name);
        }
        throw error;
      }
      return { name, script: bytes.toString("utf8"), checksum: migrationChecksum(bytes) };
    }),
  );
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, in name order. Safe to run again (it
 * then applies nothing) and from several processes at once: the whole run holds a session-level advisory
 * lock, so a second process waits and then finds everything applied.
 */
export async function applyMigrations(
  executor: SqlExecutor,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const log = options.log ?? (() => {});
  const files = await readMigrations(migrationsDir);

  await executor.query(`SELECT pg_advisory_lock(${MIGRATE_ADVISORY_LOCK_KEY})`);
  try {
    await ensureMigrationsTable(executor);
    const { rows } = await executor.query<MigrationRow>(
      `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
         FROM _prisma_migrations ORDER BY started_at ASC`,
    );
    const live = rows.filter((row) => row.rolled_back_at === null);
    refuseFailedMigrations(live);
    refuseEditedMigrations(live, files);

    const fileNames = new Set(files.map((file) => file.name));
    for (const row of live) {
      if (!fileNames.has(row.migration_name)) {
        log(`warning: applied migration ${row.migration_name} is not in ${migrationsDir}`);
      }
    }

    const appliedNames = new Set(live.map((row) => row.migration_name));
    const pending = files.filter((file) => !appliedNames.has(file.name));
    const applied: string[] = [];
    for (const file of pending) {
      log(`Applying migration ${file.name}`);
      await applyOne(executor, file);
      applied.push(file.name);
    }
    return { applied };
  } finally {
    // Also released when the session ends; a failure here must not hide the run's own error.
    await executor.query(`SELECT pg_advisory_unlock(${MIGRATE_ADVISORY_LOCK_KEY})`).catch((error: unknown) => {
      log(`warning: could not release the migration lock: ${errorMessage(error)}`);
    });
  }
}

async function ensureMigrationsTable(executor: SqlExecutor): Promise<void> {
  const { rows } = await executor.query<{ exists: boolean }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`,
  );
  if (rows[0]?.exists) return;
  // Prisma refuses to start a migration history on a schema that already has tables (P3005): the first
  // migration would collide with them, or worse, succeed on a database that is not Keycard's.
  const { rows: tables } = await executor.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname LIMIT 5`,
  );
  if (tables.length > 0) {
    throw new MigrationError(
      `The database schema is not empty (${tables.map((t) => t.relname).join(", ")}…) and has no _prisma_migrations table; ` +
        `refusing to apply migrations to it (Prisma's P3005). Use an empty database, or baseline this one first.`,
    );
  }
  await executor.exec(PRISMA_MIGRATIONS_TABLE_DDL);
}

function refuseFailedMigrations(rows: MigrationRow[]): void {
  // Only the native engine leaves such rows (it applies outside a transaction), or a crash mid-way did.
  const failed = rows.filter((row) => row.finished_at === null);
  const first = failed[0];
  if (!first) return;
  const logs = first.logs?.trim() ? `: ${first.logs.trim()}` : "";
  throw new MigrationError(
    `Migration \`${first.migration_name}\` (started ${first.started_at.toISOString()}) failed or never finished${logs}. ` +
      `Fix the database by hand, then mark it with \`prisma migrate resolve --rolled-back ${first.migration_name}\` ` +
      `(or --applied), or set its rolled_back_at in _prisma_migrations.` +
      (failed.length > 1 ? ` Also unfinished: ${failed.slice(1).map((row) => row.migration_name).join(", ")}.` : ""),
    first.migration_name,
  );
}

function refuseEditedMigrations(rows: MigrationRow[], files: MigrationFile[]): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  const edited = rows.filter((row) => {
    const file = byName.get(row.migration_name);
    return file !== undefined && !checksumMatches(file.script, row.checksum);
  });
  const first = edited[0];
  if (!first) return;
  throw new MigrationError(
    `Migration \`${first.migration_name}\` was modified after it was applied (its migration.sql no longer matches ` +
      `the checksum in _prisma_migrations). Restore the applied version and put the change in a new migration.` +
      (edited.length > 1 ? ` Also modified: ${edited.slice(1).map((row) => row.migration_name).join(", ")}.` : ""),
    first.migration_name,
  );
}

async function applyOne(executor: SqlExecutor, file: MigrationFile): Promise<void> {
  const startedAt = new Date();
  await executor.exec("BEGIN");
  try {
    // A comment-only or empty file is a valid (empty) migration; an empty query string is not valid SQL.
    if (file.script.trim() !== "") await executor.exec(file.script);
    // The native engine inserts the row first, then bumps applied_steps_count to 1 and sets finished_at
    // (both from the client's clock); inside one transaction the final row is written directly.
    await executor.query(
      `INSERT INTO _prisma_migrations
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, NULL, NULL, $5, 1)`,
      [randomUUID(), file.checksum, new Date(), file.name, startedAt],
    );
    await executor.exec("COMMIT");
  } catch (error) {
    await executor.exec("ROLLBACK").catch(() => {});
    throw new MigrationError(
      `Migration \`${file.name}\` failed and was rolled back (nothing of it was applied): ${errorMessage(error)}`,
      file.name,
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
