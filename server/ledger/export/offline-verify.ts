import { createHash } from "node:crypto";
import { canonicalJson } from "@/server/ledger/canonical";
import { decodeFieldsV2, decodeFieldsV3, encodeFieldsForHash, fieldsHash, FORMAT_2_MAGIC, FORMAT_3_MAGIC, GENESIS_HASH, sha256Hex, type EncodedEventFields } from "@/server/ledger/hash";
import { CSV_COLUMNS, CSV_COLUMNS_BEFORE_FORMAT, fieldsFromCsv, fieldsFromJsonl, type ParsedRow } from "@/server/ledger/export/formats";
import { checkManifestSignature, type ExportManifest } from "@/server/ledger/export/manifest";
import { parseCsv, UTF8_BOM } from "@/server/csv";
import { validateOcsfEvent, type OcsfSchema } from "@/server/ledger/export/ocsf-schema";

/**
 * Checks an exported file against its manifest with nothing but the two files (and, ideally, the
 * ledger's public key obtained from Keycard separately): no database, no network. Streams the file, so
 * a multi-gigabyte export needs little memory.
 *
 * What passing proves: the manifest was signed by the ledger key and so was the checkpoint it names;
 * the file is byte for byte the one the manifest describes; every row re-hashes to its recorded hash
 * (its content is what the ledger recorded); the rows are the stretch of the chain the manifest names,
 * in order; for an unfiltered export every link of the chain holds; and a row at the checkpoint's head
 * has exactly the hash the checkpoint signed.
 */

export interface ExportCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ExportVerification {
  ok: boolean;
  rows: number;
  checks: ExportCheck[];
}

export interface VerifyExportOptions {
  /** Pin the ledger's public key (base64 raw or PEM) instead of trusting the one in the manifest. */
  publicKey?: string;
  /** Also validate OCSF rows against the schema. */
  ocsfSchema?: OcsfSchema;
}

class RowProblem extends Error {}

