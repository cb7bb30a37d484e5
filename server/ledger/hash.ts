import crypto, { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "@/server/ledger/canonical";

/** The hash that starts the chain (the "previous hash" of the first event). */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The format version of the hashed encoding that new events get (docs/ledger.md, "Event format"). Version 1,
 * a canonical JSON object, is what events appended before 2026-12-07 carry and are verified by; version 2
 * is a byte string that PostgreSQL builds in about half the time, which is most of what verification costs.
 */
export const LEDGER_FORMAT = 2;

/** Every field of a ledger event that its hash commits to. */
export interface HashedEventFields {
  /** The encoding's format version (column "format"). */
  format: number;
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

/** What JSON.stringify does to a string, without its cost for the common case of nothing to escape. */
// Control characters are exactly what this pattern looks for (JSON must escape them).
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}
function jsonNullable(value: string | null): string {
  return value === null ? "null" : jsonString(value);
}

/** An event's hashed fields as text, as the encodings write them and exports carry them (no Date, BigInt or jsonb). */
export type EncodedEventFields = Omit<HashedEventFields, "format" | "seq" | "occurredAt" | "data"> & {
  /** "1" or "2" (anything else hashes to nothing and fails verification). */
  format: string;
  seq: string;
  /** ISO 8601 UTC with milliseconds, `2026-01-02T03:04:05.678Z`. */
  occurredAt: string;
  /** canonicalJson(data). */
  dataJson: string;
};

/**
 * The canonical encoding of an event, in the format its `format` names (docs/ledger.md, "Event format"). Its
 * SHA-256 is the event's hash; OCSF exports carry it as `raw_data` so that anyone can re-hash it. An
 * unknown format has no encoding (null), so nothing can hash to a stored hash under it.
 */
export function encodeFieldsForHash(e: EncodedEventFields): string | null {
  if (e.format === "2") return encodeFieldsV2(e);
  if (e.format === "1") return encodeFieldsV1(e);
  return null;
}

/**
 * Format 1: canonical JSON of the object `{ v: 1, seq: "<decimal>", id, occurredAt: "<ISO 8601 UTC, ms>",
 * action, …, data, prevHash }`. Written out key by key in sorted order instead of through `canonicalJson`
 * of the whole object: the bytes are identical (a property test checks it) and it is several times
 * faster, which matters when verification and exports encode millions of events.
 */
export function encodeFieldsV1(e: EncodedEventFields): string {
  return (
    `{"action":${jsonString(e.action)},"actorId":${jsonNullable(e.actorId)},"actorLabel":${jsonString(e.actorLabel)},` +
    `"actorType":${jsonString(e.actorType)},"data":${e.dataJson},"grantId":${jsonNullable(e.grantId)},` +
    `"id":${jsonString(e.id)},"occurredAt":${jsonString(e.occurredAt)},"outcome":${jsonString(e.outcome)},` +
    `"prevHash":${jsonString(e.prevHash)},"requestId":${jsonNullable(e.requestId)},"resourceId":${jsonNullable(e.resourceId)},` +
    `"seq":${jsonString(e.seq)},"subjectId":${jsonNullable(e.subjectId)},"subjectType":${jsonString(e.subjectType)},` +
    `"summary":${jsonString(e.summary)},"v":1}`
  );
}

/** How format 2 begins; nothing in format 1 (a JSON object) can. */
export const FORMAT_2_MAGIC = "keycard-ledger/2\n";

/**
 * Format 2, the same bytes as keycard_ledger_hash_v2 in SQL: a header of the fields whose type fixes their
 * shape, one per line (seq, id, occurredAt, then resourceId, requestId and grantId or an empty line for
 * none), then every text field followed by U+0000, in the order action, outcome, actorType, actorId,
 * actorLabel, subjectType, subjectId, summary, data, prevHash. The two text fields that may be null are
 * tagged: "s" before a value, a lone "n" for null. PostgreSQL text never holds U+0000, so every field
 * ends exactly where its terminator is: two different events never share an encoding.
 */
export function encodeFieldsV2(e: EncodedEventFields): string {
  const tagged = (value: string | null) => (value === null ? "n" : `s${value}\u0000`);
  return (
    `${FORMAT_2_MAGIC}${e.seq}\n${e.id}\n${e.occurredAt}\n${e.resourceId ?? ""}\n${e.requestId ?? ""}\n${e.grantId ?? ""}\n` +
    `${e.action}\u0000${e.outcome}\u0000${e.actorType}\u0000${tagged(e.actorId)}${e.actorLabel}\u0000${e.subjectType}\u0000` +
    `${tagged(e.subjectId)}${e.summary}\u0000${e.dataJson}\u0000${e.prevHash}\u0000`
  );
}

/**
 * The fields back out of a format 2 encoding (an OCSF export's raw_data), or null when the text is not
 * one. Strict: decoding and encoding again gives the same text, or the text was not canonical.
 */
export function decodeFieldsV2(text: string): EncodedEventFields | null {
  if (!text.startsWith(FORMAT_2_MAGIC)) return null;
  const lines = text.slice(FORMAT_2_MAGIC.length).split("\n");
  if (lines.length < 7) return null;
  const [seq, id, occurredAt, resourceId, requestId, grantId] = lines as [string, string, string, string, string, string];
  // The body may itself hold newlines (in a summary, say): rejoin what the split took apart.
  const body = lines.slice(6).join("\n");
  const parts = body.split("\u0000");
  let index = 0;
  const next = (): string | undefined => parts[index++];
  const nextTagged = (): string | null | undefined => {
    const part = parts[index];
    if (part === undefined) return undefined;
    if (part.startsWith("n")) {
      // A null is a lone "n" with no terminator: what follows it is already the next field.
      parts[index] = part.slice(1);
      return null;
    }
    if (!part.startsWith("s")) return undefined;
    index += 1;
    return part.slice(1);
  };
  const action = next(), outcome = next(), actorType = next(), actorId = nextTagged(), actorLabel = next(), subjectType = next();
  const subjectId = nextTagged(), summary = next(), dataJson = next(), prevHash = next();
  const fields = [action, outcome, actorType, actorLabel, subjectType, summary, dataJson, prevHash];
  if (fields.some((field) => field === undefined) || actorId === undefined || subjectId === undefined) return null;
  // Everything was consumed: the last terminator leaves one empty part behind.
  if (index !== parts.length - 1 || parts[index] !== "") return null;
  const decoded: EncodedEventFields = {
    format: "2", seq, id, occurredAt, resourceId: resourceId || null, requestId: requestId || null, grantId: grantId || null,
    action: action!, outcome: outcome!, actorType: actorType!, actorId, actorLabel: actorLabel!, subjectType: subjectType!,
    subjectId, summary: summary!, dataJson: dataJson!, prevHash: prevHash!,
  };
  return encodeFieldsV2(decoded) === text ? decoded : null;
}

export function toEncodedFields({ format, seq, occurredAt, data, ...text }: HashedEventFields): EncodedEventFields {
  return { ...text, format: String(format), seq: seq.toString(), occurredAt: occurredAt.toISOString(), dataJson: canonicalJson(data) };
}

/** The reference definition of format 1, kept for the property test of the fast one. */
export function encodeEventForHashReference(event: HashedEventFields): string {
  return canonicalJson({
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
}

// Node's one-shot hash (20.12+) skips the Hash object: a third less time per event when millions are hashed.
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : createHash("sha256").update(text, "utf8").digest("hex");
}

/** SHA-256 (hex) over an event's encoding in its format; null for a format that does not exist. */
export function fieldsHash(fields: EncodedEventFields): string | null {
  const encoding = encodeFieldsForHash(fields);
  return encoding === null ? null : sha256Hex(encoding);
}

/** SHA-256 (hex) over the canonical encoding of the event (docs/ledger.md). */
export function computeEventHash(event: HashedEventFields): string {
  const hash = fieldsHash(toEncodedFields(event));
  if (hash === null) throw new Error(`ledger format ${event.format} does not exist`);
  return hash;
}
