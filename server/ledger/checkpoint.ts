import { systemActor, type Actor } from "@/server/actor";
import type { Db, DbOrTx } from "@/server/db";
import { appendLedgerEvent, LEDGER_LOCK_KEY } from "@/server/ledger/append";
import { ledgerSigningKey, signStatement, type LedgerSigningKey } from "@/server/ledger/signing";
import { CHECKPOINT_TYPE, checkpointStatementText, isCheckpointData, type CheckpointData, type CheckpointStatement } from "@/server/ledger/statements";

/**
 * Signed checkpoints: a `ledger/checkpoint.signed` event whose data is an Ed25519-signed statement of
 * the chain head just before it ({ headSeq, headHash }). Anyone with the public key can then check that
 * the chain up to headSeq is the one Keycard had when it signed, offline: rewriting history would need
 * the private key, which the database never holds.
 */

export interface Checkpoint {
  /** The checkpoint event itself. */
  seq: bigint;
  occurredAt: Date;
  statement: CheckpointStatement;
  signature: string;
  publicKey: string;
  verification?: CheckpointVerification;
}

/**
 * Appends a checkpoint over the current head. The head is read under the ledger's append lock (inside
 * appendLedgerEvent's transaction), so no event can slip in between the head and its checkpoint.
 */
/** What the checkpoint job found when it verified the chain before signing (kept beside the signed statement). */
export interface CheckpointVerification {
  ok: true;
  scope: "full" | "incremental";
  fromSeq: string;
  untilSeq: string;
  events: number;
  durationMs: number;
}

export async function signCheckpoint(
  db: Db,
  options: { actor?: Actor; key?: LedgerSigningKey; reason?: string; verification?: CheckpointVerification } = {},
): Promise<Checkpoint> {
  const key = options.key ?? ledgerSigningKey();
  const actor = options.actor ?? systemActor("ledger-checkpoint");
  return db.$transaction(async (tx) => {
    // Take the append lock first so that the head read below is the one the checkpoint will follow.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LEDGER_LOCK_KEY}::bigint)`;
    const [head] = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT seq, hash FROM "LedgerEvent" ORDER BY seq DESC LIMIT 1`;
    const statement: CheckpointStatement = {
      type: CHECKPOINT_TYPE,
      v: 1,
      headSeq: (head?.seq ?? 0n).toString(),
      headHash: head?.hash ?? "0".repeat(64),
      signedAt: new Date().toISOString(),
      keyId: key.keyId,
    };
    const data: CheckpointData = { statement, signature: signStatement(checkpointStatementText(statement), key), publicKey: key.publicKeyBase64 };
    const appended = await appendLedgerEvent(tx, {
      action: "ledger/checkpoint.signed",
      actor,
      subject: { type: "ledger", id: statement.headSeq },
      summary: `Checkpoint signed over events #1–#${statement.headSeq} (key ${key.keyId})${options.reason ? ` — ${options.reason}` : ""}`,
      data: { ...data, statement: { ...statement }, ...(options.verification ? { verification: { ...options.verification } } : {}) },
    }, { chainNow: true });
    return { seq: appended.seq, occurredAt: appended.occurredAt, ...data, ...(options.verification ? { verification: options.verification } : {}) };
  });
}

/** The newest checkpoint, optionally the newest that covers `seq`. */
export async function latestCheckpoint(db: DbOrTx, options: { covering?: bigint } = {}): Promise<Checkpoint | null> {
  const rows = await db.ledgerEvent.findMany({
    where: { action: "ledger/checkpoint.signed" },
    orderBy: { seq: "desc" },
    take: 5,
    select: { seq: true, occurredAt: true, data: true },
  });
  for (const row of rows) {
    const data: unknown = row.data;
    if (!isCheckpointData(data)) continue;
    // The newest checkpoint has the highest head: if it does not cover seq, none does.
    if (options.covering !== undefined && BigInt(data.statement.headSeq) < options.covering) return null;
    const verification = (data as { verification?: CheckpointVerification }).verification;
    return { seq: row.seq, occurredAt: row.occurredAt, statement: data.statement, signature: data.signature, publicKey: data.publicKey, ...(verification ? { verification } : {}) };
  }
  return null;
}

/** A checkpoint covering `seq`, signing a fresh one when the newest does not reach it (exports use this). */
export async function checkpointCovering(db: Db, seq: bigint, actor: Actor): Promise<Checkpoint> {
  const existing = await latestCheckpoint(db, { covering: seq });
  if (existing) return existing;
  return signCheckpoint(db, { actor, reason: "for an export" });
}
