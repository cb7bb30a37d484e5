/**
 * Canonical JSON for hashing ledger events: object keys sorted by code unit, no whitespace, numbers in
 * JavaScript's shortest round-trip form (as RFC 8785 does for the values the ledger stores). The same
 * value always encodes to the same bytes, whatever order its keys were written or stored in (jsonb
 * reorders keys), so a verifier can recompute a hash from what it reads back.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode non-finite number ${value}`);
      return JSON.stringify(value);
    case "bigint":
      return JSON.stringify(value.toString());
    case "object": {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`cannot encode ${typeof value} in the ledger`);
  }
}

/**
 * PostgreSQL text and jsonb cannot hold NUL; other control characters are kept (JSON escapes them) but
 * NUL becomes U+FFFD so that what is hashed is exactly what is stored.
 */
export function sanitizeForLedger<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "\uFFFD") as T;
  if (Array.isArray(value)) return value.map(sanitizeForLedger) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [sanitizeForLedger(k), sanitizeForLedger(v)]),
    ) as T;
  }
  return value;
}
