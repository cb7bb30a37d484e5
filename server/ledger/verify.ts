import type { DbOrTx } from "@/server/db";
import type { JsonValue } from "@/server/ledger/canonical";
import { computeEventHash, GENESIS_HASH } from "@/server/ledger/hash";

export type ChainVerification =
  | { ok: true; events: number; headSeq: bigint | null; headHash: string }
  | {
      ok: false;
      events: number;
      /** The first event at which the chain does not hold. */
      brokenAtSeq: bigint;
      problem: "gap" | "prev_hash_mismatch" | "hash_mismatch";
      detail: string;
    };

const BATCH = 5_000;

/**
 * Walks the chain in sequence order (keyset batches, constant memory) and reports the first broken link:
 * a missing sequence number (deleted event), a prevHash that is not the previous event's hash (inserted
 * or reordered event), or a hash that does not match the event's content (modified event).
 */
export async function verifyChain(db: DbOrTx, options: { fromSeq?: bigint; untilSeq?: bigint } = {}): Promise<ChainVerification> {
  let expectedSeq = options.fromSeq ?? 1n;
  let prevHash = GENESIS_HASH;
  if (expectedSeq > 1n) {
    const previous = await db.ledgerEvent.findUnique({ where: { seq: expectedSeq - 1n }, select: { hash: true } });
    if (!previous) return { ok: false, events: 0, brokenAtSeq: expectedSeq - 1n, problem: "gap", detail: "start of range not found" };
    prevHash = previous.hash;
  }
  let events = 0;
  let headSeq: bigint | null = null;
  for (;;) {
    const rows = await db.ledgerEvent.findMany({
      where: { seq: { gte: expectedSeq, ...(options.untilSeq ? { lte: options.untilSeq } : {}) } },
      orderBy: { seq: "asc" },
      take: BATCH,
    });
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return { ok: false, events, brokenAtSeq: expectedSeq, problem: "gap", detail: `event ${expectedSeq} is missing (next is ${row.seq})` };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, events, brokenAtSeq: row.seq, problem: "prev_hash_mismatch", detail: `event ${row.seq} does not follow event ${row.seq - 1n}` };
      }
      const recomputed = computeEventHash({ ...row, data: row.data as JsonValue });
      if (recomputed !== row.hash) {
        return { ok: false, events, brokenAtSeq: row.seq, problem: "hash_mismatch", detail: `event ${row.seq} was altered after it was written` };
      }
      prevHash = row.hash;
      headSeq = row.seq;
      expectedSeq = row.seq + 1n;
      events += 1;
    }
    if (rows.length < BATCH) break;
  }
  return { ok: true, events, headSeq, headHash: prevHash };
}
