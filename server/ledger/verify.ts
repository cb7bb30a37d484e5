import type { DbOrTx } from "@/server/db";
import { bulkReaderFor, type BulkReader } from "@/server/ledger/bulk-reader";
import { GENESIS_HASH, fieldsHash } from "@/server/ledger/hash";
import { LEDGER_ROW_SELECT, normalizeRow, type LedgerRow } from "@/server/ledger/rows";
import { checkCheckpointSignature, isCheckpointData } from "@/server/ledger/statements";

/**
 * End-to-end verification of the hash chain (docs/ledger.md, "Verification").
 *
 * PostgreSQL does the walk: in chunks of the range, two at a time, one query per chunk checks that every
 * `seq` follows the one before, every `prevHash` is the previous `hash`, time never goes back, and every
 * event's content hashes to its `hash` (keycard_ledger_event_hash in the database, in the event's format:
 * the same bytes as encodeFieldsForHash). Rows whose `data` text is not canonical (written before the
 * ledger kept the hashed text verbatim) fail the database's content check and are re-hashed in Node
 * instead, which canonicalises first. The first broken link is then examined to say what happened to it: an event
 * modified, deleted, inserted or moved (reordered). Checkpoint events in the range are checked for their
 * signature under a trusted key and the head hash they vouch for.
 */

export type ChainProblemKind =
  /** One or more events are gone (deleted), with or without the later ones renumbered. */
  | "missing"
  /** An event's content no longer matches its hash, or was changed and re-hashed. */
  | "modified"
  /** Events that were never part of the chain sit in it. */
  | "inserted"
  /** An event sits at another position than the one it was written at. */
  | "reordered"
  /** `prevHash` does not match, and nothing more specific could be said. */
  | "broken_link"
  /** An event is dated before the one before it. */
  | "time_regression"
  /** A checkpoint's signature or the head it vouches for does not hold. */
  | "bad_checkpoint";

export interface CheckpointSummary {
  seq: bigint;
  headSeq: bigint;
  headHash: string;
  signedAt: string;
  keyId: string;
}

interface VerificationBase {
  /** Events checked. */
  events: number;
  fromSeq: bigint;
  /** The last event checked (the head when verification started, unless a range was given). */
  untilSeq: bigint | null;
  checkpoints: number;
  lastCheckpoint: CheckpointSummary | null;
  durationMs: number;
}

export type ChainVerification =
  | (VerificationBase & { ok: true; headSeq: bigint | null; headHash: string })
  | (VerificationBase & {
      ok: false;
      /** The first event at which the chain does not hold. */
      brokenAtSeq: bigint;
      problem: ChainProblemKind;
      /** One sentence for a person. */
      detail: string;
    });

type WithoutDuration<T> = T extends unknown ? Omit<T, "durationMs"> : never;

export interface VerifyOptions {
  fromSeq?: bigint;
  /**
   * The hash of event fromSeq − 1 when that event is no longer in the table (archived, docs/ledger.md
   * "Retention"): the chain is verified from there on, anchored to the archive's last hash.
   */
  anchorHash?: string;
  untilSeq?: bigint;
  /** Key ids whose checkpoints are accepted (signing.ts `trustedKeyIds()`); signatures are not checked without it. */
  trustedKeyIds?: ReadonlySet<string>;
  /** Called as chunks complete with the last seq checked in order (progress for long runs). */
  onProgress?: (seq: bigint, events: number) => void;
  /** Rows per chunk query (tests use small chunks to cross chunk boundaries). */
  chunkSize?: number;
}

interface Finding {
  seq: bigint;
  problem: ChainProblemKind;
  detail: string;
}

/** How far around a moved event to look for the position it was written at. */
const MOVE_SEARCH_WINDOW = 1_000n;
const DEFAULT_CHUNK = 250_000;

