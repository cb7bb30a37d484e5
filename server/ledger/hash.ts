import { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "@/server/ledger/canonical";

/** The hash that starts the chain (the "previous hash" of the first event). */
export const GENESIS_HASH = "0".repeat(64);

/** Every field of a ledger event that its hash commits to. */
export interface HashedEventFields {
  seq: bigint;
  id: string;
  occurredAt: Date;
  action: string;
  outcome: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  subjectType: string;
  subjectId: string | null;
  resourceId: string | null;
  requestId: string | null;
  grantId: string | null;
  summary: string;
  data: JsonValue;
  prevHash: string;
}

/** SHA-256 (hex) over the canonical encoding of the event; format version 1 (docs/ledger.md). */
export function computeEventHash(event: HashedEventFields): string {
  const encoded = canonicalJson({
    v: 1,
    seq: event.seq.toString(),
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    action: event.action,
    outcome: event.outcome,
    actorType: event.actorType,
    actorId: event.actorId,
    actorLabel: event.actorLabel,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    resourceId: event.resourceId,
    requestId: event.requestId,
    grantId: event.grantId,
    summary: event.summary,
    data: event.data,
    prevHash: event.prevHash,
  });
  return createHash("sha256").update(encoded, "utf8").digest("hex");
}