export async function verifyExport(
  source: AsyncIterable<Uint8Array | string> | Uint8Array,
  manifest: ExportManifest,
  options: VerifyExportOptions = {},
): Promise<ExportVerification> {
  const checks: ExportCheck[] = [];
  const signature = checkManifestSignature(manifest, options.publicKey);
  checks.push({ name: "signature", ok: signature.ok, detail: signature.ok ? `manifest and checkpoint #${manifest.checkpoint.seq} signed by ledger key ${signature.keyId}` : signature.reason });

  const hash = createHash("sha256");
  let bytes = 0;
  let rows = 0;
  let rowProblem: string | null = null;
  // Kept in an object: TypeScript does not follow assignments made inside the closures below.
  const seen: { first: ParsedRow | null; previous: ParsedRow | null } = { first: null, previous: null };
  let csvHeader: string[] | null = null;
  let record = "";
  let quotes = 0;
  let ocsfErrors = 0;
  const headSeq = manifest.checkpoint.statement.headSeq;

  const acceptRow = (row: ParsedRow) => {
    if (fieldsHash(row) !== row.hash) throw new RowProblem(`row ${rows + 1} (event #${row.seq}) does not match its hash: it was changed`);
    const previous = seen.previous;
    if (previous && BigInt(row.seq) <= BigInt(previous.seq)) throw new RowProblem(`row ${rows + 1} (event #${row.seq}) is out of order`);
    if (manifest.chain.contiguous) {
      const expectedPrev = previous ? previous.hash : null;
      if (previous && (BigInt(row.seq) !== BigInt(previous.seq) + 1n || row.prevHash !== expectedPrev)) {
        throw new RowProblem(`event #${row.seq} does not follow event #${previous.seq}: the chain is broken or rows are missing`);
      }
      if (!previous && row.seq === "1" && row.prevHash !== GENESIS_HASH) throw new RowProblem("event #1 does not start from the genesis hash");
    }
    if (row.seq === headSeq && row.hash !== manifest.checkpoint.statement.headHash) {
      throw new RowProblem(`event #${row.seq} differs from the one the checkpoint signed`);
    }
    seen.first ??= row;
    seen.previous = row;
    rows += 1;
  };

  const csvRecord = (text: string) => {
    const parsed = [...parseCsv(text)];
    if (parsed.length !== 1) throw new RowProblem(`row ${rows + 1} is not one CSV record`);
    const cells = parsed[0]!;
    if (!csvHeader) {
      const header = cells.join(",");
      if (header !== CSV_COLUMNS.join(",") && header !== CSV_COLUMNS_BEFORE_FORMAT.join(",")) throw new RowProblem("the CSV header is not Keycard's ledger export header");
      csvHeader = cells;
      return;
    }
    const row = fieldsFromCsv(csvHeader, cells);
    // CSV cannot tell an empty string from null: try the other reading of the two text columns that allow both.
    const candidates = [row];
    if (row.actorId === null) candidates.push({ ...row, actorId: "" });
    if (row.subjectId === null) candidates.push(...candidates.map((c) => ({ ...c, subjectId: "" })));
    acceptRow(candidates.find((c) => fieldsHash(c) === c.hash) ?? row);
  };

  const line = (text: string) => {
    if (manifest.format === "csv") {
      record += `${text}\n`;
      quotes += text.split('"').length - 1;
      if (quotes % 2 === 0) {
        csvRecord(record);
        record = "";
        quotes = 0;
      }
      return;
    }
    if (text === "") throw new RowProblem(`line ${rows + 1} is empty`);
    if (manifest.format === "jsonl") return acceptRow(fieldsFromJsonl(text));
    const event = JSON.parse(text) as { raw_data?: unknown; raw_data_hash?: { value?: unknown } };
    if (options.ocsfSchema && validateOcsfEvent(options.ocsfSchema, event).length) ocsfErrors += 1;
    if (typeof event.raw_data !== "string") throw new RowProblem(`line ${rows + 1} has no raw_data`);
    if (sha256Hex(event.raw_data) !== event.raw_data_hash?.value) throw new RowProblem(`line ${rows + 1}: raw_data does not match raw_data_hash`);
    const fields = rawDataFields(event.raw_data);
    if (!fields) throw new RowProblem(`line ${rows + 1}: raw_data is not a ledger event encoding`);
    const row: ParsedRow = { ...fields, hash: event.raw_data_hash.value };
    // raw_data must be exactly the canonical encoding of the fields it holds, not merely hash to its hash.
    if (encodeFieldsForHash(row) !== event.raw_data) throw new RowProblem(`line ${rows + 1}: raw_data is not a canonical ledger event`);
    acceptRow(row);
  };

  // ignoreBOM keeps a byte order mark in the text, so that its presence can be checked against the manifest.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let pending = "";
  let started = false;
  try {
    for await (const chunk of typeof source === "object" && Symbol.asyncIterator in source ? source : [source as Uint8Array]) {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      hash.update(buffer);
      bytes += buffer.length;
      if (rowProblem) continue;
      let text = pending + decoder.decode(buffer, { stream: true });
      if (!started && text.length) {
        started = true;
        if (text.startsWith(UTF8_BOM) !== (manifest.format === "csv" && manifest.bom)) throw new RowProblem(manifest.bom ? "the byte order mark is missing" : "the file starts with an unexpected byte order mark");
        if (text.startsWith(UTF8_BOM)) text = text.slice(1);
      }
      const lines = text.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) line(l);
    }
    if (!rowProblem) {
      pending += decoder.decode();
      if (pending !== "") throw new RowProblem("the file does not end with a complete line");
      if (record !== "") throw new RowProblem("the file ends inside a quoted CSV cell");
      if (manifest.format === "csv" && !csvHeader) throw new RowProblem("the CSV header is missing");
    }
  } catch (error) {
    rowProblem ??= error instanceof RowProblem ? error.message : `the file cannot be read as ${manifest.format}: ${(error as Error).message}`;
  }

  const digest = hash.digest("hex");
  checks.push({
    name: "file",
    ok: digest === manifest.sha256 && bytes === manifest.bytes,
    detail: digest === manifest.sha256 && bytes === manifest.bytes ? `${bytes} bytes, SHA-256 ${digest}` : `SHA-256 ${digest} (${bytes} bytes) is not the manifest's ${manifest.sha256} (${manifest.bytes} bytes): the file was changed`,
  });
  const { first, previous: last } = seen;
  const rangeOk =
    !rowProblem &&
    rows === manifest.rows &&
    (first?.seq ?? null) === manifest.chain.firstSeq &&
    (last?.seq ?? null) === manifest.chain.lastSeq &&
    (first?.hash ?? null) === manifest.chain.firstHash &&
    (last?.hash ?? null) === manifest.chain.lastHash;
  checks.push({
    name: "rows",
    ok: rangeOk,
    detail: rowProblem ?? (rangeOk ? `${rows} rows re-hashed${manifest.chain.contiguous ? ", every chain link holds" : ""}${rows ? `, events #${manifest.chain.firstSeq}–#${manifest.chain.lastSeq}` : ""}` : `the rows (${rows}, #${first?.seq ?? "–"}–#${last?.seq ?? "–"}) are not those the manifest names (${manifest.rows}, #${manifest.chain.firstSeq ?? "–"}–#${manifest.chain.lastSeq ?? "–"})`),
  });
  if (options.ocsfSchema && manifest.format === "ocsf") {
    checks.push({ name: "ocsf", ok: ocsfErrors === 0, detail: ocsfErrors ? `${ocsfErrors} rows are not valid OCSF ${options.ocsfSchema.version}` : `every row is valid OCSF ${options.ocsfSchema.version}` });
  }
  return { ok: checks.every((check) => check.ok), rows, checks };
}

/** The hashed fields of an OCSF event's raw_data, in whichever format it is written. */
function rawDataFields(raw: string): EncodedEventFields | null {
  if (raw.startsWith(FORMAT_3_MAGIC)) return decodeFieldsV3(raw);
  if (raw.startsWith(FORMAT_2_MAGIC)) return decodeFieldsV2(raw);
  try {
    // Only format 1 is JSON: a JSON raw_data claiming another format is not an encoding of anything.
    const { data, v, ...fields } = JSON.parse(raw) as Omit<EncodedEventFields, "format" | "dataJson"> & { data: unknown; v: unknown };
    return v === 1 ? { ...fields, format: "1", dataJson: canonicalJson(data) } : null;
  } catch {
    return null;
  }
}
