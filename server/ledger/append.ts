import { describeActor, type Actor } from "@/server/actor";
import type { Tx } from "@/server/db";
import type { LedgerAction, LedgerOutcome } from "@/server/ledger/actions";
import { canonicalJson, sanitizeForLedger, type JsonValue } from "@/server/ledger/canonical";
import { uuidv7 } from "@/server/uuid";

/** The transaction-scoped advisory lock that serialises appends (the chain's total order); keycard_ledger_append takes it. */
export const LEDGER_LOCK_KEY = 4_242_001;

export interface LedgerEventInput {
  action: LedgerAction;
  actor: Actor;
  subject: { type: string; id?: string | null };
  resourceId?: string | null;
  requestId?: string | null;
  grantId?: string | null;
  outcome?: LedgerOutcome;
  /** One line a person reads in the ledger ("Ada approved orders-db write for Linus"). */
  summary: string;
  data?: { [key: string]: JsonValue | undefined };
}

export interface AppendedLedgerEvent {
  seq: bigint;
  id: string;
  hash: string;
  occurredAt: Date;
}

/**
 * Appends one event to the hash chain, inside the caller's transaction: the event commits or rolls back
 * with the change it records. One round trip to keycard_ledger_append() (migration
 * 20261206153000_ledger_hash_in_database), which takes the transaction-scoped advisory lock that orders
 * the chain, reads the head after it, dates the event by the database clock (never before the head),
 * hashes the canonical encoding and inserts. The lock is held until commit, so sequence numbers follow
 * commit order and every event's prevHash is the hash of the one before it under any concurrency; doing
 * all of it in one call keeps the time the lock is held, and with it the chain's throughput, to one
 * statement and the commit.
 */
export async function appendLedgerEvent(tx: Tx, input: LedgerEventInput): Promise<AppendedLedgerEvent> {
  // A transaction client lacks $connect (Prisma denies it inside interactive transactions); the full client has it.
  if (typeof (tx as { $connect?: unknown }).$connect === "function") {
    throw new Error("appendLedgerEvent must be called inside the transaction of the change it records");
  }
  const actor = describeActor(input.actor);
  const e = sanitizeForLedger({
    id: uuidv7(),
    action: input.action,
    outcome: input.outcome ?? "success",
    ...actor,
    subjectType: input.subject.type,
    subjectId: input.subject.id ?? null,
    resourceId: input.resourceId ?? null,
    requestId: input.requestId ?? null,
    grantId: input.grantId ?? null,
    summary: input.summary,
    data: (input.data ?? {}) as JsonValue,
  });
  const [row] = await tx.$queryRaw<{ out_seq: bigint; out_hash: string; out_occurred_at: string }[]>`
    SELECT out_seq, out_hash, out_occurred_at FROM keycard_ledger_append(
      ${e.id}::uuid, ${e.action}, ${e.outcome}, ${e.actorType}, ${e.actorId}, ${e.actorLabel}, ${e.subjectType},
      ${e.subjectId}, ${e.resourceId}::uuid, ${e.requestId}::uuid, ${e.grantId}::uuid, ${e.summary}, ${canonicalJson(e.data)})`;
  if (!row) throw new Error("keycard_ledger_append returned nothing");
  return { seq: BigInt(row.out_seq), id: e.id, hash: row.out_hash, occurredAt: new Date(row.out_occurred_at) };
}
