import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signPayload, verifyKeycardSignature } from "@/server/notifications/signature";

const secret = "whsec_test";
const body = JSON.stringify({ text: "hello", keycard: { kind: "grant.activated" } });
const now = 1_800_000_000;

describe("webhook signatures", () => {
  it("a receiver accepts what Keycard signed", () => {
    expect(verifyKeycardSignature(secret, signPayload(secret, body, now), body, 300, now)).toBe(true);
    expect(verifyKeycardSignature(secret, signPayload(secret, body, now), Buffer.from(body), 300, now + 299)).toBe(true);
  });

  it.each([
    ["a changed body", signPayload(secret, body, now), `${body} `, now],
    ["another secret", signPayload("whsec_other", body, now), body, now],
    ["a replay after the tolerance", signPayload(secret, body, now), body, now + 301],
    ["a timestamp from the future", signPayload(secret, body, now + 600), body, now],
    ["a missing header", "", body, now],
    ["a header without v1", `t=${now}`, body, now],
    ["garbage", "t=abc,v1=xyz", body, now],
    ["a v0 scheme only", signPayload(secret, body, now).replace("v1=", "v0="), body, now],
  ])("a receiver refuses %s", (_case, header, received, at) => {
    expect(verifyKeycardSignature(secret, header, received, 300, at)).toBe(false);
  });

  it("accepts a header signed with an old and a new secret during rotation", () => {
    const oldSig = signPayload("whsec_old", body, now);
    const newSig = signPayload(secret, body, now);
    const header = `${newSig},v1=${oldSig.split("v1=")[1]}`;
    expect(verifyKeycardSignature("whsec_old", header, body, 300, now)).toBe(true);
    expect(verifyKeycardSignature(secret, header, body, 300, now)).toBe(true);
  });

  it("the header has the documented shape", () => {
    expect(signPayload(secret, body, now)).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
  });

  it("secrets are 256 random bits and never repeat", () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
