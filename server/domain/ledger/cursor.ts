import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { authSecret } from "@/server/auth/secret";
import { canonicalJson } from "@/server/ledger/canonical";
import { DomainError } from "@/server/errors";
import type { LedgerFilters } from "@/server/domain/ledger/schema";

/**
 * Keyset pagination cursors: `<payload>.<mac>`, both base64url. The payload names the last `seq` seen,
 * the direction, and a digest of the search it belongs to; the MAC (HMAC-SHA256 under a key derived from
 * the portal's secret) makes a cursor unforgeable, and the digest makes one search's cursor useless for
 * another. Anything else is refused with a VALIDATION error, never a server error.
 */

export type CursorDirection = "after" | "before";

interface CursorPayload {
  v: 1;
  /** The seq the page continues from (exclusive). */
  s: string;
  /** "after": the page that follows in the current order; "before": the one that precedes. */
  d: CursorDirection;
  /** The search this cursor belongs to. */
  f: string;
}

let cachedKey: { secret: string; key: Buffer } | undefined;

function cursorKey(): Buffer {
  const secret = authSecret();
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: Buffer.from(hkdfSync("sha256", secret, "keycard", "ledger-cursor-v1", 32)) };
  }
  return cachedKey.key;
}

/** What a cursor is bound to: the filters and the order, normalised so that equal searches agree. */
export function searchDigest(filters: LedgerFilters, order: "asc" | "desc"): string {
  const normalised = { ...filters, action: filters.action ? [...filters.action].sort() : undefined, q: filters.q?.trim() || undefined, order };
  return createHash("sha256").update(canonicalJson(normalised)).digest("base64url").slice(0, 16);
}

function mac(payload: string): Buffer {
  return createHmac("sha256", cursorKey()).update(payload).digest().subarray(0, 16);
}

export function encodeCursor(seq: bigint, direction: CursorDirection, digest: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, s: seq.toString(), d: direction, f: digest } satisfies CursorPayload)).toString("base64url");
  return `${payload}.${mac(payload).toString("base64url")}`;
}

const INVALID = "This page link is not valid: it was changed, or it belongs to another search. Start again from the first page.";

export function decodeCursor(cursor: string, digest: string): { seq: bigint; direction: CursorDirection } {
  const [payload, signature, ...rest] = cursor.split(".");
  if (!payload || !signature || rest.length || !/^[\w-]+$/.test(payload) || !/^[\w-]+$/.test(signature)) {
    throw new DomainError("VALIDATION", INVALID, { field: "cursor" });
  }
  const given = Buffer.from(signature, "base64url");
  const expected = mac(payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError("VALIDATION", INVALID, { field: "cursor" });
  }
  let parsed: Partial<CursorPayload>;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<CursorPayload>;
  } catch {
    throw new DomainError("VALIDATION", INVALID, { field: "cursor" });
  }
  if (parsed.v !== 1 || typeof parsed.s !== "string" || !/^\d{1,19}$/.test(parsed.s) || (parsed.d !== "after" && parsed.d !== "before")) {
    throw new DomainError("VALIDATION", INVALID, { field: "cursor" });
  }
  if (parsed.f !== digest) throw new DomainError("VALIDATION", INVALID, { field: "cursor" });
  return { seq: BigInt(parsed.s), direction: parsed.d };
}