export async function verifyChain(db: DbOrTx, options: VerifyOptions = {}): Promise<ChainVerification> {
  const started = performance.now();
  const fromSeq = options.fromSeq ?? 1n;
  const [bounds] = await db.$queryRawUnsafe<{ head: string | null }[]>(`SELECT max(seq)::text AS head FROM "LedgerEvent"`);
  const head = bounds?.head ? BigInt(bounds.head) : null;
  const untilSeq = options.untilSeq ?? head;
  const base = { fromSeq, untilSeq, checkpoints: 0, lastCheckpoint: null as CheckpointSummary | null };
  const finish = (result: WithoutDuration<ChainVerification>): ChainVerification => ({ ...result, durationMs: Math.round(performance.now() - started) }) as ChainVerification;

  let startHash = GENESIS_HASH;
  let startAt: string | null = null;
  if (fromSeq > 1n && options.anchorHash) {
    startHash = options.anchorHash;
  } else if (fromSeq > 1n) {
    const [previous] = await db.$queryRawUnsafe<{ hash: string; at: string }[]>(
      `SELECT hash, to_char("occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM "LedgerEvent" WHERE seq = $1::bigint`,
      (fromSeq - 1n).toString(),
    );
    if (!previous) {
      return finish({ ...base, ok: false, events: 0, brokenAtSeq: fromSeq - 1n, problem: "missing", detail: `event #${fromSeq - 1n}, where verification starts, is missing` });
    }
    startHash = previous.hash;
    startAt = previous.at;
  }
  if (untilSeq === null || untilSeq < fromSeq) {
    return finish({ ...base, ok: true, events: 0, headSeq: null, headHash: startHash });
  }

  let finding = await firstBreak(db, { fromSeq, untilSeq, startHash, startAt, chunkSize: options.chunkSize ?? DEFAULT_CHUNK, onProgress: options.onProgress });
  // The checkpoints before the first break: each must vouch for the chain as it is, under a trusted key.
  const checkpoints = await checkCheckpoints(db, fromSeq, finding ? finding.seq - 1n : untilSeq, options.trustedKeyIds);
  if (checkpoints.finding && (!finding || checkpoints.finding.seq < finding.seq)) finding = checkpoints.finding;

  const counted = { ...base, checkpoints: checkpoints.count, lastCheckpoint: checkpoints.last };
  if (!finding) {
    const [last] = await db.$queryRawUnsafe<{ hash: string }[]>(`SELECT hash FROM "LedgerEvent" WHERE seq = $1::bigint`, untilSeq.toString());
    // Rows gone from the end of the range leave no gap behind them for the walk to see.
    if (!last) finding = { seq: await firstMissingBefore(db, untilSeq + 1n, fromSeq), problem: "missing", detail: "" };
    else return finish({ ...counted, ok: true, events: Number(untilSeq - fromSeq + 1n), headSeq: untilSeq, headHash: last.hash });
  }
  const explained = finding.detail ? finding : await explainBreak(db, finding.seq, untilSeq);
  return finish({ ...counted, ok: false, events: Number(explained.seq - fromSeq), brokenAtSeq: explained.seq, problem: explained.problem, detail: explained.detail });
}

interface WalkRange {
  fromSeq: bigint;
  untilSeq: bigint;
  /** The hash and time of event fromSeq − 1 (genesis or the archive's anchor when there is none). */
  startHash: string;
  startAt: string | null;
  chunkSize: number;
  onProgress?: (seq: bigint, events: number) => void;
}

