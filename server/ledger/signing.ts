import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The ledger's Ed25519 signing key: it signs checkpoints (the chain head at a point in time) and export
 * manifests, so that a third party holding only the public key can check an export offline.
 *
 * `KEYCARD_LEDGER_SIGNING_KEY` holds it as a PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) or as the
 * base64 of the raw 32-byte seed. Without it, the embedded default keeps a generated key in
 * `<KEYCARD_DATA_DIR>/ledger-signing.pem` (like the Auth.js secret); a production deployment with an
 * outside PostgreSQL must set it, because a key on one instance's disk would differ between instances
 * and vanish with the container.
 */

export interface LedgerSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Base64 of the raw 32-byte public key: what exports and the ledger page show. */
  publicKeyBase64: string;
  /** SubjectPublicKeyInfo PEM, for tools that want a file (`openssl pkey -pubin`). */
  publicKeyPem: string;
  /** First 16 hex characters of SHA-256(raw public key): names the key in checkpoints and manifests. */
  keyId: string;
  source: "env" | "data-dir";
}

export class SigningKeyError extends Error {
  override name = "SigningKeyError";
}

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function parsePrivateKey(text: string): KeyObject {
  const value = text.trim();
  let key: KeyObject;
  try {
    if (value.includes("-----BEGIN")) {
      key = createPrivateKey(value);
    } else {
      const seed = Buffer.from(value, "base64");
      if (seed.length !== 32) throw new SigningKeyError("a base64 key must decode to the 32-byte Ed25519 seed");
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
    }
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(`not a PKCS#8 PEM or base64 Ed25519 seed (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new SigningKeyError(`must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}

/** A public key given as base64 raw bytes, SPKI PEM, or SPKI DER in base64. */
export function parsePublicKey(text: string): KeyObject {
  const value = text.trim();
  if (value.includes("-----BEGIN")) return createPublicKey(value);
  const bytes = Buffer.from(value, "base64");
  const der = bytes.length === 32 ? Buffer.concat([SPKI_ED25519_PREFIX, bytes]) : bytes;
  const key = createPublicKey({ key: der, format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ed25519") throw new SigningKeyError("not an Ed25519 public key");
  return key;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

export function publicKeyId(key: KeyObject): string {
  return createHash("sha256").update(rawPublicKey(key)).digest("hex").slice(0, 16);
}

function describe(privateKey: KeyObject, source: LedgerSigningKey["source"]): LedgerSigningKey {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyBase64: rawPublicKey(publicKey).toString("base64"),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    keyId: publicKeyId(publicKey),
    source,
  };
}

function keyFile(): string {
  return path.join(process.env.KEYCARD_DATA_DIR || ".data", "ledger-signing.pem");
}

function readOrCreateKeyFile(): KeyObject {
  const file = keyFile();
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync("ed25519");
    try {
      // wx: two processes starting together must not each write (and sign with) their own key.
      fs.writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return parsePrivateKey(fs.readFileSync(file, "utf8"));
}

let cached: { env: string | undefined; dir: string | undefined; key: LedgerSigningKey } | undefined;

/**
 * The process's signing key. Throws a SigningKeyError naming the variable when a production deployment
 * with DATABASE_URL has none, or when the configured value is not an Ed25519 key.
 */
export function ledgerSigningKey(): LedgerSigningKey {
  const configured = process.env.KEYCARD_LEDGER_SIGNING_KEY || undefined;
  const dir = process.env.KEYCARD_DATA_DIR;
  if (cached && cached.env === configured && cached.dir === dir) return cached.key;
  let key: LedgerSigningKey;
  if (configured) {
    try {
      key = describe(parsePrivateKey(configured), "env");
    } catch (error) {
      throw new SigningKeyError(`Invalid configuration: KEYCARD_LEDGER_SIGNING_KEY ${(error as Error).message}`);
    }
  } else {
    if (process.env.NODE_ENV === "production" && process.env.DATABASE_URL) {
      throw new SigningKeyError(
        "Invalid configuration: KEYCARD_LEDGER_SIGNING_KEY is required in production with DATABASE_URL " +
          "(openssl genpkey -algorithm ed25519, or the base64 of 32 random bytes)",
      );
    }
    key = describe(readOrCreateKeyFile(), "data-dir");
  }
  cached = { env: configured, dir, key };
  return key;
}

/** Ed25519 signature (base64) over the UTF-8 bytes of a statement. */
export function signStatement(statement: string, key: LedgerSigningKey = ledgerSigningKey()): string {
  return sign(null, Buffer.from(statement, "utf8"), key.privateKey).toString("base64");
}

export function verifyStatement(statement: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(statement, "utf8"), publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

/**
 * Keys whose checkpoints verification accepts: the current one, plus retired ones listed (base64 raw
 * or PEM, comma-separated) in KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS after a key rotation.
 */
export function trustedKeyIds(current: LedgerSigningKey = ledgerSigningKey()): Set<string> {
  const ids = new Set([current.keyId]);
  for (const entry of (process.env.KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS ?? "").split(",")) {
    if (!entry.trim()) continue;
    try {
      ids.add(publicKeyId(parsePublicKey(entry)));
    } catch {
      throw new SigningKeyError("Invalid configuration: KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS must list Ed25519 public keys (base64 or PEM)");
    }
  }
  return ids;
}
