import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { applyMigrations, pgExecutor } from "../../server/db/migrator";

/**
 * `npm run db:migrate`: applies pending migrations to the PostgreSQL database in DATABASE_URL (the
 * `prisma migrate deploy` of this project). The embedded database (PGlite) is migrated by the app itself
 * at startup, in the one process that owns its data folder.
 */

export interface MigrateTarget {
  connectionString: string;
  /** From Prisma's `?schema=` parameter; pg ignores it, so it becomes the session's search_path. */
  schema?: string;
}

/** Validates DATABASE_URL; the error is one line that says what to fix. */
export function parseDatabaseUrl(value: string | undefined): MigrateTarget {
  if (!value) {
    throw new Error("DATABASE_URL is not set; set it to postgresql://user:password@host:5432/database");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("DATABASE_URL is malformed; expected postgresql://user:password@host:5432/database");
  }
  if ((url.protocol !== "postgresql:" && url.protocol !== "postgres:") || !url.hostname) {
    throw new Error("DATABASE_URL must be a postgresql://user:password@host:5432/database URL");
  }
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), schema };
}

async function main(): Promise<void> {
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  const client = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: 15_000 });
  await client.connect();
  try {
    if (target.schema) {
      // Prisma Migrate creates the schema named in the URL when it is missing, and works inside it.
      const quoted = `"${target.schema.replaceAll('"', '""')}"`;
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted}`);
    }
    const { applied } = await applyMigrations(pgExecutor(client), { log: (message) => console.log(message) });
    console.log(
      applied.length === 0
        ? "db:migrate: database is up to date; nothing applied"
        : `db:migrate: applied ${applied.length} migration(s): ${applied.join(", ")}`,
    );
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
