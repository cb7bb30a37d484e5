import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findActiveActor } from "@/server/domain/identities/queries";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

describe("authorization through tRPC", () => {
  it("a non-admin calling an admin procedure gets FORBIDDEN", async () => {
    for (const roles of [["REQUESTER"], ["REQUESTER", "APPROVER"], ["REQUESTER", "AUDITOR"]] as const) {
      const actor = await createPerson(database.prisma, [...roles]);
      const caller = createCaller({ actor, db: database.prisma });
      await expect(caller.system.status()).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });

  it("an admin sees the system status", async () => {
    const admin = await createPerson(database.prisma, ["REQUESTER", "ADMIN"]);
    const status = await createCaller({ actor: admin, db: database.prisma }).system.status();
    expect(status.database.migrations.pending).toEqual([]);
    expect(status.scheduler.functions.map((f) => f.id)).toContain("scheduler-heartbeat");
  });

  it("an anonymous caller gets UNAUTHORIZED", async () => {
    const caller = createCaller({ actor: null, db: database.prisma });
    await expect(caller.me.get()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(caller.access.mine()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a requester cannot read the ledger or reports", async () => {
    const actor = await createPerson(database.prisma, ["REQUESTER"]);
    const caller = createCaller({ actor, db: database.prisma });
    await expect(caller.ledger.recent()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.reports.metrics()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("a disabled identity is refused on its next request, though its session is still valid", async () => {
    const person = await createPerson(database.prisma, ["REQUESTER", "ADMIN"]);
    expect(await findActiveActor(database.prisma, person.id)).not.toBeNull();
    await database.prisma.identity.update({ where: { id: person.id }, data: { status: "DISABLED", disabledAt: new Date() } });
    // The request context resolves the session's identity fresh, as server/auth/session.ts does.
    const actor = await findActiveActor(database.prisma, person.id);
    expect(actor).toBeNull();
    await expect(createCaller({ actor, db: database.prisma }).system.status()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a session naming no identity, or garbage, resolves to nobody", async () => {
    expect(await findActiveActor(database.prisma, "00000000-0000-7000-8000-000000000000")).toBeNull();
    expect(await findActiveActor(database.prisma, "'; DROP TABLE \"Identity\"; --")).toBeNull();
  });
});