/** The first problem in the range, chunk by chunk, two chunks at a time on PostgreSQL (one otherwise). */
async function firstBreak(db: DbOrTx, range: WalkRange): Promise<Finding | null> {
  const reader = bulkReaderFor(db);
  const workers = reader.parallel ? 2 : 1;
  // At least four chunks per worker, so that neither waits long for the other at the end.
  const total = range.untilSeq - range.fromSeq + 1n;
  const even = (total + BigInt(workers * 4) - 1n) / BigInt(workers * 4);
  const size = even < BigInt(range.chunkSize) ? (even > 1_000n ? even : 1_000n) : BigInt(range.chunkSize);
  const chunks: { from: bigint; until: bigint }[] = [];
  for (let from = range.fromSeq; from <= range.untilSeq; from += size) {
    chunks.push({ from, until: from + size - 1n < range.untilSeq ? from + size - 1n : range.untilSeq });
  }
  const results: (Finding | null | undefined)[] = new Array(chunks.length);
  let next = 0;
  let stopBefore = chunks.length;
  let reported = 0;
  const worker = async () => {
    while (next < stopBefore) {
      const index = next++;
      const chunk = chunks[index]!;
      const finding = await walkChunk(db, reader, chunk.from, chunk.until, index === 0 ? range : null);
      results[index] = finding;
      // A problem here makes every later chunk irrelevant: the first break is at or before it.
      if (finding && index < stopBefore) stopBefore = index + 1;
      while (reported < chunks.length && results[reported] === null) {
        range.onProgress?.(chunks[reported]!.until, Number(chunks[reported]!.until - range.fromSeq + 1n));
        reported += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results.find((result) => result) ?? null;
}

interface WalkRow {
  seq: string;
  /** Text, not booleans: the bulk reader returns every column as text. */
  problem: "gap" | "link" | "time" | "content";
}

/**
 * One chunk: the first row in [from, until] that does not follow the row before it or whose content does
 * not hash to its hash. The window starts one row early so that the chunk's first link is checked too;
 * the first chunk starts from the range's anchor instead.
 */
async function walkChunk(db: DbOrTx, reader: BulkReader, from: bigint, until: bigint, first: WalkRange | null): Promise<Finding | null> {
  let after = from;
  for (;;) {
    const lower = first && after === from ? from : after - 1n;
    const [row] = await reader.query<WalkRow>(
      `SELECT seq::text AS seq,
              CASE WHEN seq <> expected_seq THEN 'gap' WHEN "prevHash" IS DISTINCT FROM expected_hash THEN 'link'
                   WHEN "occurredAt" < prev_at THEN 'time' ELSE 'content' END AS problem
         FROM (SELECT seq, "prevHash", "occurredAt", content,
                      coalesce(lag(seq) OVER w + 1, $1::bigint) AS expected_seq,
                      coalesce(lag(hash) OVER w, $4) AS expected_hash,
                      coalesce(lag("occurredAt") OVER w, $5::timestamp) AS prev_at
                 -- The content check below the window (OFFSET 0 keeps it there): the window then carries
                 -- narrow rows, which makes the walk about a third faster.
                 FROM (SELECT seq, hash, "prevHash", "occurredAt",
                              hash IS DISTINCT FROM keycard_ledger_event_hash(format, seq, id, "occurredAt", action,
                                outcome, "actorType", "actorId", "actorLabel", "subjectType", "subjectId", "resourceId",
                                "requestId", "grantId", summary, data::text, "prevHash") AS content
                         FROM "LedgerEvent" WHERE seq >= $1::bigint AND seq <= $3::bigint ORDER BY seq OFFSET 0) AS rows
               WINDOW w AS (ORDER BY seq)) AS chain
        WHERE seq >= $2::bigint
          AND (seq <> expected_seq OR "prevHash" IS DISTINCT FROM expected_hash OR "occurredAt" < prev_at OR content)
        ORDER BY chain.seq LIMIT 1`,
      [lower.toString(), after.toString(), until.toString(), first && after === from ? first.startHash : null, first && after === from ? first.startAt : null],
      { serial: true },
    );
    if (!row) return null;
    const seq = BigInt(row.seq);
    // A gap means the events before this row are missing: the break is at the first missing seq.
    if (row.problem === "gap") return { seq: await firstMissingBefore(db, seq, first?.fromSeq ?? from), problem: "missing", detail: "" };
    if (row.problem === "link") return { seq, problem: "broken_link", detail: "" };
    if (row.problem === "time") return { seq, problem: "time_regression", detail: `event #${seq} is dated before the event before it` };
    // Only the content check failed: a row whose data text predates canonical storage hashes right in Node.
    const stored = await rowAt(db, "seq = $1::bigint", seq.toString());
    if (!stored || fieldsHash(stored) !== stored.hash) return { seq, problem: "broken_link", detail: "" };
    if (seq >= until) return null;
    after = seq + 1n;
  }
}

/** Every checkpoint in [fromSeq, untilSeq] in order: the first that does not hold, the count and the last. */
async function checkCheckpoints(
  db: DbOrTx,
  fromSeq: bigint,
  untilSeq: bigint,
  trusted: ReadonlySet<string> | undefined,
): Promise<{ finding: Finding | null; count: number; last: CheckpointSummary | null }> {
  let count = 0;
  let last: CheckpointSummary | null = null;
  if (untilSeq < fromSeq) return { finding: null, count, last };
  const rows = await db.$queryRawUnsafe<LedgerRow[]>(
    `SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent"
      WHERE action = 'ledger/checkpoint.signed' AND seq >= $1::bigint AND seq <= $2::bigint ORDER BY "LedgerEvent".seq`,
    fromSeq.toString(),
    untilSeq.toString(),
  );
  for (const row of rows) {
    const check = await checkCheckpoint(db, normalizeRow(row), row.prevHash, trusted);
    const seq = BigInt(row.seq);
    if (!check.ok) return { finding: { seq, problem: "bad_checkpoint", detail: `checkpoint #${seq} is not valid: ${check.reason}` }, count, last };
    count += 1;
    last = check.summary;
  }
  return { finding: null, count, last };
}

async function firstMissingBefore(db: DbOrTx, seq: bigint, fromSeq: bigint): Promise<bigint> {
  const [row] = await db.$queryRawUnsafe<{ seq: string | null }[]>(
    `SELECT max(seq)::text AS seq FROM "LedgerEvent" WHERE seq < $1::bigint AND seq >= $2::bigint`,
    seq.toString(),
    fromSeq.toString(),
  );
  return row?.seq ? BigInt(row.seq) + 1n : fromSeq;
}

async function checkCheckpoint(
  db: DbOrTx,
  row: LedgerRow,
  prevHash: string,
  trusted: ReadonlySet<string> | undefined,
): Promise<{ ok: true; summary: CheckpointSummary } | { ok: false; reason: string }> {
  const data: unknown = JSON.parse(row.dataJson);
  if (!isCheckpointData(data)) return { ok: false, reason: "its data is not a signed statement" };
  const seq = BigInt(row.seq);
  const headSeq = BigInt(data.statement.headSeq);
  if (headSeq >= seq) return { ok: false, reason: `it vouches for event #${headSeq}, which comes after it` };
  // A checkpoint normally covers the event just before it; otherwise look the head up.
  let actualHeadHash = prevHash;
  if (headSeq !== seq - 1n) {
    const [headRow] = await db.$queryRawUnsafe<{ hash: string }[]>(`SELECT hash FROM "LedgerEvent" WHERE seq = $1::bigint`, headSeq.toString());
    actualHeadHash = headRow?.hash ?? "(missing)";
  }
  if (actualHeadHash !== data.statement.headHash) {
    return { ok: false, reason: `it vouches for hash ${data.statement.headHash.slice(0, 12)}… at #${headSeq}, but the chain has ${actualHeadHash.slice(0, 12)}…` };
  }
  if (trusted) {
    const check = checkCheckpointSignature(data, trusted);
    if (!check.ok) return check;
  }
  return { ok: true, summary: { seq, headSeq, headHash: data.statement.headHash, signedAt: data.statement.signedAt, keyId: data.statement.keyId } };
}

async function rowAt(db: DbOrTx, where: string, value: string): Promise<LedgerRow | null> {
  const [row] = await db.$queryRawUnsafe<LedgerRow[]>(`SELECT ${LEDGER_ROW_SELECT} FROM "LedgerEvent" WHERE ${where} LIMIT 1`, value);
  return row ? normalizeRow(row) : null;
}

function hashAs(row: LedgerRow, seq: bigint): string | null {
  return fieldsHash({ ...row, seq: seq.toString() });
}

/**
 * Says what happened at the first broken link, from the rows around it. Each kind of tampering leaves a
 * distinct trace: a hash that no longer matches its own content (modified), a row whose hash only
 * matches under another seq (moved: reordered, or shifted by inserted or deleted rows), a prevHash that
 * points further back (inserted) or at nothing that exists (deleted).
 */
export async function explainBreak(db: DbOrTx, seq: bigint, untilSeq: bigint): Promise<Finding> {
  const row = await rowAt(db, "seq = $1::bigint", seq.toString());
  const previous = seq > 1n ? await rowAt(db, "seq = $1::bigint", (seq - 1n).toString()) : null;
  const expectedPrev = seq === 1n ? GENESIS_HASH : (previous?.hash ?? null);

  if (!row) {
    const next = await db.$queryRawUnsafe<{ seq: string }[]>(
      `SELECT seq::text AS seq FROM "LedgerEvent" WHERE seq > $1::bigint AND seq <= $2::bigint ORDER BY "LedgerEvent".seq LIMIT 1`,
      seq.toString(),
      untilSeq.toString(),
    );
    const nextSeq = next[0] ? BigInt(next[0].seq) : null;
    const range = nextSeq === null ? `#${seq}–#${untilSeq}` : nextSeq - 1n === seq ? `#${seq}` : `#${seq}–#${nextSeq - 1n}`;
    return { seq, problem: "missing", detail: `event ${range} is missing: deleted from the ledger` };
  }

  const selfConsistent = fieldsHash(row) === row.hash;
  const linked = row.prevHash === expectedPrev;
  if (!selfConsistent && linked) {
    return { seq, problem: "modified", detail: `event #${seq} was altered after it was written: its content no longer matches its hash` };
  }

  // Where does this row's prevHash point? To an earlier row (rows were inserted after it), a later one
  // (reordered), or nothing (its predecessor was deleted or altered and re-hashed).
  const pointedAt = row.prevHash === GENESIS_HASH ? null : await rowAt(db, "hash = $1", row.prevHash);
  const pointedSeq = row.prevHash === GENESIS_HASH ? 0n : pointedAt ? BigInt(pointedAt.seq) : null;

  if (!selfConsistent) {
    const writtenAs = findWrittenSeq(row, seq, pointedSeq);
    if (writtenAs !== null) {
      if (pointedSeq !== null && pointedSeq < seq - 1n && writtenAs === pointedSeq + 1n) {
        const first = pointedSeq + 1n;
        const inserted = seq - 1n - pointedSeq;
        return {
          seq: first,
          problem: "inserted",
          detail: `${inserted === 1n ? `event #${first} was` : `events #${first}–#${seq - 1n} were`} inserted: event #${seq} was written as #${writtenAs}, right after #${pointedSeq}`,
        };
      }
      if (pointedSeq === null) {
        return { seq, problem: "missing", detail: `an event before #${seq} was deleted and the later ones renumbered: #${seq} was written as #${writtenAs}` };
      }
      return { seq, problem: "reordered", detail: `event #${seq} was written as #${writtenAs}: events were reordered` };
    }
    return { seq, problem: "modified", detail: `event #${seq} was altered after it was written: its content no longer matches its hash` };
  }

  // The row itself is intact but does not follow its predecessor.
  if (pointedSeq !== null && pointedSeq < seq - 1n) {
    const first = pointedSeq + 1n;
    return {
      seq: first,
      problem: "inserted",
      detail: `${first === seq - 1n ? `event #${first} was` : `events #${first}–#${seq - 1n} were`} inserted: event #${seq} was written right after #${pointedSeq}`,
    };
  }
  if (pointedSeq === null && previous) {
    return { seq: seq - 1n, problem: "modified", detail: `event #${seq - 1n} was altered and re-hashed: event #${seq} was written after a different #${seq - 1n}` };
  }
  return { seq, problem: "broken_link", detail: `event #${seq} does not follow event #${seq - 1n}` };
}

/** The seq under which this row's hash was computed, searched near where it sits and after its predecessor. */
function findWrittenSeq(row: LedgerRow, seq: bigint, pointedSeq: bigint | null): bigint | null {
  if (pointedSeq !== null && hashAs(row, pointedSeq + 1n) === row.hash) return pointedSeq + 1n;
  for (let offset = 1n; offset <= MOVE_SEARCH_WINDOW; offset++) {
    if (hashAs(row, seq + offset) === row.hash) return seq + offset;
    if (seq - offset >= 1n && hashAs(row, seq - offset) === row.hash) return seq - offset;
  }
  return null;
}
