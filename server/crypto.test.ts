import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, hashToken } from "@/server/crypto";

describe("secrets at rest", () => {
  it("round-trips and never stores the plaintext", () => {
    const sealed = encryptSecret("hunter2-ü", "connector:1");
    expect(sealed).not.toContain("hunter2");
    expect(decryptSecret(sealed, "connector:1")).toBe("hunter2-ü");
  });

  it("refuses a ciphertext moved to another owner or altered by one character", () => {
    const sealed = encryptSecret("secret", "connector:1");
    expect(() => decryptSecret(sealed, "connector:2")).toThrow();
    // Flip the second-to-last character (every bit of it is significant: 6 bytes fill 8 base64 chars).
    const flipped = sealed.at(-2) === "A" ? "B" : "A";
    const tampered = sealed.slice(0, -2) + flipped + sealed.slice(-1);
    expect(() => decryptSecret(tampered, "connector:1")).toThrow();
  });

  it("hashes tokens deterministically", () => {
    expect(hashToken("kc_abc")).toBe(hashToken("kc_abc"));
    expect(hashToken("kc_abc")).not.toBe(hashToken("kc_abd"));
  });
});
