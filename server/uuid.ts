import { randomFillSync } from "node:crypto";

const hex = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The UUID version 7 of a time and ten random bytes (RFC 9562: 48 bits of Unix ms, version, variant, random). */
export function formatUuidv7(ms: number, random: Uint8Array): string {
  const time = Math.floor(ms).toString(16).padStart(12, "0").slice(-12);
  const version = (0x70 | (random[0]! & 0x0f)).toString(16) + hex([random[1]!]);
  const variant = (0x80 | (random[2]! & 0x3f)).toString(16) + hex([random[3]!]);
  return `${time.slice(0, 8)}-${time.slice(8)}-${version}-${variant}-${hex(random.subarray(4, 10))}`;
}

/**
 * A fresh UUID version 7. Ids generated in order sort in order, so a unique index on them grows at its
 * right edge instead of touching a random page of a large index on every insert (what a v4 id costs the
 * ledger at ten million events).
 */
export function uuidv7(now = Date.now()): string {
  return formatUuidv7(now, randomFillSync(new Uint8Array(10)));
}
