import { promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { diffMigrationsToSchema, MIGRATION_LOCK_TOML } from "./schema-engine";

/**
 * `npm run db:migration -- <name>`: what `prisma migrate dev --create-only --name <name>` does, without
 * the native engine and without touching any database: writes
 * `prisma/migrations/<UTC YYYYMMDDHHMMSS>_<name>/migration.sql` with the SQL from the last migration to
 * prisma/schema.prisma. Review the file (append hand-written SQL if needed), then `npm run db:migrate`.
 */

/** Prisma's CLI slugifies the name the same way (lower case, `_` separators, at most 200 characters). */
export function migrationSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
}

/** The timestamp prefix Prisma uses: UTC, `%Y%m%d%H%M%S`. */
export function migrationTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

async function main(): Promise<number> {
  const rawName = process.argv.slice(2).join(" ");
  const name = migrationSlug(rawName);
  if (!name) {
    console.error("usage: npm run db:migration -- <name>   (e.g. add_grant_notes)");
    return 2;
  }
  const migrationsDir = path.resolve("prisma", "migrations");
  const sql = await diffMigrationsToSchema({ migrationsDir, schemaPath: path.resolve("prisma", "schema.prisma") });
  if (sql === "") {
    console.log("schema and migrations agree; nothing to do");
    return 0;
  }

  const folder = `${migrationTimestamp(new Date())}_${name}`;
  const existing = await fs.readdir(migrationsDir).catch(() => [] as string[]);
  const latest = existing.filter((entry) => /^\d{14}_/.test(entry)).sort().at(-1);
  if (latest && latest >= folder) {
    // Migrations apply in name order; a new one sorting before an existing one would apply out of order.
    console.error(`db:migration: ${folder} would sort before the existing ${latest}; check the system clock`);
    return 1;
  }
  await fs.mkdir(migrationsDir, { recursive: true });
  await fs.mkdir(path.join(migrationsDir, folder)); // not recursive: refuse to overwrite an existing folder
  await fs.writeFile(path.join(migrationsDir, folder, "migration.sql"), sql, "utf8");
  // Prisma rewrites the lockfile on every new migration; its content is fixed for PostgreSQL.
  await fs.writeFile(path.join(migrationsDir, "migration_lock.toml"), MIGRATION_LOCK_TOML, "utf8");

  console.log(`Created prisma/migrations/${folder}/migration.sql`);
  console.log("Review it (append hand-written SQL if Prisma cannot express it), then run npm run db:migrate.");
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // process.exit: PGlite leaves a timer that would keep the process alive for ~10 s.
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`db:migration: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
