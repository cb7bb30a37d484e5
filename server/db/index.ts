import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import pg from "pg";
import { env } from "@/server/env";
import { type Prisma, PrismaClient } from "@/server/generated/prisma/client";
import { applyMigrations, defaultMigrationsDir, pgExecutor, pgliteExecutor, readMigrations } from "@/server/db/migrator";

export type Db = PrismaClient;
/** A Prisma client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Prisma.TransactionClient;
/** Either: reads and single writes accept both; multi-step writes open their own transaction. */
export type DbOrTx = Db | Tx;

export type DatabaseKind = "postgresql" | "embedded";

export interface Database {
  kind: DatabaseKind;
  prisma: Db;
  /** Applies pending migrations (the embedded database migrates itself at startup). */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
  /** Where it lives, without credentials: a folder, `memory`, or host/database. */
  location: string;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, the embedded PGlite database. */
  url?: string;
  /** PGlite data folder, or "memory" for an in-memory database (tests). */
  dataDir?: string;
  poolMax?: number;
}

/**
 * Prisma's defaults (2 s to start a transaction, 5 s to finish) fail under bursts on a small machine:
 * ledgered transactions queue on the ledger lock. A request that waits this long is still better than a
 * spurious 500; the API answers 503 + Retry-After beyond it.
 */
const transactionOptions = { maxWait: 10_000, timeout: 20_000 } as const;

export function openDatabase(options: DatabaseOptions): Database {
  return options.url ? openPostgres(options.url, options.poolMax ?? 10) : openEmbedded(options.dataDir ?? "memory");
}

/** The pg pool behind each PostgreSQL client (not its transactions), for the ledger's bulk paths. */
const postgresPools = new WeakMap<object, pg.Pool>();

/**
 * The pg pool under a PostgreSQL Prisma client, for paths that move millions of rows (ledger verification
 * and exports): driver-level reads without the ORM's per-row conversion, and COPY. Undefined for the
 * embedded database and for a transaction client, which must see its own uncommitted rows.
 */
export function postgresPoolOf(db: DbOrTx): pg.Pool | undefined {
  return postgresPools.get(db);
}

function openPostgres(url: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  // An idle pooled connection that the server closes (restart, failover, admin shutdown) emits an error;
  // unhandled, it would crash the process. The pool replaces it on the next query.
  let closing = false;
  pool.on("error", (error) => {
    if (!closing) console.warn(`[keycard:db] idle PostgreSQL connection lost: ${error.message}`);
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions });
  postgresPools.set(prisma, pool);
  const parsed = new URL(url);
  return {
    kind: "postgresql",
    prisma,
    location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    async migrate() {
      const client = await pool.connect();
      try {
        return (await applyMigrations(pgExecutor(client))).applied;
      } finally {
        client.release();
      }
    },
    async close() {
      closing = true;
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

function openEmbedded(dataDir: string): Database {
  let pglite: PGlite;
  if (dataDir === "memory") {
    pglite = new PGlite();
  } else {
    // PGlite does not create parent folders, and has no lock of its own: one process owns the folder.
    fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
    pglite = new PGlite(dataDir);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), transactionOptions });
  return {
    kind: "embedded",
    prisma,
    location: dataDir,
    async migrate() {
      return (await applyMigrations(pgliteExecutor(pglite))).applied;
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close().catch(() => undefined);
    },
  };
}

/** The embedded database's folder inside KEYCARD_DATA_DIR. */
export function embeddedDatabaseDir(dataDir: string): string {
  return path.join(dataDir, "keycard-db");
}

const globalForDb = globalThis as unknown as { keycardDatabase?: Database; keycardMigrated?: Promise<string[]> };

/** The process's database, chosen by DATABASE_URL (PostgreSQL) or the embedded default. */
export function database(): Database {
  if (!globalForDb.keycardDatabase) {
    const config = env();
    globalForDb.keycardDatabase = openDatabase({
      url: config.DATABASE_URL,
      dataDir: embeddedDatabaseDir(config.KEYCARD_DATA_DIR),
      poolMax: config.DATABASE_POOL_MAX,
    });
  }
  return globalForDb.keycardDatabase;
}

/**
 * Makes the process's database ready. The embedded database migrates itself (one process owns its
 * folder); PostgreSQL is migrated by `npm run db:migrate` before the portal starts, so here it is only
 * checked.
 */
export function ensureDatabaseReady(): Promise<string[]> {
  globalForDb.keycardMigrated ??= (async () => {
    const db = database();
    if (db.kind === "embedded") return db.migrate();
    const { pending } = await migrationState(db.prisma);
    if (pending.length) {
      throw new Error(`Database not migrated: ${pending.length} migration(s) pending (${pending.join(", ")}); run npm run db:migrate`);
    }
    return [];
  })();
  return globalForDb.keycardMigrated;
}

/** Applied migrations (from `_prisma_migrations`) against the migration folders shipped with this build. */
export async function migrationState(prisma: DbOrTx): Promise<{ applied: string[]; pending: string[] }> {
  const [files, rows] = await Promise.all([
    readMigrations(defaultMigrationsDir()),
    prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`.catch((error: unknown) => {
      // A database that was never migrated has no history table: everything is pending.
      if (/_prisma_migrations.*does not exist|relation .* does not exist|TableDoesNotExist/i.test(String((error as Error).message))) return [];
      throw error;
    }),
  ]);
  const applied = rows.map((row) => row.migration_name);
  const done = new Set(applied);
  return { applied, pending: files.map((file) => file.name).filter((name) => !done.has(name)) };
}

/** Lets tests and scripts point the process at their own database. */
export function setDatabaseForProcess(db: Database): void {
  globalForDb.keycardDatabase = db;
  globalForDb.keycardMigrated = Promise.resolve([]);
}

/** Shorthand for the process's Prisma client. */
export function db(): Db {
  return database().prisma;
}
