import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { createMachineIdentity, setIdentityStatus } from "@/server/domain/identities/mutations";
import { createApiToken } from "@/server/domain/tokens/mutations";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";
import { createCaller } from "@/server/trpc/root";

let database: TestDatabase;
let admin: IdentityActor;
let owner: IdentityActor;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = await createPerson(database.prisma, ["REQUESTER", "ADMIN"], "Admin");
  owner = await createPerson(database.prisma, ["REQUESTER"], "Owner");
});
afterAll(async () => {
  await database.destroy();
});

const state = async () => ({ identities: await database.prisma.identity.count(), events: await database.prisma.ledgerEvent.count() });

describe("machine identities", () => {
  it("an admin creates one with an owner; it only requests, is ledgered, and can be given a token", async () => {
    const db = database.prisma;
    const machine = await createMachineIdentity({ name: "nightly-billing-export", ownerId: owner.id, purpose: "Exports invoices every night" }, { actor: admin, db });
    const row = await db.identity.findUniqueOrThrow({ where: { id: machine.id } });
    expect(row).toMatchObject({ kind: "MACHINE", ownerId: owner.id, roles: ["REQUESTER"], status: "ACTIVE", title: "Exports invoices every night", email: null });
    const event = await db.ledgerEvent.findFirstOrThrow({ where: { action: "identity/identity.created", subjectId: machine.id } });
    expect(event).toMatchObject({ actorId: admin.id, summary: `Machine identity nightly-billing-export created, owned by ${owner.name}: Exports invoices every night` });
    const token = await createApiToken({ identityId: machine.id, name: "export job", scopes: ["requests:write"], expiresInDays: 7 }, { actor: admin, db });
    expect(token.secret).toMatch(/^kc_/);
  });

  it.each([
    ["a name with capitals and spaces", { name: "Billing Export" }, "BAD_REQUEST"],
    ["a name of two characters", { name: "ab" }, "BAD_REQUEST"],
    ["no purpose", { purpose: "" }, "BAD_REQUEST"],
    ["an unknown owner", { ownerId: "00000000-0000-4000-8000-000000000000" }, "NOT_FOUND"],
    ["fields the client must not set", { roles: ["ADMIN"] }, "BAD_REQUEST"],
  ])("refuses %s and changes nothing", async (_name, change, code) => {
    const before = await state();
    const input = { name: `svc-${Math.random().toString(16).slice(2, 8)}`, ownerId: owner.id, purpose: "Moves files around", ...change };
    await expect(createCaller({ actor: admin, db: database.prisma }).identities.createMachine(input as never)).rejects.toMatchObject({ code });
    expect(await state()).toEqual(before);
  });

  it("refuses a machine as owner, a disabled owner, a duplicate name (any case), and people who are not admins", async () => {
    const db = database.prisma;
    const ctx = { actor: admin, db };
    const first = await createMachineIdentity({ name: "report-bot", ownerId: owner.id, purpose: "Sends the weekly report" }, ctx);
    const before = await state();
    await expect(createMachineIdentity({ name: "bot-of-a-bot", ownerId: first.id, purpose: "Nested" }, ctx)).rejects.toMatchObject({ code: "NOT_FOUND", message: "The owner must be a person." });
    await expect(createMachineIdentity({ name: "report-bot", ownerId: owner.id, purpose: "Again" }, ctx)).rejects.toMatchObject({ code: "CONFLICT" });
    const leaver = await createPerson(db, ["REQUESTER"], "Leaver");
    await setIdentityStatus({ identityId: leaver.id, status: "DISABLED", reason: "left the company" }, ctx);
    const afterDisable = await state();
    await expect(createMachineIdentity({ name: "orphan-bot", ownerId: leaver.id, purpose: "Nobody answers" }, ctx)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(createMachineIdentity({ name: "my-bot", ownerId: owner.id, purpose: "Mine" }, { actor: owner, db })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await state()).toEqual(afterDisable);
    expect(afterDisable.identities).toBe(before.identities + 1);
  });

  it("two admins creating the same name at the same moment make one machine; the other is told it exists", async () => {
    const db = database.prisma;
    const before = await state();
    const results = await Promise.allSettled(
      ["deploy-bot", "Deploy-Bot", "DEPLOY-BOT"].map((name) => createMachineIdentity({ name: name.toLowerCase(), ownerId: owner.id, purpose: "Deploys" }, { actor: admin, db })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) expect(r.reason).toMatchObject({ code: "CONFLICT", message: 'A machine identity named "deploy-bot" already exists.' });
    expect(await state()).toEqual({ identities: before.identities + 1, events: before.events + 1 });
  });
});
