import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { createConnector, validateAccessLevelShape } from "./index";
import { freePort, grantSpec } from "./testing";
import { WebhookConnector } from "./webhook";
import { signWebhookBody, verifyWebhookSignature } from "./webhook-signature";

/**
 * The webhook connector against a local HTTP receiver that plays the customer's automation: it checks
 * the signature, dedupes by Idempotency-Key and keeps group memberships per grant id, so a person stays
 * in a group while any grant covers it (the contract the automation must honour).
 */

const secret = "test-signing-secret-0123456789";
interface Received {
  action: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}
const received: Received[] = [];
/** grantId → { group, person }: the automation's own record of what each grant added. */
const memberships = new Map<string, { group: string; person: string }>();
let respondWith: ((action: string) => { status: number; body?: unknown; delayMs?: number } | undefined) | undefined;
let server: http.Server;
let url: string;

function inGroup(person: string, group: string): boolean {
  return [...memberships.values()].some((m) => m.person === person && m.group === group);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const check = verifyWebhookSignature({ header: req.headers["x-keycard-signature"] as string | undefined, body: raw, secret });
      if (!check.ok) {
        res.writeHead(401).end(check.reason);
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown> & { action: string; grantId?: string; privilege?: { group?: string }; subject?: { email?: string } };
      received.push({ action: body.action, idempotencyKey: req.headers["idempotency-key"] as string | undefined, body });
      const override = respondWith?.(body.action);
      const reply = (status: number, payload?: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" }).end(payload === undefined ? "" : JSON.stringify(payload));
      };
      if (override) {
        setTimeout(() => reply(override.status, override.body), override.delayMs ?? 0);
        return;
      }
      const grantId = body.grantId ?? "";
      const person = body.subject?.email ?? "";
      const group = body.privilege?.group ?? "";
      switch (body.action) {
        case "ping":
          return reply(204);
        case "grant": {
          const created = !memberships.has(grantId);
          memberships.set(grantId, { group, person });
          return reply(200, { principal: person, created, details: { group } });
        }
        case "revoke": {
          const removed = memberships.delete(grantId);
          return reply(200, { removed });
        }
        case "verify":
          return reply(200, { present: memberships.has(grantId) });
        case "inventory":
          return reply(200, {
            entries: [
              ...[...memberships].map(([id, m]) => ({ principal: m.person, privilege: m.group, privilegeKind: "ROLE_MEMBERSHIP", grantId: id })),
              { principal: "root@example.test", privilege: "support-admins", privilegeKind: "ROLE_MEMBERSHIP", detail: "added by hand" },
            ],
          });
        default:
          return reply(400, { error: "unknown action" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keycard`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  respondWith = undefined;
});

const level = { group: "support-admins" };

describe("webhook connector", () => {
  it("sends a signed grant with the idempotency key; the automation's 2xx confirms it", async () => {
    const connector = createConnector("WEBHOOK", { url }, { signingSecret: secret });
    expect(await connector.testConnection()).toMatchObject({ ok: true, details: expect.stringMatching(/accepted a signed ping/) });
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: level, target: { group: "support-admins" } });
    const outcome = await connector.grant(spec);
    expect(outcome).toMatchObject({ principal: "ada@example.test", created: true, details: { group: "support-admins", via: "webhook" } });
    const call = received.find((r) => r.action === "grant");
    expect(call?.idempotencyKey).toBe(`${spec.grantId}:grant`);
    expect(call?.body).toEqual({
      action: "grant",
      grantId: spec.grantId,
      mode: "ROLE_ELEVATION",
      subject: spec.subject,
      privilege: level,
      target: { group: "support-admins" },
      endsAt: spec.endsAt.toISOString(),
    });
    expect((await connector.grant(spec)).created).toBe(false);
    expect(memberships.size).toBe(1);
    expect(await connector.verify(spec)).toEqual({ present: true });
    expect(await connector.revoke(spec)).toMatchObject({ removed: true });
    expect(await connector.revoke(spec)).toMatchObject({ removed: false });
    expect(await connector.verify(spec)).toEqual({ present: false });
    expect(received.map((r) => r.idempotencyKey)).toContain(`${spec.grantId}:revoke`);
  });

  it("overlapping grants stay a union through the automation", async () => {
    const connector = new WebhookConnector({ url }, { signingSecret: secret });
    const a = grantSpec({ mode: "ROLE_ELEVATION", privilege: level });
    const b = grantSpec({ mode: "ROLE_ELEVATION", privilege: level });
    await connector.grant(a);
    await connector.grant(b);
    await connector.revoke(a);
    expect(inGroup("ada@example.test", "support-admins")).toBe(true);
    await connector.revoke(b);
    expect(inGroup("ada@example.test", "support-admins")).toBe(false);
  });

  it("a 500, a 401, a timeout and a closed port are retryable errors with specific kinds", async () => {
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: level });
    respondWith = () => ({ status: 500, body: { error: "database down" } });
    // The default timeout where an answer is expected: a busy machine must not turn those into timeouts.
    const connector = new WebhookConnector({ url }, { signingSecret: secret });
    // The automation's own words reach the admin testing the connector, never the grant (and its holder).
    const refused = await connector.grant(spec).catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: "REFUSED", retryable: true, message: expect.stringMatching(/answered grant with HTTP 500$/), detail: expect.stringContaining("database down") });
    expect(await connector.testConnection()).toMatchObject({ ok: false, error: expect.stringMatching(/answered ping with HTTP 500 — it answered: .*database down/) });
    await expect(connector.revoke(spec)).rejects.toMatchObject({ kind: "REFUSED", retryable: true });

    respondWith = () => ({ status: 204, delayMs: 1_000 });
    const impatient = new WebhookConnector({ url, timeoutMs: 300 }, { signingSecret: secret });
    await expect(impatient.grant(spec)).rejects.toMatchObject({ kind: "TIMEOUT", retryable: true, message: expect.stringMatching(/did not answer within 300 ms/) });

    respondWith = () => ({ status: 302, body: {} });
    await expect(connector.grant(spec)).rejects.toMatchObject({ kind: "REFUSED", retryable: true });

    respondWith = undefined;
    const wrongSecret = new WebhookConnector({ url }, { signingSecret: "another-secret-0123456789" });
    expect(await wrongSecret.testConnection()).toMatchObject({ ok: false, kind: "AUTH", error: expect.stringMatching(/HTTP 401 — it answered: signature does not match/) });
    await expect(wrongSecret.grant(spec)).rejects.toMatchObject({ kind: "AUTH", retryable: true });

    const closed = new WebhookConnector({ url: `http://127.0.0.1:${await freePort()}/keycard` }, { signingSecret: secret });
    expect(await closed.testConnection()).toMatchObject({ ok: false, kind: "UNREACHABLE", error: expect.stringMatching(/connection refused/) });
    await expect(closed.revoke(spec)).rejects.toMatchObject({ kind: "UNREACHABLE", retryable: true });
  });

  it("verify and inventory need well-formed answers; inventory maps grant ids", async () => {
    const connector = new WebhookConnector({ url }, { signingSecret: secret });
    const spec = grantSpec({ mode: "ROLE_ELEVATION", privilege: level });
    await connector.grant(spec);
    const entries = await connector.inventory();
    expect(entries).toContainEqual({ principal: "ada@example.test", principalKind: "EXTERNAL", privilege: "support-admins", privilegeKind: "ROLE_MEMBERSHIP", keycardGrantId: spec.grantId, managedByKeycard: true });
    expect(entries).toContainEqual(expect.objectContaining({ principal: "root@example.test", keycardGrantId: null, managedByKeycard: false, detail: "added by hand" }));
    expect(await connector.usage()).toEqual([]);
    await connector.revoke(spec);

    respondWith = () => ({ status: 200, body: { ok: true } });
    await expect(connector.verify(spec)).rejects.toMatchObject({ kind: "REFUSED", retryable: true });
    await expect(connector.inventory()).rejects.toMatchObject({ kind: "REFUSED", retryable: true });
  });

  it("settings and levels are validated before any call", () => {
    expect(() => new WebhookConnector({ url: "file:///etc/passwd" }, { signingSecret: secret })).toThrow(/url must be http\(s\)/);
    expect(() => new WebhookConnector({ url: "https://user:pw@example.test/hook" }, { signingSecret: secret })).toThrow(/must not carry credentials/);
    expect(() => new WebhookConnector({ url }, { signingSecret: "short" })).toThrow(/at least 16 characters/);
    expect(() => createConnector("WEBHOOK", { url, extra: 1 }, { signingSecret: secret })).toThrow(ConnectorError);
    expect(() => validateAccessLevelShape("WEBHOOK", { mode: "ROLE_ELEVATION", privilege: { blob: "x".repeat(5000) }, target: {} })).toThrow(/at most 4 KB/);
    expect(() => validateAccessLevelShape("REDIS", { mode: "ROLE_ELEVATION", privilege: { categories: ["+@read"] }, target: {} })).toThrow(/does not support ROLE_ELEVATION/);
    expect(() => validateAccessLevelShape("POSTGRES", { mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "a\"b" }, target: {} })).toThrow(/quote/);
  });
});

