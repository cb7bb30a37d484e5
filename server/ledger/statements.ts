import type { KeyObject } from "node:crypto";
import { canonicalJson } from "@/server/ledger/canonical";
import { parsePublicKey, publicKeyId, verifyStatement } from "@/server/ledger/signing";

/**
 * What the ledger key signs. Each statement is canonical JSON with a `type`, so a signature over one
 * kind (a checkpoint) can never be replayed as another (an export manifest).
 */

export const CHECKPOINT_TYPE = "keycard.ledger.checkpoint";

export interface CheckpointStatement {
  type: typeof CHECKPOINT_TYPE;
  v: 1;
  /** The last event the checkpoint covers, and its hash: it vouches for the whole chain up to there. */
  headSeq: string;
  headHash: string;
  signedAt: string;
  keyId: string;
}

/** The `data` of a `ledger/checkpoint.signed` event. */
export interface CheckpointData {
  statement: CheckpointStatement;
  signature: string;
  /** Base64 raw Ed25519 public key. */
  publicKey: string;
}

export function checkpointStatementText(statement: CheckpointStatement): string {
  return canonicalJson(statement);
}

export function isCheckpointData(value: unknown): value is CheckpointData {
  if (!value || typeof value !== "object") return false;
  const data = value as Partial<CheckpointData>;
  const statement = data.statement as Partial<CheckpointStatement> | undefined;
  return (
    typeof data.signature === "string" &&
    typeof data.publicKey === "string" &&
    !!statement &&
    statement.type === CHECKPOINT_TYPE &&
    typeof statement.headSeq === "string" &&
    typeof statement.headHash === "string" &&
    typeof statement.keyId === "string"
  );
}

export type CheckpointCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/**
 * A checkpoint is valid when its signature verifies under its public key AND that key is one the
 * verifier trusts: anyone rewriting the chain could sign their own checkpoints with their own key.
 */
export function checkCheckpointSignature(data: unknown, trustedKeyIds: ReadonlySet<string>): CheckpointCheck {
  if (!isCheckpointData(data)) return { ok: false, reason: "the checkpoint's data is not a signed statement" };
  let key: KeyObject;
  try {
    key = parsePublicKey(data.publicKey);
  } catch {
    return { ok: false, reason: "the checkpoint's public key is not an Ed25519 key" };
  }
  const keyId = publicKeyId(key);
  if (keyId !== data.statement.keyId) return { ok: false, reason: `the statement names key ${data.statement.keyId} but carries key ${keyId}` };
  if (!trustedKeyIds.has(keyId)) return { ok: false, reason: `signed by key ${keyId}, which is not a trusted ledger key` };
  if (!verifyStatement(checkpointStatementText(data.statement), data.signature, key)) {
    return { ok: false, reason: "the signature does not match the statement" };
  }
  return { ok: true, keyId };
}
