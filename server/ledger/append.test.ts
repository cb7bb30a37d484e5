import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/server/actor";
import { appendLedgerEvent, verifyChain, GENESIS_HASH } from "@/server/ledger";
import { appendedEvent, type AppendedLedgerEvent } from "@/server/ledger/append";
import { fieldsHash, LEDGER_FORMAT, type EncodedEventFields } from "@/server/ledger/hash";
import { LEDGER_ROW_SELECT, normalizeRow, type LedgerRow } from "@/server/ledger/rows";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

const actor = systemActor("test");

/** Appends in a transaction of its own; the event's place in the chain once committed. */
async function append(summary: string, data: Record<string, unknown> = {}): Promise<AppendedLedgerEvent> {
  const { id } = await database.prisma.$transaction((tx) =>
    appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary, data: data as never }),
  );
  const appended = await appendedEvent(database.prisma, id);
  if (!appended) throw new Error(`event ${id} was not chained at commit`);
  return appended;
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

  it("chains when the transaction commits: nothing is pending after a commit or a rollback", async () => {
    const before = await database.prisma.ledgerEvent.count();
    const ids = await database.prisma.$transaction(async (tx) => {
      const first = await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "one of two" });
      const second = await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "two of two" });
      // Not in the chain yet: the commit puts them there.
      expect(await tx.ledgerEvent.count()).toBe(before);
      return [first.id, second.id];
    });
    const [first, second] = await Promise.all(ids.map((id) => appendedEvent(database.prisma, id)));
    // In the order they were appended, one after the other.
    expect(second!.seq).toBe(first!.seq + 1n);
    expect(await database.prisma.ledgerPending.count()).toBe(0);
    await database.prisma.$transaction(async (tx) => {
      await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "rolled back" });
      throw new Error("no");
    }).catch(() => undefined);
    expect(await database.prisma.ledgerPending.count()).toBe(0);
  });

  it("chains at once with chainNow, and returns the event's place", async () => {
    const appended = await database.prisma.$transaction(async (tx) => {
      const now = await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "now" }, { chainNow: true });
      expect(await tx.ledgerEvent.findUnique({ where: { seq: now.seq }, select: { id: true } })).toEqual({ id: now.id });
      return now;
    });
    expect(await appendedEvent(database.prisma, appended.id)).toEqual(appended);
  });

  it.runIf(testDatabaseKind === "postgres")("does not hold the chain while a transaction works between its append and its commit", async () => {
    let releaseSlow: () => void = () => undefined;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowAppended: () => void = () => undefined;
    const slowHasAppended = new Promise<void>((resolve) => (slowAppended = resolve));
    const slow = database.prisma.$transaction(async (tx) => {
      const pending = await appendLedgerEvent(tx, { action: "system/demo.seeded", actor, subject: { type: "test" }, summary: "slow" });
      slowAppended();
      await slowMayCommit;
      return pending.id;
    });
    await slowHasAppended;
    // Another transaction appends and commits while the slow one is still open: it does not wait for it.
    const quick = await append("quick");
    releaseSlow();
    const late = (await appendedEvent(database.prisma, await slow))!;
    // The chain follows commit order.
    expect(late.seq).toBe(quick.seq + 1n);
    expect(late.occurredAt.getTime()).toBeGreaterThanOrEqual(quick.occurredAt.getTime());
    expect((await verifyChain(database.prisma)).ok).toBe(true);
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

  it("hashes format 3 in the database exactly as Node does at the edges: times before 2000, the largest seq, every id present or not", async () => {
    const uuid = (n: number) => `0192f000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
    const base: EncodedEventFields = {
      format: "3", seq: "1", id: uuid(1), occurredAt: "2026-12-07T22:00:00.000Z", action: "system/demo.seeded", outcome: "success",
      actorType: "system", actorId: null, actorLabel: "système 😀", subjectType: "test", subjectId: "", resourceId: null, requestId: null,
      grantId: null, summary: "line\none", dataJson: '{"a":"\\u0000"}', prevHash: GENESIS_HASH,
    };
    const cases: EncodedEventFields[] = [
      base,
      { ...base, seq: (2n ** 63n - 1n).toString(), occurredAt: "1969-12-31T23:59:59.961Z", resourceId: uuid(2), requestId: uuid(3), grantId: uuid(4) },
      { ...base, seq: "0", occurredAt: "1999-12-31T23:59:59.999Z", actorId: "", subjectId: null, id: "ffffffff-ffff-ffff-ffff-ffffffffffff" },
      { ...base, occurredAt: "0001-01-01T00:00:00.000Z", resourceId: "00000000-0000-0000-0000-000000000000", summary: "\ufeff".repeat(3) + "x".repeat(70_000) },
    ];
    for (const e of cases) {
      const [row] = await database.prisma.$queryRawUnsafe<{ hash: string }[]>(
        `SELECT keycard_ledger_hash_v3($1::bigint, $2::uuid, $3::timestamptz AT TIME ZONE 'UTC', $4, $5, $6, $7, $8, $9, $10, $11::uuid, $12::uuid, $13::uuid, $14, $15, $16) AS hash`,
        e.seq, e.id, e.occurredAt, e.action, e.outcome, e.actorType, e.actorId, e.actorLabel, e.subjectType, e.subjectId,
        e.resourceId, e.requestId, e.grantId, e.summary, e.dataJson, e.prevHash,
      );
      expect(row!.hash, JSON.stringify({ ...e, summary: e.summary.slice(0, 20) })).toBe(fieldsHash(e));
    }
  });

  it("hashes in the database exactly as Node encodes, in every format (any text, any JSON)", async () => {
    // The database computes each hash (keycard_ledger_hash_v3 for new events, v2 and keycard_ledger_encoding
    // for older formats); Node re-hashes for offline checks and older rows. Both must produce the same bytes for
    // whatever people type, null or not.
    const text = fc.string({ unit: "binary", maxLength: 40 });
    const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 3 }),
      object: fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    })).value;
    await fc.assert(
      fc.asyncProperty(text, text, fc.option(text, { nil: undefined }), fc.dictionary(text, json, { maxKeys: 5 }), async (summary, label, subjectId, data) => {
        const { id } = await database.prisma.$transaction((tx) =>
          appendLedgerEvent(tx, { action: "system/demo.seeded", actor: systemActor(label || "job"), subject: { type: "test", id: subjectId }, summary, data: data as never }),
        );
        const appended = (await appendedEvent(database.prisma, id))!;
        const hashIn = (format: number) => `keycard_ledger_event_hash(${format}::smallint, seq, id, "occurredAt", action, outcome, "actorType",
          "actorId", "actorLabel", "subjectType", "subjectId", "resourceId", "requestId", "grantId", summary, data::text, "prevHash")`;
        const [row] = await database.prisma.$queryRawUnsafe<(LedgerRow & { v1: string; v2: string })[]>(
          `SELECT ${LEDGER_ROW_SELECT}, ${hashIn(1)} AS v1, ${hashIn(2)} AS v2 FROM "LedgerEvent" WHERE seq = $1::bigint`,
          appended.seq.toString(),
        );
        const stored = normalizeRow(row!);
        expect(stored.format).toBe(String(LEDGER_FORMAT));
        expect(fieldsHash(stored)).toBe(appended.hash);
        expect(fieldsHash({ ...stored, format: "1" })).toBe(row!.v1);
        expect(fieldsHash({ ...stored, format: "2" })).toBe(row!.v2);
      }),
      { numRuns: 60 },
    );
    expect((await verifyChain(database.prisma)).ok).toBe(true);
  });
});
