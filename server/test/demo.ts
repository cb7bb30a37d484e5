import { afterAll, beforeAll } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * A test file's database with the demo organisation: created before its tests, destroyed after. `person`
 * is an identity as it was seeded, by name.
 */
export function withDemoOrganisation(): { readonly db: Db; person(name: string): IdentityActor } {
  let database: TestDatabase | undefined;
  let people: Record<string, IdentityActor> = {};
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma, { demoTargetPort: 1 });
    people = Object.fromEntries((await database.prisma.identity.findMany()).map((i) => [i.name, toActor(i)]));
  });
  afterAll(async () => {
    await database?.destroy();
  });
  return {
    get db() {
      if (!database) throw new Error("the demo database exists only inside tests");
      return database.prisma;
    },
    person(name) {
      const actor = people[name];
      if (!actor) throw new Error(`no demo identity named ${name}`);
      return actor;
    },
  };
}
