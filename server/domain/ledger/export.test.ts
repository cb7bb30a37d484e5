import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { main as verifyExportCommand } from "@/scripts/ledger/verify-export";
import type { IdentityActor } from "@/server/actor";
import { getExportManifest, startLedgerExport, type LedgerExport } from "@/server/domain/ledger/export";
import type { LedgerExportInput } from "@/server/domain/ledger/schema";
import { appendLedgerEvent } from "@/server/ledger";
import { neutralizeCell, parseCsv, restoreCell } from "@/server/csv";
import type { ExportManifest } from "@/server/ledger/export/manifest";
import { CSV_COLUMNS, CSV_COLUMNS_BEFORE_FORMAT, fieldsFromCsv, fieldsFromJsonl } from "@/server/ledger/export/formats";
import { fieldsHash } from "@/server/ledger/hash";
import { verifyExport } from "@/server/ledger/export/offline-verify";
import { defaultOcsfSchemaDir, loadOcsfSchema, validateOcsfEvent } from "@/server/ledger/export/ocsf-schema";
import { rawPublicKey } from "@/server/ledger/signing";
import { insertSyntheticEvents } from "@/server/ledger/testing";
import { createPerson } from "@/server/test/fixtures";
import { postgresPoolOf } from "@/server/db";
import { copyFileInWorker } from "@/server/ledger/export/csv-copy";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let auditor: IdentityActor;
const ctx = () => ({ actor: auditor, db: database.prisma });
const injected = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTab", "\rCarriage", "'quote", "a,b \"c\"\nnext line"];

beforeAll(async () => {
  database = await createTestDatabase();
  auditor = await createPerson(database.prisma, ["AUDITOR"], "Alan Auditor");
  // History hashed in format 1 (before 2026-12-07), continued in formats 2 and 3: exports carry all three.
  await insertSyntheticEvents(database.prisma, { count: 300, from: new Date("2026-03-01"), until: new Date("2026-03-15"), seed: 5, format: 1 });
  await insertSyntheticEvents(database.prisma, { count: 150, from: new Date("2026-03-15"), until: new Date("2026-03-22"), seed: 6, format: 2 });
  await insertSyntheticEvents(database.prisma, { count: 150, from: new Date("2026-03-22"), until: new Date("2026-04-01"), seed: 7 });
  await database.prisma.$transaction(async (tx) => {
    for (const text of injected) {
      await appendLedgerEvent(tx, { action: "access/request.created", actor: auditor, subject: { type: "request", id: "" }, summary: text, data: { justification: text, n: 1.5 } });
    }
  });
});
afterAll(async () => {
  await database.destroy();
});

async function download(input: LedgerExportInput): Promise<{ started: LedgerExport; bytes: Buffer; manifest: ExportManifest }> {
  const started = await startLedgerExport(input, ctx());
  const chunks: Uint8Array[] = [];
  const reader = started.stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  const manifest = await started.finished;
  if (!manifest) throw new Error("export did not finish");
  return { started, bytes: Buffer.concat(chunks), manifest };
}

