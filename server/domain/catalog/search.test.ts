import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let people: Record<string, IdentityActor>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  const identities = await database.prisma.identity.findMany({ where: { kind: "HUMAN" } });
  people = Object.fromEntries(identities.map((i) => [i.name, toActor(i)]));
});
afterAll(async () => {
  await database.destroy();
});

function as(name: string) {
  return createCaller({ actor: people[name]!, db: database.prisma });
}

/** Search boxes take text as data: LIKE's wildcards and escape are characters like any other. */
describe("catalog and people search", () => {
  it("finds resources by a substring in any case, and treats % _ \\ and NUL as characters", async () => {
    const caller = as("Fatima Khan");
    const all = await caller.resources.list({});
    expect(all.length).toBeGreaterThan(3);
    const orders = await caller.resources.list({ q: "ORDERS" });
    expect(orders.length).toBeGreaterThan(0);
    for (const resource of orders) expect(`${resource.name} ${resource.slug} ${resource.description ?? ""} ${resource.owner ?? ""} ${resource.tags.join(" ")}`.toLowerCase()).toMatch(/orders/);
    for (const q of ["%", "_", "\\", "%%", "o%s", "\u0000"]) expect(await caller.resources.list({ q }), JSON.stringify(q)).toEqual([]);
  });

  it("finds people by name or e-mail substring, and treats % and _ as characters", async () => {
    const caller = as("Priya Raman");
    expect((await caller.identities.list({ q: "johansson" })).map((p) => p.name)).toContain("Mia Johansson");
    for (const q of ["%", "_", "\\", "M_a", "\u0000"]) expect(await caller.identities.list({ q }), JSON.stringify(q)).toEqual([]);
  });
});
