import { afterEach, describe, expect, it } from "vitest";
import { systemActor } from "@/server/actor";
import { appendLedgerEvent, verifyChain } from "@/server/ledger";
import { signCheckpoint } from "@/server/ledger/checkpoint";
import { ledgerSigningKey, trustedKeyIds } from "@/server/ledger/signing";
import { CHECKPOINT_TYPE, checkpointStatementText } from "@/server/ledger/statements";
import { generateKeyPairSync, sign } from "node:crypto";
import { asSuperuser, insertSyntheticEvents } from "@/server/ledger/testing";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";
import { getLedgerEvent } from "@/server/domain/ledger/queries";

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.destroy();
  database = undefined;
});

/** A fresh database with a 300-event chain (tampering is destructive, so each test gets its own). */
async function chain(count = 300) {
  database = await createTestDatabase();
  await insertSyntheticEvents(database.prisma, { count, from: new Date("2026-01-01"), until: new Date("2026-01-05") });
  return database.prisma;
}

const T = `"LedgerEvent"`;

describe("ledger verification", () => {
  it("passes an intact chain and counts every event", async () => {
    const db = await chain();
    const result = await verifyChain(db, { trustedKeyIds: trustedKeyIds() });
    expect(result).toMatchObject({ ok: true, events: 300, headSeq: 300n });
  });

  it("verifies a ledger of format 1 events continued in formats 2 and 3, and finds tampering in each", async () => {
    database = await createTestDatabase();
    const db = database.prisma;
    await insertSyntheticEvents(db, { count: 100, from: new Date("2026-01-01"), until: new Date("2026-01-02"), format: 1 });
    await insertSyntheticEvents(db, { count: 100, from: new Date("2026-01-02"), until: new Date("2026-01-03"), seed: 2, format: 2 });
    await insertSyntheticEvents(db, { count: 100, from: new Date("2026-01-03"), until: new Date("2026-01-04"), seed: 3 });
    await db.$transaction((tx) => appendLedgerEvent(tx, { action: "system/demo.seeded", actor: systemActor("test"), subject: { type: "test" }, summary: "appended now" }));
    const formats = await db.$queryRawUnsafe<{ format: number; n: number }[]>(`SELECT format, count(*)::int AS n FROM ${T} GROUP BY format ORDER BY format`);
    expect(formats).toEqual([{ format: 1, n: 100 }, { format: 2, n: 100 }, { format: 3, n: 101 }]);
    expect(await verifyChain(db)).toMatchObject({ ok: true, events: 301 });
    await asSuperuser(db, `UPDATE ${T} SET summary = summary || '!' WHERE seq IN (90, 170, 260)`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, brokenAtSeq: 90n, problem: "modified" });
    expect(await verifyChain(db, { fromSeq: 100n })).toMatchObject({ ok: false, brokenAtSeq: 170n, problem: "modified" });
    expect(await verifyChain(db, { fromSeq: 200n })).toMatchObject({ ok: false, brokenAtSeq: 260n, problem: "modified" });
  });

  it("finds an event whose format was changed, even to one that does not exist", async () => {
    const db = await chain();
    for (const format of [1, 2]) {
      await asSuperuser(db, `UPDATE ${T} SET format = ${format} WHERE seq = 60`);
      expect(await verifyChain(db)).toMatchObject({ ok: false, brokenAtSeq: 60n, problem: "modified" });
    }
    await asSuperuser(db, `UPDATE ${T} SET format = 3 WHERE seq = 60`, `ALTER TABLE ${T} DROP CONSTRAINT "LedgerEvent_format_check"`, `UPDATE ${T} SET format = 7 WHERE seq = 61`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, brokenAtSeq: 61n, problem: "modified" });
    // The event's page says so too, instead of failing on a format it cannot hash.
    const auditor = await createPerson(db, ["AUDITOR"], "Ada Auditor");
    const detail = await getLedgerEvent({ seq: "61" }, { actor: auditor, db });
    expect(detail.event.format).toBe(7);
    expect(detail.integrity.hashMatches).toBe(false);
  });

  it("verifies a range that starts in the middle of the chain", async () => {
    const db = await chain();
    expect(await verifyChain(db, { fromSeq: 120n, untilSeq: 250n })).toMatchObject({ ok: true, events: 131 });
  });

  it("finds a modified event and says it was altered", async () => {
    const db = await chain();
    await asSuperuser(db, `UPDATE ${T} SET summary = summary || ' (edited)' WHERE seq = 137`);
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 137n, problem: "modified", events: 136 });
  });

  it("finds a modified data field (a justification) as well", async () => {
    const db = await chain();
    await asSuperuser(db, `UPDATE ${T} SET data = jsonb_set(data::jsonb, '{tampered}', '"yes"')::json WHERE seq = 42`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, brokenAtSeq: 42n, problem: "modified" });
  });

  it("finds an event that was altered and re-hashed by the event after it", async () => {
    const db = await chain();
    await asSuperuser(db, `UPDATE ${T} SET hash = repeat('a', 64), summary = 'rewritten' WHERE seq = 80`);
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 80n });
  });

  it("finds a deleted event", async () => {
    const db = await chain();
    await asSuperuser(db, `DELETE FROM ${T} WHERE seq = 200`);
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 200n, problem: "missing" });
    if (!result.ok) expect(result.detail).toContain("#200");
  });

  it("finds a deleted event even when the later ones were renumbered to close the gap", async () => {
    const db = await chain();
    await asSuperuser(
      db,
      `DELETE FROM ${T} WHERE seq = 150`,
      `UPDATE ${T} SET seq = seq + 1000000 WHERE seq > 150`,
      `UPDATE ${T} SET seq = seq - 1000001 WHERE seq > 1000000`,
    );
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 150n, problem: "missing" });
  });

  it("finds a deleted head, that is events missing at the end of the range", async () => {
    const db = await chain();
    await asSuperuser(db, `DELETE FROM ${T} WHERE seq = 250`);
    const result = await verifyChain(db, { untilSeq: 300n });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 250n, problem: "missing" });
  });

  it("finds an inserted event and locates it", async () => {
    const db = await chain();
    // Make room at #100 and insert a forged event whose own hash and link to #99 are correct.
    await asSuperuser(db, `UPDATE ${T} SET seq = seq + 1000000 WHERE seq >= 100`, `UPDATE ${T} SET seq = seq - 1000000 + 1 WHERE seq >= 1000000`);
    const { computeEventHash } = await import("@/server/ledger/hash");
    const previous = await db.ledgerEvent.findUniqueOrThrow({ where: { seq: 99n } });
    const forged = {
      format: 3,
      seq: 100n,
      id: "0192f000-0000-7000-8000-000000000100",
      occurredAt: previous.occurredAt,
      action: "access/grant.activated",
      outcome: "success",
      actorType: "system",
      actorId: "provisioner",
      actorLabel: "system:provisioner",
      subjectType: "grant",
      subjectId: null,
      resourceId: null,
      requestId: null,
      grantId: null,
      summary: "admin on payments for mallory",
      data: {},
      prevHash: previous.hash,
    };
    await db.ledgerEvent.create({ data: { ...forged, hash: computeEventHash(forged) } });
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 100n, problem: "inserted" });
  });

  it("finds reordered events", async () => {
    const db = await chain();
    await asSuperuser(
      db,
      `UPDATE ${T} SET seq = -1 WHERE seq = 60`,
      `UPDATE ${T} SET seq = 60 WHERE seq = 61`,
      `UPDATE ${T} SET seq = 61 WHERE seq = -1`,
    );
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 60n, problem: "reordered" });
    if (!result.ok) expect(result.detail).toContain("written as #61");
  });

  it("finds an event dated before the one before it", async () => {
    const db = await chain();
    await asSuperuser(db, `UPDATE ${T} SET "occurredAt" = '2020-01-01' WHERE seq = 90`);
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 90n });
  });

  it("accepts a signed checkpoint and reports it", async () => {
    const db = await chain(50);
    const checkpoint = await signCheckpoint(db);
    const result = await verifyChain(db, { trustedKeyIds: trustedKeyIds() });
    expect(result).toMatchObject({ ok: true, checkpoints: 1, lastCheckpoint: { seq: checkpoint.seq, headSeq: 50n } });
  });

  it("rejects a checkpoint with a wrong signature", async () => {
    const db = await chain(50);
    const key = ledgerSigningKey();
    const statement = { type: CHECKPOINT_TYPE as typeof CHECKPOINT_TYPE, v: 1 as const, headSeq: "50", headHash: (await db.ledgerEvent.findUniqueOrThrow({ where: { seq: 50n } })).hash, signedAt: new Date().toISOString(), keyId: key.keyId };
    const otherKey = generateKeyPairSync("ed25519").privateKey;
    const forgedSignature = sign(null, Buffer.from(checkpointStatementText(statement)), otherKey).toString("base64");
    await database!.prisma.$transaction((tx) =>
      appendLedgerEvent(tx, {
        action: "ledger/checkpoint.signed",
        actor: systemActor("test"),
        subject: { type: "ledger", id: "50" },
        summary: "Checkpoint with a signature from another key",
        data: { statement, signature: forgedSignature, publicKey: key.publicKeyBase64 },
      }),
    );
    const result = await verifyChain(db, { trustedKeyIds: trustedKeyIds() });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 51n, problem: "bad_checkpoint" });
    if (!result.ok) expect(result.detail).toMatch(/signature/);
  });

  it("rejects a checkpoint signed by a key it does not trust", async () => {
    const db = await chain(20);
    await signCheckpoint(db);
    const result = await verifyChain(db, { trustedKeyIds: new Set(["0000000000000000"]) });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 21n, problem: "bad_checkpoint" });
  });

  it("rejects a chain rewritten after a checkpoint, even with every hash recomputed", async () => {
    const db = await chain(30);
    await signCheckpoint(db);
    // Rewrite #10 and re-hash the whole chain after it, checkpoint included: only the signature can tell.
    const { computeEventHash } = await import("@/server/ledger/hash");
    const rows = await db.ledgerEvent.findMany({ orderBy: { seq: "asc" } });
    let prevHash = rows[8]!.hash;
    const statements: string[] = [];
    for (const row of rows.slice(9)) {
      const summary = row.seq === 10n ? "rewritten history" : row.summary;
      const hash = computeEventHash({ ...row, summary, prevHash, data: row.data as never });
      statements.push(`UPDATE ${T} SET summary = '${summary.replaceAll("'", "''")}', "prevHash" = '${prevHash}', hash = '${hash}' WHERE seq = ${row.seq}`);
      prevHash = hash;
    }
    await asSuperuser(db, ...statements);
    const result = await verifyChain(db, { trustedKeyIds: trustedKeyIds() });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: 31n, problem: "bad_checkpoint" });
  });

  it("keeps verifying after old events were archived out of the table, anchored to the archive's last hash", async () => {
    const db = await chain();
    const anchor = (await db.ledgerEvent.findUniqueOrThrow({ where: { seq: 100n } })).hash;
    await asSuperuser(db, `DELETE FROM ${T} WHERE seq <= 100`);
    expect(await verifyChain(db, { fromSeq: 101n, anchorHash: anchor })).toMatchObject({ ok: true, events: 200 });
    expect(await verifyChain(db, { fromSeq: 101n, anchorHash: "f".repeat(64) })).toMatchObject({ ok: false, brokenAtSeq: 101n });
    expect(await verifyChain(db, { fromSeq: 101n })).toMatchObject({ ok: false, problem: "missing" });
  });

  it("checks every link across the boundaries of the chunks it walks in parallel", async () => {
    const db = await chain();
    expect(await verifyChain(db, { chunkSize: 7 })).toMatchObject({ ok: true, events: 300 });
    // #15 opens a chunk (8–14, 15–21): its link to #14 is checked by its own chunk, its content too.
    await asSuperuser(db, `UPDATE ${T} SET summary = 'edited' WHERE seq = 15`, `DELETE FROM ${T} WHERE seq = 70`);
    expect(await verifyChain(db, { chunkSize: 7 })).toMatchObject({ ok: false, brokenAtSeq: 15n, problem: "modified" });
    expect(await verifyChain(db, { chunkSize: 7, fromSeq: 16n })).toMatchObject({ ok: false, brokenAtSeq: 70n, problem: "missing" });
  });

  it("verifies rows whose data text is not canonical (written before the ledger kept it verbatim), and still finds tampering among them", async () => {
    const db = await chain(80);
    // jsonb's text (spaces, its own key order) as rows migrated from a jsonb column may hold.
    await asSuperuser(db, `UPDATE ${T} SET data = (data::jsonb)::json WHERE seq BETWEEN 10 AND 60`);
    const changed = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${T} WHERE data::text LIKE '%": %'`);
    expect(changed[0]!.n).toBeGreaterThan(10);
    expect(await verifyChain(db, { chunkSize: 16 })).toMatchObject({ ok: true, events: 80 });
    await asSuperuser(db, `UPDATE ${T} SET data = jsonb_set(data::jsonb, '{tampered}', '"yes"')::json WHERE seq = 33`);
    expect(await verifyChain(db, { chunkSize: 16 })).toMatchObject({ ok: false, brokenAtSeq: 33n, problem: "modified" });
  });

  it("verifies an empty ledger", async () => {
    database = await createTestDatabase();
    expect(await verifyChain(database.prisma)).toMatchObject({ ok: true, events: 0, headSeq: null });
  });
});
