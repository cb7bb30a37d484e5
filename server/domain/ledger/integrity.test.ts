import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { getLedgerStatus, runLedgerCheckpoint, verifyLedgerNow } from "@/server/domain/ledger/integrity";
import { asSuperuser, insertSyntheticEvents } from "@/server/ledger/testing";
import { ledgerCheckpoint } from "@/server/jobs/functions/ledger-checkpoint";
import { createPerson } from "@/server/test/fixtures";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let auditor: IdentityActor;
const ctx = () => ({ actor: auditor, db: database.prisma });

beforeAll(async () => {
  database = await createTestDatabase();
  auditor = await createPerson(database.prisma, ["AUDITOR"]);
  await insertSyntheticEvents(database.prisma, { count: 120, from: new Date("2026-01-01"), until: new Date("2026-01-02") });
});
afterAll(async () => {
  await database.destroy();
});

describe("checkpoints and the ledger's status", () => {
  it("the hourly job verifies the whole chain first, then signs its head", async () => {
    const output = (await ledgerCheckpoint.run({ step: { run: (_id, fn) => fn(), sleepUntil: async () => undefined }, event: { name: "local/scheduled", data: {} }, runner: "local" })) as Record<string, unknown>;
    expect(output).toMatchObject({ signed: true, headSeq: "120", scope: "full" });
    const status = await getLedgerStatus(ctx());
    expect(status).toMatchObject({ lastCheckpoint: { seq: "121", headSeq: "120" }, lastVerified: { seq: "121", verification: { scope: "full", untilSeq: "120", events: 120 } }, broken: null });
    expect("base64" in status.publicKey && status.publicKey.base64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("signs nothing on an idle ledger, and verifies only what is new the next time", async () => {
    expect(await runLedgerCheckpoint(database.prisma)).toMatchObject({ signed: false });
    await insertSyntheticEvents(database.prisma, { count: 30, from: new Date("2026-01-03"), until: new Date("2026-01-04"), seed: 9 });
    expect(await runLedgerCheckpoint(database.prisma)).toMatchObject({ signed: true, scope: "incremental", verification: { events: 31, fromSeq: "121" } });
  });

  it("lets an auditor verify now, and records a broken chain instead of signing it", async () => {
    expect(await verifyLedgerNow(ctx())).toMatchObject({ ok: true, brokenAtSeq: null });
    await asSuperuser(database.prisma, `UPDATE "LedgerEvent" SET summary = 'rewritten' WHERE seq = 7`);
    expect(await verifyLedgerNow(ctx())).toMatchObject({ ok: false, brokenAtSeq: "7", problem: "modified" });
    expect((await getLedgerStatus(ctx())).broken?.summary).toMatch(/event #7 \(modified\)/);
    // The next full run (a day later) refuses to sign over the broken chain.
    expect(await runLedgerCheckpoint(database.prisma, new Date(Date.now() + 2 * 86_400_000))).toMatchObject({ signed: false, reason: "verification failed" });
  });
});
