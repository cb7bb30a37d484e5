import type { DbOrTx } from "@/server/db";
import { GENESIS_HASH, encodeFieldsForHash, sha256Hex } from "@/server/ledger/hash";
import { LEDGER_ROW_SELECT, normalizeRow, readRows, type LedgerRow } from "@/server/ledger/rows";
import { checkCheckpointSignature, isCheckpointData } from "@/server/ledger/statements";

/**
 * End-to-end verification of the hash chain (docs/ledger.md, "Verification").
 *
 * Two passes run side by side: PostgreSQL walks the chain's structure with window functions (every
 * `seq` follows the one before, every `prevHash` is the previous `hash`, time never goes back), while
 * Node re-hashes every event's content in keyset batches and checks the same links itself. Whichever
 * finds a problem first bounds the other, and the first broken link is then examined to say what
 * happened to it: an event modified, deleted, inserted or moved (reordered). Checkpoint events are
 * checked on the way: their signature under a trusted key, and the head hash they vouch for.
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
  /** Key ids whose checkpoints are accepted (signing.ts `trustedKeyIds()`); checkpoints are not checked without it. */
  trustedKeyIds?: ReadonlySet<string>;
  /** Reads rows in seq order; defaults to keyset batches through Prisma. */
  readRows?: (range: { fromSeq: bigint; untilSeq: bigint }) => AsyncIterable<LedgerRow[]>;
  /** Called after each batch with the last seq checked (progress for long runs). */
  onProgress?: (seq: bigint, events: number) => void;
}

interface Finding {
  seq: bigint;
  problem: ChainProblemKind;
  detail: string;
}

/** How far around a moved event to look for the position it was written at. */
const MOVE_SEARCH_WINDOW = 1_000n;

export async function verifyChain(db: DbOrTx, options: VerifyOptions = {}): Promise<ChainVerification> {
  const started = performance.now();
  const fromSeq = options.fromSeq ?? 1n;
  const [bounds] = await db.$queryRawUnsafe<{ head: string | null }[]>(`SELECT max(seq)::text AS head FROM "LedgerEvent"`);
  const head = bounds?.head ? BigInt(bounds.head) : null;
  const untilSeq = options.untilSeq ?? head;
  const base = { fromSeq, untilSeq, checkpoints: 0, lastCheckpoint: null as CheckpointSummary | null };
  const finish = (result: WithoutDuration<ChainVerification>): ChainVerification => ({ ...result, durationMs: Math.round(performance.now() - started) }) as ChainVerification;

  let prevHash = GENESIS_HASH;
  let prevTime = "";
  if (fromSeq > 1n && options.anchorHash) {
    prevHash = options.anchorHash;
  } else if (fromSeq > 1n) {
    const [previous] = await db.$queryRawUnsafe<{ hash: string; at: string }[]>(
      `SELECT hash, to_char("occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM "LedgerEvent" WHERE seq = $1::bigint`,
      (fromSeq - 1n).toString(),
    );
    if (!previous) {
      return finish({ ...base, ok: false, events: 0, brokenAtSeq: fromSeq - 1n, problem: "missing", detail: `event #${fromSeq - 1n}, where verification starts, is missing` });
    }
    prevHash = previous.hash;
    prevTime = previous.at;
  }
  if (untilSeq === null || untilSeq < fromSeq) {
    return finish({ ...base, ok: true, events: 0, headSeq: null, headHash: prevHash });
  }

  // The structural pass in SQL runs concurrently with the content pass below and bounds it.
  let structural: Finding | null | undefined;
  const structuralPass = findFirstStructuralBreak(db, fromSeq, untilSeq, prevHash).then((finding) => {
    structural = finding;
  });
  structuralPass.catch(() => undefined);

  let expected = fromSeq;
  let events = 0;
  let finding: Finding | null = null;
  let checkpoints = 0;
  let lastCheckpoint: CheckpointSummary | null = null;
  const read = options.readRows ?? ((range) => readRows(db, range));
  outer: for await (const batch of read({ fromSeq, untilSeq })) {
    for (const row of batch) {
      const seq = BigInt(row.seq);
      // Nothing after the structural pass's first break can be the first problem.
      if (structural && seq >= structural.seq) break outer;
      if (seq !== expected) {
        finding = { seq: expected, problem: "missing", detail: "" };
        break outer;
      }
      if (row.prevHash !== prevHash || sha256Hex(encodeFieldsForHash(row)) !== row.hash) {
        finding = { seq, problem: "broken_link", detail: "" };
        break outer;
      }
      if (row.occurredAt < prevTime) {
        finding = { seq, problem: "time_regression", detail: `event #${seq} is dated ${row.occurredAt}, before event #${seq - 1n} (${prevTime})` };
        break outer;
      }
      if (row.action === "ledger/checkpoint.signed") {
        const check = await checkCheckpoint(db, row, prevHash, options.trustedKeyIds);
        if (!check.ok) {
          finding = { seq, problem: "bad_checkpoint", detail: `checkpoint #${seq} is not valid: ${check.reason}` };
          break outer;
        }
        checkpoints += 1;
        lastCheckpoint = check.summary;
      }
      prevHash = row.hash;
      prevTime = row.occurredAt;
      expected = seq + 1n;
      events += 1;
    }
    options.onProgress?.(expected - 1n, events);
  }
  await structuralPass;
  if (structural && (!finding || structural.seq < finding.seq)) finding = structural;
  // Without a finding the content pass saw every row through untilSeq; a short read means rows are gone.
  if (!finding && expected <= untilSeq) finding = { seq: expected, problem: "missing", detail: "" };

  const counted = { ...base, events, checkpoints, lastCheckpoint };
  if (!finding) return finish({ ...counted, ok: true, headSeq: untilSeq, headHash: prevHash });
  const explained = finding.detail ? finding : await explainBreak(db, finding.seq, untilSeq);
  return finish({ ...counted, ok: false, brokenAtSeq: explained.seq, problem: explained.problem, detail: explained.detail });
}