describe("webhook signature", () => {
  const body = JSON.stringify({ action: "grant", grantId: "x" });
  const now = 1_750_000_000;

  it("accepts the signature Keycard sends and refuses tampering, other secrets and replays", () => {
    const header = signWebhookBody(body, secret, now);
    expect(header).toMatch(/^t=1750000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ header, body, secret, now })).toEqual({ ok: true, timestamp: now });
    expect(verifyWebhookSignature({ header, body: body.replace("grant", "revoke"), secret, now })).toEqual({ ok: false, reason: "signature does not match" });
    expect(verifyWebhookSignature({ header, body, secret: "another-secret", now })).toEqual({ ok: false, reason: "signature does not match" });
    expect(verifyWebhookSignature({ header, body, secret, now: now + 301 })).toMatchObject({ ok: false, reason: expect.stringMatching(/tolerance/) });
    expect(verifyWebhookSignature({ header: header.replace(/t=\d+/, `t=${now + 10}`), body, secret, now })).toMatchObject({ ok: false });
    expect(verifyWebhookSignature({ header: undefined, body, secret, now })).toMatchObject({ ok: false, reason: "missing signature header" });
    expect(verifyWebhookSignature({ header: "t=abc,v1=zz", body, secret, now })).toMatchObject({ ok: false });
  });

  it("accepts any of several v1 signatures while a secret rotates", () => {
    const old = signWebhookBody(body, "old-secret-0123456789", now);
    const fresh = signWebhookBody(body, secret, now);
    const header = `${fresh},${old.split(",")[1] ?? ""}`;
    expect(verifyWebhookSignature({ header, body, secret: "old-secret-0123456789", now })).toMatchObject({ ok: true });
    expect(verifyWebhookSignature({ header, body, secret, now })).toMatchObject({ ok: true });
  });
});
