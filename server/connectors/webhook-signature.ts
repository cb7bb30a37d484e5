import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The webhook signature, Stripe-style: `X-Keycard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`. The timestamp is signed with the body, so a captured request cannot be replayed
 * outside the tolerance window; several v1 values may be present while a secret is being rotated.
 * The customer's automation verifies with `verifyWebhookSignature` (or the same few lines in any language).
 */

export const signatureHeader = "X-Keycard-Signature";

export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signWebhookBody(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export function verifyWebhookSignature(input: {
  header: string | null | undefined;
  /** The raw request body exactly as received (not re-serialised JSON). */
  body: string;
  secret: string;
  toleranceSeconds?: number;
  /** Unix seconds; defaults to now. */
  now?: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: "missing signature header" };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of input.header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) return { ok: false, reason: "signature header has no valid timestamp" };
  if (signatures.length === 0) return { ok: false, reason: "signature header has no v1 signature" };
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? 300)) return { ok: false, reason: "signature timestamp is outside the tolerance window" };
  const expected = Buffer.from(computeSignature(input.secret, timestamp, input.body), "hex");
  // Constant-time comparison: the position of the first differing byte must not leak through timing.
  const match = signatures.some((candidate) => timingSafeEqual(Buffer.from(candidate, "hex"), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: "signature does not match" };
}
