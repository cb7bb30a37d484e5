import { createHash, randomUUID } from "node:crypto";
import packageJson from "@/package.json";
import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { buildLedgerWhere, ParamList } from "@/server/domain/ledger/filters";
import { countLedger, type LedgerCount } from "@/server/domain/ledger/queries";
import { ZExportManifestInput, ZLedgerExportInput, type LedgerExportFormat, type LedgerExportInput, type LedgerFilters } from "@/server/domain/ledger/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger/append";
import type { JsonValue } from "@/server/ledger/canonical";
import { checkpointCovering, type Checkpoint } from "@/server/ledger/checkpoint";
import { UTF8_BOM } from "@/server/csv";
import { csvHeader, csvRow, jsonlRow, type ExportRow } from "@/server/ledger/export/formats";
import { MANIFEST_TYPE, signManifest, type ExportManifest } from "@/server/ledger/export/manifest";
import { ocsfLine } from "@/server/ledger/export/ocsf";
import { bulkReaderFor, type BulkReader } from "@/server/ledger/bulk-reader";
import { copyFileInWorker, csvCopyStatement, type FileCopy } from "@/server/ledger/export/csv-copy";
import { LEDGER_ROW_SELECT, normalizeRow } from "@/server/ledger/rows";
import { ledgerSigningKey } from "@/server/ledger/signing";

/**
 * Streamed exports of any ledger search: CSV, JSON Lines or OCSF. The file is produced as the client reads
 * it, so memory stays flat at any size: batch by batch here (keyset on seq, a few thousand rows at a
 * time), or, for CSV on PostgreSQL, by the export worker process (csv-copy.ts); its SHA-256 is computed on
 * the way. When the last byte has been produced, the manifest is
 * signed and recorded as a `ledger/export.created` event, from which it can be downloaded.
 */

const BATCH_SIZE = 5_000;

const CONTENT_TYPES: Record<LedgerExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
  ocsf: "application/x-ndjson; charset=utf-8",
};
const EXTENSIONS: Record<LedgerExportFormat, string> = { csv: "csv", jsonl: "jsonl", ocsf: "ocsf.jsonl" };

export interface LedgerExport {
  exportId: string;
  fileName: string;
  contentType: string;
  /** How many rows to expect (exact below the count limit), for the client's progress bar. */
  expected: LedgerCount;
  stream: ReadableStream<Uint8Array>;
  /** Settles when the stream has ended and the manifest is recorded (tests and the benchmark wait on it). */
  finished: Promise<ExportManifest | null>;
  /** Once finished: the export worker's peak resident memory when a worker wrote the file (csv-copy.ts), else null. */
  workerPeakRssMb(): number | null;
}

