import { describeActor, type Actor } from "@/server/actor";
import type { DbOrTx, Tx } from "@/server/db";
import type { LedgerAction, LedgerOutcome } from "@/server/ledger/actions";
import { canonicalJson, sanitizeForLedger, type JsonValue } from "@/server/ledger/canonical";
import { uuidv7 } from "@/server/uuid";

/** The transaction-scoped advisory lock that serialises chaining (the chain's total order); keycard_ledger_chain takes it. */
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

/** An appended event: its id at once; its seq, hash and time once its transaction has committed. */
export interface PendingLedgerEvent {
  id: string;
}

export interface AppendedLedgerEvent {
  seq: bigint;
  id: string;
  hash: string;
  occurredAt: Date;
}

/**
 * Appends one event to the hash chain, inside the caller's transaction: the event commits or rolls back
 * with the change it records. The event waits in "LedgerPending" until the transaction commits; then a
 * deferred trigger (keycard_ledger_chain, migration 20261206214314_ledger_chained_at_commit) takes the
 * advisory lock that orders the chain, reads the head, dates the event by the database clock (never before
 * the head), hashes its canonical encoding and moves it into "LedgerEvent". The lock is held until the
 * commit is durable, so seq follows commit order and every prevHash is the hash of the one before it under
 * any concurrency — and it is held for the chaining and the commit only, not for whatever the transaction
 * does between its first event and its end (docs/ledger.md, "Appending").
 *
 * `chainNow` chains at once and returns the event's place in the chain, holding the lock to the end of the
 * transaction: for a checkpoint, which signs the head it follows and must know its own seq.
 */
export async function appendLedgerEvent(tx: Tx, input: LedgerEventInput): Promise<PendingLedgerEvent>;
export async function appendLedgerEvent(tx: Tx, input: LedgerEventInput, options: { chainNow: true }): Promise<AppendedLedgerEvent>;
export async function appendLedgerEvent(tx: Tx, input: LedgerEventInput, options?: { chainNow: true }): Promise<PendingLedgerEvent | AppendedLedgerEvent> {
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
  if (options?.chainNow) await tx.$executeRaw`SET CONSTRAINTS "LedgerPending_chain" IMMEDIATE`;
  await tx.$executeRaw`
    INSERT INTO "LedgerPending" ("id", "action", "outcome", "actorType", "actorId", "actorLabel", "subjectType", "subjectId",
      "resourceId", "requestId", "grantId", "summary", "data")
    VALUES (${e.id}::uuid, ${e.action}, ${e.outcome}, ${e.actorType}, ${e.actorId}, ${e.actorLabel}, ${e.subjectType},
      ${e.subjectId}, ${e.resourceId}::uuid, ${e.requestId}::uuid, ${e.grantId}::uuid, ${e.summary}, ${canonicalJson(e.data)})`;
  if (!options?.chainNow) return { id: e.id };
  const chained = await appendedEvent(tx, e.id);
  if (!chained) throw new Error("the event was not chained at its append");
  return chained;
}

/** An event's place in the chain, once its transaction has committed (or at once after `chainNow`). */
export async function appendedEvent(db: DbOrTx, id: string): Promise<AppendedLedgerEvent | null> {
  const [row] = await db.$queryRaw<{ seq: bigint; hash: string; occurredAt: Date }[]>`
    SELECT seq, hash, "occurredAt" FROM "LedgerEvent" WHERE id = ${id}::uuid`;
  return row ? { seq: BigInt(row.seq), id, hash: row.hash, occurredAt: row.occurredAt } : null;
}
