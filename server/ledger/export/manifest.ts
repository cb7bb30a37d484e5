import { canonicalJson } from "@/server/ledger/canonical";
import { parsePublicKey, publicKeyId, signStatement, verifyStatement, type LedgerSigningKey } from "@/server/ledger/signing";
import { checkCheckpointSignature, type CheckpointData } from "@/server/ledger/statements";

/**
 * An export's manifest: what the file holds (rows, bytes, SHA-256), which stretch of the chain it comes
 * from, the signed checkpoint that covers that stretch, and the ledger's public key — all signed with
 * the ledger key, so that neither the file nor the manifest can be edited without the offline check
 * failing.
 */

export const MANIFEST_TYPE = "keycard.ledger.export-manifest";

export interface ExportManifestBody {
  type: typeof MANIFEST_TYPE;
  v: 1;
  exportId: string;
  file: string;
  format: "csv" | "jsonl" | "ocsf" | "zip";
  bom: boolean;
  createdAt: string;
  createdBy: string;
  /** The search the export came from (as in the ledger page's URL). */
  filters: Record<string, unknown>;
  rows: number;
  bytes: number;
  sha256: string;
  chain: {
    /** The head of the ledger when the export started: nothing after it is included. */
    headSeq: string;
    /** The first and last event in the file (null when it is empty). */
    firstSeq: string | null;
    lastSeq: string | null;
    firstHash: string | null;
    lastHash: string | null;
    /** Every event between firstSeq and lastSeq is in the file (an unfiltered export): the chain links can be checked. */
    contiguous: boolean;
  };
  checkpoint: CheckpointData & { seq: string };
  publicKey: { keyId: string; base64: string; pem: string };
  /** Evidence packs: every other file of the pack with its digest (covered by the same signature). */
  files?: { name: string; sha256: string; bytes: number; rows?: number }[];
}

export interface ExportManifest extends ExportManifestBody {
  /** Ed25519 over canonicalJson(the manifest without this field), base64. */
  signature: string;
}

export function signManifest(body: ExportManifestBody, key: LedgerSigningKey): ExportManifest {
  return { ...body, signature: signStatement(canonicalJson(body), key) };
}

export type ManifestCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/**
 * The manifest's own signature and its checkpoint's, under the public key it names — or under a key the
 * verifier pins (a third party should pin the key Keycard published, not trust the one in the file).
 */
export function checkManifestSignature(manifest: ExportManifest, pinnedPublicKey?: string): ManifestCheck {
  const { signature, ...body } = manifest;
  let keyText = manifest.publicKey?.base64;
  if (pinnedPublicKey) keyText = pinnedPublicKey;
  if (!keyText) return { ok: false, reason: "the manifest names no public key" };
  let keyId: string;
  let key;
  try {
    key = parsePublicKey(keyText);
    keyId = publicKeyId(key);
  } catch {
    return { ok: false, reason: "the public key is not an Ed25519 key" };
  }
  if (pinnedPublicKey && manifest.publicKey?.keyId !== keyId) {
    return { ok: false, reason: `the manifest was signed by key ${manifest.publicKey?.keyId}, not by the pinned key ${keyId}` };
  }
  if (!verifyStatement(canonicalJson(body), signature, key)) return { ok: false, reason: "the manifest's signature does not match its content" };
  const checkpoint = checkCheckpointSignature(manifest.checkpoint, new Set([keyId]));
  if (!checkpoint.ok) return { ok: false, reason: `checkpoint #${manifest.checkpoint?.seq}: ${checkpoint.reason}` };
  if (manifest.chain.lastSeq !== null && BigInt(manifest.checkpoint.statement.headSeq) < BigInt(manifest.chain.lastSeq)) {
    return { ok: false, reason: `checkpoint covers events up to #${manifest.checkpoint.statement.headSeq}, not the export's last event #${manifest.chain.lastSeq}` };
  }
  return { ok: true, keyId };
}
