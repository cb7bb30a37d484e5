import { createPublicKey, generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ledgerSigningKey, parsePrivateKey, rawPublicKey, signStatement, SigningKeyError, trustedKeyIds, verifyStatement } from "@/server/ledger/signing";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("the ledger signing key", () => {
  it("reads a PKCS#8 PEM and a base64 seed as the same key", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32).toString("base64");
    expect(rawPublicKey(createPublicKey(parsePrivateKey(pem)))).toEqual(rawPublicKey(createPublicKey(parsePrivateKey(seed))));
    process.env.KEYCARD_LEDGER_SIGNING_KEY = seed;
    const key = ledgerSigningKey();
    expect(key.source).toBe("env");
    const signature = signStatement("statement", key);
    expect(verifyStatement("statement", signature, key.publicKey)).toBe(true);
    expect(verifyStatement("statement!", signature, key.publicKey)).toBe(false);
  });

  it("refuses keys that are not Ed25519, and says which variable is wrong", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(() => parsePrivateKey(rsa)).toThrow(SigningKeyError);
    process.env.KEYCARD_LEDGER_SIGNING_KEY = "bm90IGEga2V5";
    expect(() => ledgerSigningKey()).toThrow(/KEYCARD_LEDGER_SIGNING_KEY/);
  });

  it("generates a key in the data folder for the embedded default, and keeps it", () => {
    delete process.env.KEYCARD_LEDGER_SIGNING_KEY;
    process.env.KEYCARD_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keycard-key-"));
    const first = ledgerSigningKey();
    expect(first.source).toBe("data-dir");
    expect(fs.statSync(path.join(process.env.KEYCARD_DATA_DIR, "ledger-signing.pem")).mode & 0o777).toBe(0o600);
    process.env.KEYCARD_DATA_DIR = `${process.env.KEYCARD_DATA_DIR}/`;
    expect(ledgerSigningKey().keyId).toBe(first.keyId);
  });

  it("is required in production with an outside database", () => {
    delete process.env.KEYCARD_LEDGER_SIGNING_KEY;
    process.env = { ...process.env, NODE_ENV: "production", DATABASE_URL: "postgresql://db.example/keycard", KEYCARD_DATA_DIR: "/nonexistent-x" };
    expect(() => ledgerSigningKey()).toThrow(/required in production/);
  });

  it("trusts the current key and retired ones listed after a rotation", () => {
    const old = rawPublicKey(generateKeyPairSync("ed25519").publicKey).toString("base64");
    process.env.KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS = old;
    expect(trustedKeyIds().size).toBe(2);
    process.env.KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS = "junk";
    expect(() => trustedKeyIds()).toThrow(/KEYCARD_LEDGER_PREVIOUS_PUBLIC_KEYS/);
  });
});
