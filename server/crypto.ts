import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/server/env";

/**
 * Secrets at rest (connector passwords, webhook signing keys, one-time credentials) are AES-256-GCM
 * ciphertext under KEYCARD_ENCRYPTION_KEY. The embedded default, which has no key configured, keeps a
 * generated key in its data folder (mode 0600) so demo secrets are still never stored in clear.
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
const VERSION = "v1";

let cachedKey: Buffer | undefined;

function decodeKey(value: string): Buffer {
  return Buffer.from(value, /^[0-9a-f]{64}$/i.test(value) ? "hex" : "base64");
}

function encryptionKey(): Buffer {
  if (cachedKey) return cachedKey;
  const config = env();
  if (config.KEYCARD_ENCRYPTION_KEY) {
    cachedKey = decodeKey(config.KEYCARD_ENCRYPTION_KEY);
  } else {
    const file = path.join(config.KEYCARD_DATA_DIR, "encryption.key");
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      try {
        fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
      } catch (error) {
        // Another process created it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    cachedKey = decodeKey(fs.readFileSync(file, "utf8").trim());
  }
  return cachedKey;
}

export function encryptSecret(plaintext: string, aad = ""): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(), iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** `aad` binds a ciphertext to its owner (e.g. the connector id), so it cannot be moved to another row. */
export function decryptSecret(sealed: string, aad = ""): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || data === undefined) throw new Error("unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", encryptionKey(), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}

/** API tokens are 256-bit random secrets, so a plain SHA-256 is a safe stored form. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function resetEncryptionKeyForTests(): void {
  cachedKey = undefined;
}
