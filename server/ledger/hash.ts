import crypto, { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "@/server/ledger/canonical";

/** The hash that starts the chain (the "previous hash" of the first event). */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The format version of the hashed encoding that new events get (docs/ledger.md, "Event format"). Version 1,
 * a canonical JSON object, is what events appended before 2026-12-07 carry and are verified by; versions 2
 * and 3 are encodings PostgreSQL builds faster (in about half, then two fifths of format 1's time), which
 * is most of what verification costs. Every event keeps the format it was hashed in.
 */
export const LEDGER_FORMAT = 3;

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
  /** "1", "2" or "3" (anything else hashes to nothing and fails verification). */
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
  if (e.format === "3") return encodeFieldsV3(e);
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

/** How format 3 begins; nothing in formats 1 or 2 can. */
export const FORMAT_3_MAGIC = "keycard-ledger/3 ";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SEQ = /^(0|[1-9][0-9]{0,18})$/;
const INT8_MAX = 2n ** 63n - 1n;
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamp_send. */
const PG_EPOCH_MS = 946_684_800_000;
/** The nine length-prefixed text fields, in header order (prevHash, last, is the rest). */
const V3_TEXT_FIELDS = ["action", "outcome", "actorType", "actorId", "actorLabel", "subjectType", "subjectId", "summary", "dataJson"] as const;

/** A lone UTF-16 surrogate: UTF-8 cannot hold it (it would hash as U+FFFD, like the text that has one). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A valid header's hex: 8 + 16 + 8 + 3 × 17 + 9 × 4 bytes at most. */
const MAX_V3_HEADER_HEX = 2 * (8 + 16 + 8 + 3 * 17 + 4 * 9);

const isStorableText = (value: unknown): value is string => typeof value === "string" && !LONE_SURROGATE.test(value);
function uuidBytes(value: unknown): Buffer | null {
  return typeof value === "string" && UUID.test(value) ? Buffer.from(value.replace(/-/g, ""), "hex") : null;
}
function int8Bytes(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(value);
  return bytes;
}
function uuidText(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Format 3, the same bytes as keycard_ledger_hash_v3 in SQL: `keycard-ledger/3 `, a binary header in
 * lower-case hex, a line feed, then the text fields back to back (action, outcome, actorType, actorId,
 * actorLabel, subjectType, subjectId, summary, data, prevHash). The header, big endian: seq (int8), id (16
 * bytes), occurredAt (int8 microseconds since 2000-01-01), resourceId, requestId and grantId (each 0x01 and
 * 16 bytes, or 0x00 for none), then the UTF-8 byte length (int4) of every text field but prevHash, -1 for a
 * null actorId or subjectId; prevHash, last, is the rest. Fields only exist in their canonical text
 * (lower-case uuids, a decimal seq without leading zeros, ISO 8601 UTC with milliseconds, text without lone
 * surrogates): any other spelling has no encoding, so an export edited that way fails its check instead of
 * hashing like the original.
 */
export function encodeFieldsV3(e: EncodedEventFields): string | null {
  // Fields come from files too (offline verification): anything but canonical text has no encoding.
  const id = uuidBytes(e.id);
  if (!id || typeof e.seq !== "string" || !SEQ.test(e.seq) || BigInt(e.seq) > INT8_MAX || typeof e.occurredAt !== "string") return null;
  const ms = Date.parse(e.occurredAt);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== e.occurredAt) return null;
  const texts = [e.action, e.outcome, e.actorType, e.actorLabel, e.subjectType, e.summary, e.dataJson, e.prevHash];
  if (!texts.every(isStorableText) || ![e.actorId, e.subjectId].every((value) => value === null || isStorableText(value))) return null;
  const optional: Buffer[] = [];
  for (const value of [e.resourceId, e.requestId, e.grantId]) {
    if (value === null) {
      optional.push(Buffer.of(0));
      continue;
    }
    const bytes = uuidBytes(value);
    if (!bytes) return null;
    optional.push(Buffer.of(1), bytes);
  }
  const lengths = Buffer.alloc(4 * V3_TEXT_FIELDS.length);
  V3_TEXT_FIELDS.forEach((field, i) => {
    const value = e[field];
    lengths.writeInt32BE(value === null ? -1 : Buffer.byteLength(value, "utf8"), 4 * i);
  });
  const header = Buffer.concat([int8Bytes(BigInt(e.seq)), id, int8Bytes(BigInt(ms - PG_EPOCH_MS) * 1000n), ...optional, lengths]);
  return (
    `${FORMAT_3_MAGIC}${header.toString("hex")}\n${e.action}${e.outcome}${e.actorType}${e.actorId ?? ""}${e.actorLabel}` +
    `${e.subjectType}${e.subjectId ?? ""}${e.summary}${e.dataJson}${e.prevHash}`
  );
}

/**
 * The fields back out of a format 3 encoding (an OCSF export's raw_data), or null when the text is not
 * one. Strict like decodeFieldsV2: the fields must encode back to exactly the same text.
 */
export function decodeFieldsV3(text: string): EncodedEventFields | null {
  if (!text.startsWith(FORMAT_3_MAGIC)) return null;
  const newline = text.indexOf("\n", FORMAT_3_MAGIC.length);
  const hex = text.slice(FORMAT_3_MAGIC.length, newline);
  if (newline < 0 || hex.length > MAX_V3_HEADER_HEX || hex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(hex)) return null;
  const header = Buffer.from(hex, "hex");
  let at = 0;
  const take = (n: number): Buffer | null => (at + n <= header.length ? header.subarray(at, (at += n)) : null);
  const seq = take(8), id = take(16), micros = take(8);
  if (!seq || !id || !micros) return null;
  const optional: (string | null)[] = [];
  for (let i = 0; i < 3; i++) {
    const flag = take(1)?.[0];
    if (flag === 0) optional.push(null);
    else if (flag === 1) {
      const bytes = take(16);
      if (!bytes) return null;
      optional.push(uuidText(bytes));
    } else return null;
  }
  const lengthBytes = take(4 * V3_TEXT_FIELDS.length);
  if (!lengthBytes || at !== header.length) return null;
  const body = Buffer.from(text.slice(newline + 1), "utf8");
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const texts: Partial<Record<(typeof V3_TEXT_FIELDS)[number], string | null>> = {};
  let offset = 0;
  try {
    V3_TEXT_FIELDS.forEach((field, i) => {
      const length = lengthBytes.readInt32BE(4 * i);
      if (length === -1 && (field === "actorId" || field === "subjectId")) {
        texts[field] = null;
        return;
      }
      if (length < 0 || offset + length > body.length) throw new RangeError("field past the end");
      texts[field] = utf8.decode(body.subarray(offset, (offset += length)));
    });
  } catch {
    return null;
  }
  const ms = Number(micros.readBigInt64BE(0) / 1000n) + PG_EPOCH_MS;
  const occurredAt = new Date(ms);
  if (Number.isNaN(occurredAt.getTime())) return null;
  const decoded: EncodedEventFields = {
    format: "3", seq: seq.readBigInt64BE(0).toString(), id: uuidText(id), occurredAt: occurredAt.toISOString(),
    resourceId: optional[0]!, requestId: optional[1]!, grantId: optional[2]!,
    action: texts.action!, outcome: texts.outcome!, actorType: texts.actorType!, actorId: texts.actorId ?? null,
    actorLabel: texts.actorLabel!, subjectType: texts.subjectType!, subjectId: texts.subjectId ?? null, summary: texts.summary!,
    dataJson: texts.dataJson!, prevHash: body.subarray(offset).toString("utf8"),
  };
  return encodeFieldsV3(decoded) === text ? decoded : null;
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
