import type { DbOrTx } from "@/server/db";
import { bulkReaderFor } from "@/server/ledger/bulk-reader";
import { canonicalJson } from "@/server/ledger/canonical";
import type { EncodedEventFields } from "@/server/ledger/hash";

/**
 * Ledger events as verification and exports read them: every column as text, straight from SQL, so
 * that millions of rows need no Date, BigInt or jsonb conversion on the way. `dataJson` is the canonical
 * JSON of `data` (jsonb prints keys in its own order, so it is re-encoded once here).
 */
export interface LedgerRow extends EncodedEventFields {
  hash: string;
}

/** The select list that produces a LedgerRow (before `data` is made canonical). */
export const LEDGER_ROW_SELECT = `format::text AS format, seq::text AS seq, id::text AS id,
  to_char("occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt", action, outcome, "actorType", "actorId",
  "actorLabel", "subjectType", "subjectId", "resourceId"::text AS "resourceId", "requestId"::text AS "requestId",
  "grantId"::text AS "grantId", summary, data::text AS "dataJson", "prevHash", hash`;

/** A row as SQL returns it for LEDGER_ROW_SELECT: `dataJson` is still jsonb's text. */
export type RawLedgerRow = LedgerRow;

export function normalizeRow<T extends LedgerRow>(raw: T): T {
  raw.dataJson = canonicalJson(JSON.parse(raw.dataJson));
  return raw;
}


/** The event as an object, with data parsed (exports write it this way). */
export function rowData(row: LedgerRow): unknown {
  return JSON.parse(row.dataJson);
}

/**
 * Reads rows in `seq` order within [fromSeq, untilSeq] in keyset batches: constant memory at any size.
 * The next batch is requested before the current one is handed out, so the database produces it while
 * the caller hashes or writes the current one.
 */
export async function* readRows(
  db: DbOrTx,
  options: {
    fromSeq: bigint;
    untilSeq: bigint;
    batchSize?: number;
    where?: { sql: string; params: unknown[] };
    /** Re-encode data canonically (needed to re-hash); exports that only copy it out can skip it. */
    canonicalData?: boolean;
  },
): AsyncGenerator<LedgerRow[]> {
  const batchSize = options.batchSize ?? 5_000;
  const reader = bulkReaderFor(db);
  const canonical = options.canonicalData ?? true;
  const extra = options.where ? ` AND (${options.where.sql})` : "";
  const extraParams = options.where?.params ?? [];
  const fetch = (after: bigint) =>
    reader.query<RawLedgerRow>(
      `SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent"
       WHERE seq > $1::bigint AND seq <= $2::bigint${extra.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + 2}`)}
       ORDER BY "LedgerEvent".seq LIMIT ${batchSize}`,
      [after.toString(), options.untilSeq.toString(), ...extraParams],
    );
  let pending: Promise<RawLedgerRow[]> = fetch(options.fromSeq - 1n);
  for (;;) {
    const rows = await pending;
    if (rows.length === 0) return;
    const last = BigInt(rows[rows.length - 1]!.seq);
    pending = rows.length < batchSize || last >= options.untilSeq ? Promise.resolve([]) : fetch(last);
    // A rejected prefetch must not go unhandled while the caller is still busy with this batch.
    pending.catch(() => undefined);
    if (canonical) for (const row of rows) normalizeRow(row);
    yield rows;
  }
}
