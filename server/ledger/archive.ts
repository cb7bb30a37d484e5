import { SigningKeyError } from "@/server/ledger/signing";

/**
 * Where verification starts. Normally at event #1 from the genesis hash; after old events were archived
 * out of the table (docs/ledger.md, "Retention"), KEYCARD_LEDGER_ARCHIVED_THROUGH=`<seq>:<hash>` names
 * the last archived event and its hash (from the archive's signed manifest), and verification resumes
 * at seq + 1, anchored to that hash — so the kept chain stays verifiable end to end.
 */
export function verificationStart(): { fromSeq: bigint; anchorHash?: string } {
  const value = process.env.KEYCARD_LEDGER_ARCHIVED_THROUGH?.trim();
  if (!value) return { fromSeq: 1n };
  const match = /^(\d{1,19}):([0-9a-f]{64})$/.exec(value);
  if (!match) throw new SigningKeyError("Invalid configuration: KEYCARD_LEDGER_ARCHIVED_THROUGH must be <seq>:<64 hex hash> of the last archived event");
  return { fromSeq: BigInt(match[1]!) + 1n, anchorHash: match[2]! };
}