/** The first seq in the range where seq, prevHash or time do not follow the previous event (SQL). */
async function findFirstStructuralBreak(db: DbOrTx, fromSeq: bigint, untilSeq: bigint, startHash: string): Promise<Finding | null> {
  const [row] = await db.$queryRawUnsafe<{ seq: string; gap: boolean; link: boolean; time: boolean }[]>(
    `SELECT seq::text AS seq, (seq <> expected_seq) AS gap, ("prevHash" IS DISTINCT FROM expected_hash) AS link,
            ("occurredAt" < prev_at) AS time
       FROM (SELECT seq, "prevHash", "occurredAt",
                    coalesce(lag(seq) OVER w + 1, $1::bigint) AS expected_seq,
                    coalesce(lag(hash) OVER w, $3) AS expected_hash,
                    lag("occurredAt") OVER w AS prev_at
               FROM "LedgerEvent" WHERE seq >= $1::bigint AND seq <= $2::bigint
             WINDOW w AS (ORDER BY seq)) AS chain
      WHERE seq <> expected_seq OR "prevHash" IS DISTINCT FROM expected_hash OR "occurredAt" < prev_at
      ORDER BY seq LIMIT 1`,
    fromSeq.toString(),
    untilSeq.toString(),
    startHash,
  );
  if (!row) return null;
  const seq = BigInt(row.seq);
  // A gap means the events before this row are missing: the break is at the first missing seq.
  if (row.gap) return { seq: await firstMissingBefore(db, seq, fromSeq), problem: "missing", detail: "" };
  if (row.link) return { seq, problem: "broken_link", detail: "" };
  return { seq, problem: "time_regression", detail: `event #${seq} is dated before the event before it` };
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

function hashAs(row: LedgerRow, seq: bigint): string {
  return sha256Hex(encodeFieldsForHash({ ...row, seq: seq.toString() }));
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

  const selfConsistent = sha256Hex(encodeFieldsForHash(row)) === row.hash;
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
