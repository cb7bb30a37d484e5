import { randomUUID } from "node:crypto";
import { describeActor, type Actor } from "@/server/actor";
import type { Tx } from "@/server/db";
import type { LedgerAction, LedgerOutcome } from "@/server/ledger/actions";
import { sanitizeForLedger, type JsonValue } from "@/server/ledger/canonical";
import { encodeFieldsForHash, GENESIS_HASH, sha256Hex, toEncodedFields } from "@/server/ledger/hash";

/** A fixed key for the transaction-scoped advisory lock that serialises appends (the chain's total order). */
const LEDGER_LOCK_KEY = 4_242_001;

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
 * with the change it records. Appends are serialised by a transaction-scoped advisory lock, so sequence
 * numbers follow commit order and every event's prevHash is the hash of the one before it even with
 * many concurrent writers. Time comes from the database clock (never earlier than the previous event).
 */
export async function appendLedgerEvent(tx: Tx, input: LedgerEventInput): Promise<AppendedLedgerEvent> {
  // A transaction client lacks $connect (Prisma denies it inside interactive transactions); the full client has it.
  if (typeof (tx as { $connect?: unknown }).$connect === "function") {
    throw new Error("appendLedgerEvent must be called inside the transaction of the change it records");
  }
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LEDGER_LOCK_KEY}::bigint)`;
  const [head] = await tx.$queryRaw<{ seq: bigint | null; hash: string | null; now: Date }[]>`
    SELECT h.seq, h.hash,
           GREATEST(date_trunc('milliseconds', clock_timestamp()), h."occurredAt") AS now
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT seq, hash, "occurredAt" FROM "LedgerEvent" ORDER BY seq DESC LIMIT 1
    ) AS h ON true`;
  if (!head) throw new Error("ledger head query returned nothing");

  const actor = describeActor(input.actor);
  const fields = sanitizeForLedger({
    seq: (head.seq ?? 0n) + 1n,
    id: randomUUID(),
    occurredAt: head.now,
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
    prevHash: head.hash ?? GENESIS_HASH,
  });
  const encoded = toEncodedFields(fields);
  const hash = sha256Hex(encodeFieldsForHash(encoded));
  // A raw INSERT rather than the ORM's create: appends run under the ledger lock, and the ORM's query
  // building is most of the client-side time of each one. The canonical data text is valid JSON for jsonb;
  // the time goes in as UTC wall time, exactly as the ORM writes a DateTime into timestamp(3).
  await tx.$executeRaw`
    INSERT INTO "LedgerEvent" (seq, id, "occurredAt", action, outcome, "actorType", "actorId", "actorLabel", "subjectType",
                               "subjectId", "resourceId", "requestId", "grantId", summary, data, "prevHash", hash)
    VALUES (${encoded.seq}::bigint, ${fields.id}::uuid, ${encoded.occurredAt}::timestamp(3), ${fields.action}, ${fields.outcome},
            ${fields.actorType}, ${fields.actorId}, ${fields.actorLabel}, ${fields.subjectType}, ${fields.subjectId},
            ${fields.resourceId}::uuid, ${fields.requestId}::uuid, ${fields.grantId}::uuid, ${fields.summary},
            ${encoded.dataJson}::jsonb, ${fields.prevHash}, ${hash})`;
  return { seq: fields.seq, id: fields.id, hash, occurredAt: fields.occurredAt };
}
