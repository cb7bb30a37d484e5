import path from "node:path";
import { pathToFileURL } from "node:url";
import { diffMigrationsToSchema } from "./schema-engine";

/**
 * `npm run db:check`: fails when prisma/schema.prisma and prisma/migrations disagree, i.e. someone
 * changed the schema without `npm run db:migration -- <name>` (or edited a migration by hand). Functions
 * and triggers are outside Prisma's model, so hand-written ones (the ledger guard) do not count as drift.
 */

export interface CheckMigrationsOptions {
  /** Defaults to `prisma/migrations` under the current working directory. */
  migrationsDir?: string;
  /** Defaults to `prisma/schema.prisma` under the current working directory. */
  schemaPath?: string;
}

export type CheckMigrationsResult = { ok: true } | { ok: false; missingSql: string };

export async function checkMigrations(options: CheckMigrationsOptions = {}): Promise<CheckMigrationsResult> {
  const missingSql = await diffMigrationsToSchema({
    migrationsDir: options.migrationsDir ?? path.resolve("prisma", "migrations"),
    schemaPath: options.schemaPath ?? path.resolve("prisma", "schema.prisma"),
  });
  return missingSql === "" ? { ok: true } : { ok: false, missingSql };
}

async function main(): Promise<number> {
  const result = await checkMigrations();
  if (result.ok) {
    console.log("db:check OK: prisma/migrations matches prisma/schema.prisma");
    return 0;
  }
  console.error("db:check FAILED: prisma/schema.prisma has changes that no migration contains.");
  console.error("Create one with `npm run db:migration -- <name>`. The missing SQL:\n");
  console.error(result.missingSql);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // process.exit: PGlite leaves a timer that would keep the process alive for ~10 s.
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`db:check: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