describe("ledger exports", () => {
  it("exports CSV that a spreadsheet cannot execute, with an optional byte order mark", async () => {
    const { bytes, manifest } = await download({ format: "csv", bom: true, action: ["access/request.created"] });
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = [...parseCsv(bytes.toString("utf8"))];
    expect(rows.length).toBeGreaterThan(injected.length);
    for (const row of rows.slice(1)) for (const cell of row) expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
    const summaries = rows.slice(1).map((row) => restoreCell(row[15]!));
    for (const text of injected) expect(summaries).toContain(text);
    expect(manifest.bom).toBe(true);
    expect((await verifyExport(bytes, manifest)).checks.filter((c) => !c.ok)).toEqual([]);
  });

  it.each(["csv", "jsonl", "ocsf"] as const)("exports %s with a signed manifest that verifies offline, and fails after a one-byte edit", async (format) => {
    const { bytes, manifest, started } = await download({ format });
    expect(manifest).toMatchObject({ format, exportId: started.exportId, chain: { firstSeq: "1", contiguous: true } });
    expect(manifest.rows).toBe(Number(manifest.chain.headSeq));
    expect(manifest.chain.lastSeq).toBe(manifest.chain.headSeq);
    const result = await verifyExport(bytes, manifest);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.rows).toBe(manifest.rows);
    if (format === "ocsf") {
      // Every format's encoding travels as raw_data and was re-hashed above.
      const formatOf = (raw: string) => (raw.startsWith("keycard-ledger/3 ") ? 3 : raw.startsWith("keycard-ledger/2\n") ? 2 : raw.startsWith("{") ? 1 : 0);
      const formats = new Set(bytes.toString("utf8").trimEnd().split("\n").map((line) => formatOf((JSON.parse(line) as { raw_data: string }).raw_data)));
      expect([...formats].sort()).toEqual([1, 2, 3]);
      // A line whose raw_data is JSON claiming format 3 (only format 1 is JSON) is refused as such, not thrown on.
      const lines = bytes.toString("utf8").trimEnd().split("\n");
      const first = JSON.parse(lines[0]!) as { raw_data: string; raw_data_hash: { value: string } };
      first.raw_data = JSON.stringify({ v: 3, seq: "1", id: [started.exportId], occurredAt: "2026-03-01T00:00:00.000Z", action: 5 });
      first.raw_data_hash.value = (await import("@/server/ledger/hash")).sha256Hex(first.raw_data);
      const forgedLine = await verifyExport(Buffer.from([JSON.stringify(first), ...lines.slice(1), ""].join("\n")), manifest);
      expect(forgedLine.checks.find((c) => c.name === "rows")?.detail).toMatch(/line 1: raw_data is not a ledger event encoding/);
    }

    // Flip one byte in the middle of the file.
    const edited = Buffer.from(bytes);
    const at = Math.floor(edited.length / 2);
    edited[at] = edited[at] === 0x41 ? 0x42 : 0x41;
    const broken = await verifyExport(edited, manifest);
    expect(broken.ok).toBe(false);
    expect(broken.checks.find((c) => c.name === "file")?.ok).toBe(false);

    // A manifest whose digest was recomputed to match the edit fails on its signature instead.
    const { createHash } = await import("node:crypto");
    const forged = { ...manifest, sha256: createHash("sha256").update(edited).digest("hex") };
    expect((await verifyExport(edited, forged)).checks.find((c) => c.name === "signature")?.ok).toBe(false);
  });

  it("the offline command verifies an export with its manifest, and fails it after a one-byte edit", async () => {
    const { bytes, manifest } = await download({ format: "csv" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keycard-export-"));
    const file = path.join(dir, manifest.file);
    fs.writeFileSync(file, bytes);
    fs.writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await verifyExportCommand([file, "--public-key", manifest.publicKey.base64])).toBe(0);
      const edited = Buffer.from(bytes);
      edited[edited.length - 10] = edited[edited.length - 10]! ^ 1;
      fs.writeFileSync(file, edited);
      expect(await verifyExportCommand([file])).toBe(1);
      expect(await verifyExportCommand([path.join(dir, "missing.csv")])).toBe(2);
    } finally {
      console.log = log;
    }
  });

  it("reads rows of exports made before events carried a format as format 1", async () => {
    const { bytes } = await download({ format: "csv", to: "2026-03-10" });
    const [header, first] = [...parseCsv(bytes.toString("utf8"))];
    expect(header).toEqual([...CSV_COLUMNS]);
    const row = fieldsFromCsv(header!, first!);
    expect(row.format).toBe("1");
    expect(fieldsHash(row)).toBe(row.hash);
    // The same row as an older export wrote it: no format column.
    const formatAt = header!.indexOf("format");
    const older = fieldsFromCsv(CSV_COLUMNS_BEFORE_FORMAT, first!.filter((_, index) => index !== formatAt));
    expect(older).toEqual(row);
    const { format: _format, ...jsonlWithoutFormat } = JSON.parse((await download({ format: "jsonl", to: "2026-03-10" })).bytes.toString("utf8").split("\n")[0]!) as Record<string, unknown>;
    expect(fieldsFromJsonl(JSON.stringify(jsonlWithoutFormat))).toEqual(row);
  });

  it("rejects an export checked against a different pinned public key", async () => {
    const { bytes, manifest } = await download({ format: "jsonl", outcome: "denied" });
    const other = rawPublicKey(generateKeyPairSync("ed25519").publicKey).toString("base64");
    expect((await verifyExport(bytes, manifest, { publicKey: other })).ok).toBe(false);
    expect((await verifyExport(bytes, manifest, { publicKey: manifest.publicKey.base64 })).ok).toBe(true);
  });

  it("exports filtered searches (not contiguous) whose rows still re-hash", async () => {
    const { bytes, manifest } = await download({ format: "jsonl", action: ["access/grant.*"] });
    expect(manifest.chain.contiguous).toBe(false);
    expect(manifest.rows).toBeGreaterThan(50);
    expect((await verifyExport(bytes, manifest)).ok).toBe(true);
  });

  it("writes OCSF 1.8.0 that validates against the class definitions", async () => {
    const schema = loadOcsfSchema(defaultOcsfSchemaDir());
    const { bytes, manifest } = await download({ format: "ocsf" });
    const events = bytes.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, number>);
    const classes = new Set(events.map((e) => e.class_uid));
    expect([...classes].sort()).toEqual([3002, 3004, 3005]);
    for (const event of events) {
      expect(validateOcsfEvent(schema, event), JSON.stringify(event).slice(0, 300)).toEqual([]);
      expect(event.type_uid).toBe(event.class_uid! * 100 + event.activity_id!);
    }
    const grants = events.filter((e) => e.class_uid === 3005);
    expect(new Set(grants.map((e) => e.activity_id))).toEqual(new Set([1, 2]));
    expect((await verifyExport(bytes, manifest, { ocsfSchema: schema })).checks.find((c) => c.name === "ocsf")?.ok).toBe(true);
  });

  it("the validator itself rejects a wrong type_uid, a missing required attribute and an invalid enum", () => {
    const schema = loadOcsfSchema(defaultOcsfSchemaDir());
    const base = { class_uid: 3005, category_uid: 3, activity_id: 1, type_uid: 300501, severity_id: 1, time: 1, metadata: { product: { name: "K" }, version: "1.8.0" }, user: { name: "x" }, privileges: ["a"] };
    expect(validateOcsfEvent(schema, base)).toEqual([]);
    expect(validateOcsfEvent(schema, { ...base, type_uid: 300502 })).toEqual([expect.stringMatching(/type_uid/)]);
    expect(validateOcsfEvent(schema, { ...base, privileges: undefined })).toEqual([expect.stringMatching(/privileges: required/)]);
    expect(validateOcsfEvent(schema, { ...base, activity_id: 7, type_uid: 300507 })).toEqual([expect.stringMatching(/activity_id: 7 is not one of/)]);
    expect(validateOcsfEvent(schema, { ...base, user: {} })).toEqual([expect.stringMatching(/at least one of/)]);
  });

  it("exports an empty result as a valid empty file", async () => {
    for (const format of ["csv", "jsonl", "ocsf"] as const) {
      const { bytes, manifest } = await download({ format, from: "1999-01-01", to: "1999-01-31" });
      expect(manifest.rows).toBe(0);
      expect(manifest.chain.firstSeq).toBeNull();
      expect(bytes.toString("utf8")).toBe(format === "csv" ? `${(await import("@/server/ledger/export/formats")).CSV_COLUMNS.join(",")}\n` : "");
      expect((await verifyExport(bytes, manifest)).ok).toBe(true);
    }
  });

  it("records every finished export in the ledger, with its manifest", async () => {
    const { manifest } = await download({ format: "jsonl", outcome: "failure" });
    expect(await getExportManifest({ exportId: manifest.exportId }, ctx())).toEqual(manifest);
    const event = await database.prisma.ledgerEvent.findFirst({ where: { action: "ledger/export.created", subjectId: manifest.exportId } });
    expect(event?.actorId).toBe(auditor.id);
    await expect(getExportManifest({ exportId: "0192f000-0000-7000-8000-000000000000" }, ctx())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("neutralises cells in SQL exactly as in Node (keycard_csv_cell and neutralizeCell)", async () => {
    const texts = [...injected, "", "plain", "'", "=", "\u202E=x", "ü=", ...fc.sample(fc.string({ unit: "grapheme", maxLength: 6 }), 300)].map((text) => text.replace(/\0/g, ""));
    const rows = await database.prisma.$queryRaw<{ cell: string | null }[]>`SELECT keycard_csv_cell(t) AS cell FROM unnest(${texts}::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`;
    expect(rows.map((row) => row.cell)).toEqual(texts.map(neutralizeCell));
    const [nullCell] = await database.prisma.$queryRaw<{ cell: string | null }[]>`SELECT keycard_csv_cell(NULL) AS cell`;
    expect(nullCell!.cell).toBeNull();
  });

  it("keeps filter values data when a resource's name holds $1 (the CSV COPY statement inlines its parameters)", async () => {
    // An admin may well name a resource "Billing ($1M+ accounts)"; the value of the first filter used to be
    // substituted into that name's literal, breaking it open. Now both stay text.
    const resource = await database.prisma.resource.create({ data: { slug: "billing-dollar", name: "Billing ($1M+ accounts)", tier: 1 } });
    await database.prisma.$transaction(async (tx) => {
      await appendLedgerEvent(tx, { action: "access/request.created", actor: auditor, subject: { type: "request", id: "" }, resourceId: resource.id, summary: "billing export probe" });
    });
    const payload = `), (SELECT string_agg(hash, chr(124)) FROM "LedgerEvent") AS leaked, $q$ AS junk FROM "LedgerEvent" e ORDER BY e.seq) TO STDOUT (FORMAT csv) --`;
    const injectedFilter = await download({ format: "csv", actor: payload });
    expect(injectedFilter.manifest.rows).toBe(0);
    const { bytes, manifest } = await download({ format: "csv", resource: resource.id });
    expect(manifest.rows).toBe(1);
    const [, row] = [...parseCsv(bytes.toString("utf8"))];
    expect(row?.[12]).toBe("Billing ($1M+ accounts)");
    expect((await verifyExport(bytes, manifest)).checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("refuses bad filters before streaming, and people without the export permission", async () => {
    await expect(startLedgerExport({ format: "csv", from: "2026-05-01", to: "2026-01-01" }, ctx())).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(startLedgerExport({ format: "xml" as "csv" }, ctx())).rejects.toThrow();
    const requester = await createPerson(database.prisma, ["REQUESTER"]);
    await expect(startLedgerExport({ format: "csv" }, { actor: requester, db: database.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it.runIf(testDatabaseKind === "postgres")("writes CSV on PostgreSQL in the export worker, whose failures and cancellation reach the stream", async () => {
    const { started } = await download({ format: "csv" });
    expect(started.workerPeakRssMb()).toBeGreaterThan(0);

    const pool = postgresPoolOf(database.prisma)!;
    const failed = copyFileInWorker(pool, `COPY (SELECT 1 / 0) TO STDOUT (FORMAT csv)`, "header\n");
    for await (const _ of failed.chunks) void _;
    await expect(failed.done).rejects.toThrow(/division by zero/);

    const large = copyFileInWorker(pool, `COPY (SELECT g, repeat('x', 1000) FROM generate_series(1, 10000000) g) TO STDOUT (FORMAT csv)`, "");
    expect((await large.chunks.next()).done).toBe(false);
    large.cancel();
    await expect(large.done).rejects.toThrow("export cancelled");
    // The worker's connection went with it: nothing is left running the COPY.
    const exporting = async () => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'keycard-export' AND datname = current_database()`)).rows[0]!.n;
    await expect.poll(exporting, { timeout: 10_000 }).toBe(0);
  });

  it("keeps memory flat: the stream pulls one batch at a time", async () => {
    const started = await startLedgerExport({ format: "csv" }, ctx());
    const reader = started.stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    expect(await started.finished).toBeNull();
  });
});
