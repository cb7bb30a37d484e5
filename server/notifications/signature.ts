import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, in the shape receivers know from Stripe and Slack:
 *   X-Keycard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The timestamp is inside the MAC, so a captured delivery cannot be replayed after the tolerance.
 * This file has no Keycard imports, so receivers written in TypeScript can copy it as is.
 */

export const SIGNATURE_HEADER = "X-Keycard-Signature";

export function signPayload(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/**
 * True when `header` carries a valid v1 signature of `body` (the raw request body, exactly as received)
 * under `secret`, made within `toleranceSeconds` of now. Several v1 values are accepted (one matching
 * is enough) so a sender can sign with an old and a new secret while they rotate.
 */
export function verifyKeycardSignature(
  secret: string,
  header: string | null | undefined,
  body: string | Buffer,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header || !secret) return false;
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const key = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === null || candidates.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const raw = typeof body === "string" ? body : body.toString("utf8");
  const expected = Buffer.from(createHmac("sha256", secret).update(`${timestamp}.${raw}`, "utf8").digest("hex"));
  return candidates.some((candidate) => timingSafeEqual(Buffer.from(candidate), expected));
}

/** A new endpoint secret: 256 random bits, prefixed so it is recognisable in a secrets scanner. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}