export async function startLedgerExport(input: LedgerExportInput, ctx: Ctx & { actor: IdentityActor }): Promise<LedgerExport> {
  assertCan(ctx.actor, "ledger:export");
  const { format, bom, ...filters } = ZLedgerExportInput.parse(input);
  const params = new ParamList();
  // Built before anything is streamed, so that bad filters are a 400 with a message, not a broken file.
  const where = await buildLedgerWhere(ctx.db, filters, params);
  const [head] = await ctx.db.$queryRawUnsafe<{ seq: string | null }[]>(`SELECT max(seq)::text AS seq FROM "LedgerEvent"`);
  const headSeq = BigInt(head?.seq ?? "0");
  const checkpoint = await checkpointCovering(ctx.db, headSeq, ctx.actor);
  const expected = where.empty ? { count: 0, exact: true } : await countLedger(filters, ctx);

  const exportId = randomUUID();
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const fileName = `keycard-ledger-${stamp}.${EXTENSIONS[format]}`;
  const conditions = where.empty ? ["false"] : where.conditions;
  const afterParam = params.add("0");
  const afterIndex = params.values.length - 1;
  const headParam = params.add(headSeq.toString());
  const bounded = [...conditions, `seq > ${afterParam}::bigint`, `seq <= ${headParam}::bigint`];
  const sql = exportQuery(format, bounded);
  const values = params.values;
  const reader = bulkReaderFor(ctx.db);
  // CSV on PostgreSQL: the server writes the rows and the export worker the file (csv-copy.ts); everything
  // else is written here in batches.
  const copyPool = format === "csv" && !where.empty ? reader.pool : undefined;
  const header = format === "csv" ? (bom ? UTF8_BOM : "") + csvHeader() : "";
  let copied: FileCopy | null = null;
  let workerPeakRssMb: number | null = null;

  const hash = createHash("sha256");
  const encoder = new TextEncoder();
  let bytes = 0;
  let rows = 0;
  let after = 0n;
  let first: ChainPoint | null = null;
  let last: ChainPoint | null = null;
  let done = false;
  let resolveFinished: (manifest: ExportManifest | null) => void = () => undefined;
  const finished = new Promise<ExportManifest | null>((resolve) => (resolveFinished = resolve));
  const product = { version: packageJson.version };

  const emitBytes = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) => {
    hash.update(chunk);
    bytes += chunk.length;
    controller.enqueue(chunk);
  };
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => emitBytes(controller, encoder.encode(text));

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (header && !copyPool) emit(controller, header);
      },
      async pull(controller) {
        try {
          if (done) return;
          if (copyPool) {
            copied ??= copyFileInWorker(copyPool, csvCopyStatement(bounded, values, await resourceNames(reader)), header);
            const chunk = await copied.chunks.next();
            if (!chunk.done) return controller.enqueue(chunk.value);
            const file = await copied.done;
            ({ rows, bytes } = file);
            workerPeakRssMb = file.peakRssMb;
            [first, last] = await chainBounds(reader, bounded, values);
            done = true;
            return finish(controller, file.sha256);
          }
          values[afterIndex] = after.toString();
          const batch = await reader.query<ExportRow>(sql, values);
          if (batch.length) {
            // CSV and JSON Lines copy data out as stored (valid JSON; verifiers re-encode it); OCSF's
            // raw_data must be the exact canonical encoding, so only it pays for re-encoding. Lines are
            // written straight into a byte buffer: one big string per batch would be built piece by piece
            // and then copied again to encode it, and that garbage was most of an export's CPU time.
            const out = new ByteWriter(batch.length * 1_024);
            if (format === "csv") for (const row of batch) out.write(csvRow(row));
            else if (format === "jsonl") for (const row of batch) out.write(jsonlRow(row));
            else for (const row of batch) out.write(ocsfLine(normalizeRow(row), product));
            first ??= batch[0]!;
            last = batch[batch.length - 1]!;
            after = BigInt(last.seq);
            rows += batch.length;
            emitBytes(controller, out.bytes());
          }
          if (batch.length < BATCH_SIZE) {
            done = true;
            await finish(controller, hash.digest("hex"));
          }
        } catch (error) {
          copied?.cancel();
          resolveFinished(null);
          controller.error(error);
        }
      },
      cancel() {
        done = true;
        copied?.cancel();
        resolveFinished(null);
      },
    },
    // One batch ahead at most: constant memory however large the export.
    { highWaterMark: 1 },
  );
  return { exportId, fileName, contentType: CONTENT_TYPES[format], expected, stream, finished, workerPeakRssMb: () => workerPeakRssMb };

  /** The manifest, signed and ledgered once the last byte is out; then the stream ends. */
  async function finish(controller: ReadableStreamDefaultController<Uint8Array>, sha256: string) {
    const manifest = await recordExport(ctx, {
      exportId,
      fileName,
      format,
      bom: format === "csv" && bom,
      filters,
      rows,
      bytes,
      sha256,
      headSeq,
      first,
      last,
      contiguous: isContiguous(filters),
      checkpoint,
    });
    controller.close();
    resolveFinished(manifest);
  }
}

async function resourceNames(reader: BulkReader): Promise<Record<string, string>> {
  const rows = await reader.query<{ id: string; name: string }>(`SELECT id::text AS id, name FROM "Resource"`, []);
  return Object.fromEntries(rows.map((row) => [row.id, row.name]));
}

/** The seq and hash of an export's first and last rows (for its manifest's chain range). */
interface ChainPoint {
  seq: string;
  hash: string;
}

async function chainBounds(reader: BulkReader, conditions: readonly string[], values: readonly unknown[]): Promise<[ChainPoint | null, ChainPoint | null]> {
  const at = async (order: "ASC" | "DESC") =>
    (await reader.query<ChainPoint>(`SELECT seq::text AS seq, hash FROM "LedgerEvent" WHERE ${conditions.join(" AND ")} ORDER BY "LedgerEvent".seq ${order} LIMIT 1`, [...values]))[0] ?? null;
  return [await at("ASC"), await at("DESC")];
}

