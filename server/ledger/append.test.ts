import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/server/actor";
import { appendLedgerEvent, verifyChain, GENESIS_HASH } from "@/server/ledger";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

const actor = systemActor("test");

function append(summary: string, data: Record<string, unknown> = {}) {
  return database.prisma.$transaction((tx) =>
    appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary, data: data as never }),
  );
}

describe("the ledger primitive", () => {
  it("chains each event to the previous one, starting from the genesis hash", async () => {
    const first = await append("first");
    const second = await append("second", { nested: { b: 2, a: [1, "x", null] } });
    const rows = await database.prisma.ledgerEvent.findMany({ where: { seq: { in: [first.seq, second.seq] } }, orderBy: { seq: "asc" } });
    expect(rows[0]?.prevHash).toBe(first.seq === 1n ? GENESIS_HASH : expect.any(String));
    expect(rows[1]?.prevHash).toBe(first.hash);
    expect(second.seq).toBe(first.seq + 1n);
    expect((await verifyChain(database.prisma)).ok).toBe(true);
  });

  it("stays totally ordered and unbroken under 50 concurrent appends", async () => {
    const before = await database.prisma.ledgerEvent.count();
    await Promise.all(Array.from({ length: 50 }, (_, i) => append(`concurrent ${i}`, { i })));
    const rows = await database.prisma.ledgerEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows).toHaveLength(before + 50);
    rows.forEach((row, index) => {
      expect(row.seq).toBe(BigInt(index + 1));
      if (index > 0) {
        expect(row.prevHash).toBe(rows[index - 1]!.hash);
        expect(row.occurredAt.getTime()).toBeGreaterThanOrEqual(rows[index - 1]!.occurredAt.getTime());
      }
    });
    const verification = await verifyChain(database.prisma);
    expect(verification).toMatchObject({ ok: true, events: before + 50 });
  });

  it("rolls back with the change it records", async () => {
    const before = await database.prisma.ledgerEvent.count();
    await expect(
      database.prisma.$transaction(async (tx) => {
        await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "doomed" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await database.prisma.ledgerEvent.count()).toBe(before);
  });

  it("refuses to append outside a transaction", async () => {
    await expect(
      appendLedgerEvent(database.prisma as never, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "loose" }),
    ).rejects.toThrow(/inside the transaction/);
  });

  it("stores NUL-bearing text safely and still verifies", async () => {
    await append("nul \u0000 here", { text: "a\u0000b", rtl: "\u202Egnp.exe" });
    expect((await verifyChain(database.prisma)).ok).toBe(true);
  });

  it("cannot be updated, deleted or truncated, even with raw SQL", async () => {
    await append("immutable");
    await expect(database.prisma.$executeRawUnsafe(`UPDATE "LedgerEvent" SET summary = 'edited'`)).rejects.toThrow();
    await expect(database.prisma.$executeRawUnsafe(`DELETE FROM "LedgerEvent"`)).rejects.toThrow();
    await expect(database.prisma.$executeRawUnsafe(`TRUNCATE "LedgerEvent"`)).rejects.toThrow();
    expect((await verifyChain(database.prisma)).ok).toBe(true);
  });
});
