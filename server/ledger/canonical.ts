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
      // Plain loops rather than entries/filter/sort/map chains: verification and exports hash millions of
      // events, and this is most of the cost of each (docs/ledger.md, "Speed").
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 does.
      const keys = Object.keys(record).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot encode ${typeof value} in the ledger`);
  }
}

/** A surrogate without its partner: JavaScript strings may hold one, UTF-8 (and so PostgreSQL) cannot. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * PostgreSQL text cannot hold NUL, and UTF-8 cannot hold a lone surrogate; both become U+FFFD so that
 * what is hashed is exactly what is stored (the driver would otherwise replace a lone surrogate on the
 * way and the event would no longer match its hash). Other control characters are kept: JSON escapes them.
 */
export function sanitizeForLedger<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD") as T;
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