/** UTF-8 lines appended into one growing buffer. */
class ByteWriter {
  private buffer: Buffer;
  private length = 0;
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64 * 1_024, capacity));
  }
  write(text: string): void {
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    if (this.length + text.length * 3 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + text.length * 3));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length, "utf8");
  }
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Only a time range keeps an export contiguous (every event between its first and last). */
function isContiguous(filters: LedgerFilters): boolean {
  return Object.entries(filters).every(([key, value]) => value === undefined || key === "from" || key === "to" || (key === "q" && !String(value).trim()));
}

function exportQuery(format: LedgerExportFormat, conditions: string[]): string {
  // OCSF needs the grant holder and access level (User Access Management's user and privileges).
  const grantJoins =
    format === "ocsf"
      ? `, gi.id::text AS "granteeId", gi.name AS "granteeName", gi.email AS "granteeEmail", gi.kind::text AS "granteeKind",
           al.key AS "accessLevelKey", al.name AS "accessLevelName"
         FROM (SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent" WHERE ${conditions.join(" AND ")} ORDER BY "LedgerEvent".seq LIMIT ${BATCH_SIZE}) AS e
         LEFT JOIN "Grant" g ON g.id = e."grantId"::uuid
         LEFT JOIN "Identity" gi ON gi.id = g."identityId"
         LEFT JOIN "AccessLevel" al ON al.id = g."accessLevelId"`
      : ` FROM (SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent" WHERE ${conditions.join(" AND ")} ORDER BY "LedgerEvent".seq LIMIT ${BATCH_SIZE}) AS e`;
  return `SELECT e.*, r.name AS "resourceName", r.slug AS "resourceSlug"${grantJoins}
          LEFT JOIN "Resource" r ON r.id = e."resourceId"::uuid
          ORDER BY e.seq::bigint`;
}

async function recordExport(
  ctx: Ctx & { actor: IdentityActor },
  facts: {
    exportId: string;
    fileName: string;
    format: LedgerExportFormat;
    bom: boolean;
    filters: LedgerFilters;
    rows: number;
    bytes: number;
    sha256: string;
    headSeq: bigint;
    first: ChainPoint | null;
    last: ChainPoint | null;
    contiguous: boolean;
    checkpoint: Checkpoint;
  },
): Promise<ExportManifest> {
  const key = ledgerSigningKey();
  const manifest = signManifest(
    {
      type: MANIFEST_TYPE,
      v: 1,
      exportId: facts.exportId,
      file: facts.fileName,
      format: facts.format,
      bom: facts.bom,
      createdAt: new Date().toISOString(),
      createdBy: ctx.actor.email ?? ctx.actor.name,
      filters: JSON.parse(JSON.stringify(facts.filters)) as Record<string, unknown>,
      rows: facts.rows,
      bytes: facts.bytes,
      sha256: facts.sha256,
      chain: {
        headSeq: facts.headSeq.toString(),
        firstSeq: facts.first?.seq ?? null,
        lastSeq: facts.last?.seq ?? null,
        firstHash: facts.first?.hash ?? null,
        lastHash: facts.last?.hash ?? null,
        contiguous: facts.contiguous,
      },
      checkpoint: {
        seq: facts.checkpoint.seq.toString(),
        statement: facts.checkpoint.statement,
        signature: facts.checkpoint.signature,
        publicKey: facts.checkpoint.publicKey,
      },
      publicKey: { keyId: key.keyId, base64: key.publicKeyBase64, pem: key.publicKeyPem },
    },
    key,
  );
  await ctx.db.$transaction((tx) =>
    appendLedgerEvent(tx, {
      action: "ledger/export.created",
      actor: ctx.actor,
      subject: { type: "export", id: facts.exportId },
      summary: `${ctx.actor.name} exported ${facts.rows.toLocaleString("en")} ledger event${facts.rows === 1 ? "" : "s"} as ${facts.format.toUpperCase()} (SHA-256 ${facts.sha256.slice(0, 12)}…)`,
      data: { manifest: manifest as unknown as JsonValue },
    }),
  );
  return manifest;
}

/** The signed manifest of a finished export, from its ledger event. */
export async function getExportManifest(input: { exportId: string }, ctx: Ctx): Promise<ExportManifest> {
  assertCan(ctx.actor, "ledger:export");
  const { exportId } = ZExportManifestInput.parse(input);
  const event = await ctx.db.ledgerEvent.findFirst({
    where: { action: "ledger/export.created", subjectId: exportId },
    orderBy: { seq: "desc" },
    select: { data: true },
  });
  const manifest = (event?.data as { manifest?: ExportManifest } | undefined)?.manifest;
  if (!manifest) throw new DomainError("NOT_FOUND", "No finished export has this id: the download may still be running, or was interrupted.");
  return manifest;
}
