import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkMigrations } from "./check-migrations";

const projectRoot = path.resolve(import.meta.dirname, "../..");
const realSchemaPath = path.join(projectRoot, "prisma", "schema.prisma");
const realMigrationsDir = path.join(projectRoot, "prisma", "migrations");

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "keycard-check-"));
  tempDirs.push(dir);
  return dir;
}

/** A copy of the real schema, changed by `edit`. */
async function editedSchema(edit: (schema: string) => string): Promise<string> {
  const original = await fs.readFile(realSchemaPath, "utf8");
  const changed = edit(original);
  expect(changed).not.toBe(original);
  const schemaPath = path.join(await tempDir(), "schema.prisma");
  await fs.writeFile(schemaPath, changed);
  return schemaPath;
}

describe("db:check (schema.prisma against prisma/migrations)", () => {
  it("passes on the project's schema and migrations, hand-written ledger trigger included", async () => {
    await expect(checkMigrations({ schemaPath: realSchemaPath, migrationsDir: realMigrationsDir })).resolves.toEqual({ ok: true });
  });

  it("fails on a schema with a model no migration creates, printing the missing SQL", async () => {
    const schemaPath = await editedSchema((schema) => `${schema}\nmodel DriftCheckExtra {\n  id   Int    @id\n  note String\n}\n`);
    const result = await checkMigrations({ schemaPath, migrationsDir: realMigrationsDir });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.missingSql).toContain(`CREATE TABLE "DriftCheckExtra"`);
  });

  it("fails on a schema with a column no migration adds", async () => {
    const schemaPath = await editedSchema((schema) =>
      schema.replace(/^model Identity \{\n/m, "model Identity {\n  driftCheckNickname String?\n"),
    );
    const result = await checkMigrations({ schemaPath, migrationsDir: realMigrationsDir });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.missingSql).toMatch(/ALTER TABLE "Identity" ADD COLUMN\s+"driftCheckNickname" TEXT/);
  });

  it("reports a migration that does not apply cleanly, naming it", async () => {
    const migrationsDir = await tempDir();
    await fs.cp(realMigrationsDir, migrationsDir, { recursive: true });
    await fs.mkdir(path.join(migrationsDir, "29990101000000_broken"));
    await fs.writeFile(path.join(migrationsDir, "29990101000000_broken", "migration.sql"), `ALTER TABLE "NoSuchTable" ADD COLUMN x int;`);
    await expect(checkMigrations({ schemaPath: realSchemaPath, migrationsDir })).rejects.toThrow(
      /Migration `29990101000000_broken` failed to apply cleanly to the shadow database/,
    );
  });
});
