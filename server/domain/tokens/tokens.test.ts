import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { can } from "@/server/auth/permissions";
import { hashToken } from "@/server/crypto";
import { setIdentityStatus } from "@/server/domain/identities/mutations";
import { authenticateApiToken } from "@/server/domain/tokens/authenticate";
import { createApiToken, revokeApiToken } from "@/server/domain/tokens/mutations";
import { API_RATE_LIMIT, consumeRateLimit } from "@/server/domain/tokens/rate-limit";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";
import { createCaller } from "@/server/trpc/root";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

async function setup() {
  const db = database.prisma;
  const admin = await createPerson(db, ["REQUESTER", "ADMIN"], "Admin");
  const machine = await db.identity.create({ data: { kind: "MACHINE", name: `ci-${Math.random().toString(16).slice(2, 8)}`, roles: ["REQUESTER"] } });
  return { db, admin, machine };
}

describe("API tokens", () => {
  it("are shown once, stored only as a hash, and authenticate with their scopes", async () => {
    const { db, admin, machine } = await setup();
    const token = await createApiToken({ identityId: machine.id, name: "deploys", scopes: ["requests:write"], expiresInDays: 7 }, { actor: admin, db });
    expect(token.secret).toMatch(/^kc_[A-Za-z0-9_-]{43}$/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(JSON.stringify(row)).not.toContain(token.secret);
    expect(row.tokenHash).toBe(hashToken(token.secret));
    const { actor, callsInWindow } = await authenticateApiToken(db, `Bearer ${token.secret}`, "127.0.0.1", API_RATE_LIMIT);
    expect(callsInWindow).toBe(1);
    expect((await authenticateApiToken(db, `Bearer ${token.secret}`, "127.0.0.1", API_RATE_LIMIT)).callsInWindow).toBe(2);
    expect(actor).toMatchObject({ id: machine.id, kind: "MACHINE", tokenScopes: ["requests:write"] });
    expect(can(actor, "access:request")).toBe(true);
    expect(can(actor, "requests:decide")).toBe(false);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).not.toBeNull();
    const ledger = await db.ledgerEvent.findFirst({ where: { subjectId: token.id, action: "identity/token.created" } });
    expect(JSON.stringify({ ...ledger, seq: String(ledger?.seq) })).not.toContain(token.secret);
  });

  it.each([
    ["no header", null, "Send an API token"],
    ["a wrong scheme", "Basic abc", "Send an API token"],
    ["a malformed token", "Bearer nope", "not valid"],
    ["an unknown token", `Bearer kc_${"A".repeat(43)}`, "not valid"],
  ])("refuse %s", async (_name, header, message) => {
    await expect(authenticateApiToken(database.prisma, header, null, API_RATE_LIMIT)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining(message) });
  });

  it("refuse a revoked token, an expired one, and one whose identity is disabled", async () => {
    const { db, admin, machine } = await setup();
    const revoked = await createApiToken({ identityId: machine.id, name: "revoked", scopes: ["requests:write"], expiresInDays: 7 }, { actor: admin, db });
    await revokeApiToken({ tokenId: revoked.id }, { actor: admin, db });
    await expect(authenticateApiToken(db, `Bearer ${revoked.secret}`, null, API_RATE_LIMIT)).rejects.toThrow("revoked");

    const expired = await createApiToken({ identityId: machine.id, name: "expired", scopes: ["requests:write"], expiresInDays: 1 }, { actor: admin, db });
    await db.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(authenticateApiToken(db, `Bearer ${expired.secret}`, null, API_RATE_LIMIT)).rejects.toThrow("expired");

    const live = await createApiToken({ identityId: machine.id, name: "live", scopes: ["requests:write"], expiresInDays: 1 }, { actor: admin, db });
    await setIdentityStatus({ identityId: machine.id, status: "DISABLED", reason: "decommissioned" }, { actor: admin, db });
    await expect(authenticateApiToken(db, `Bearer ${live.secret}`, null, API_RATE_LIMIT)).rejects.toThrow("disabled");
    // A refused call is not counted against the token's window.
    expect(await db.rateLimitWindow.count({ where: { key: { in: [revoked.id, expired.id, live.id].map((id) => `api-token:${id}`) } } })).toBe(0);
  });

  it("a machine's are created by admins only; a person creates, lists and revokes their own, and nobody else's", async () => {
    const { db, admin, machine } = await setup();
    const requester = await createPerson(db, ["REQUESTER", "APPROVER"]);
    await expect(createApiToken({ identityId: machine.id, name: "mine", scopes: ["requests:write"], expiresInDays: 1 }, { actor: requester, db })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const as = (actor: typeof admin) => createCaller({ actor, db });
    const own = await as(requester).tokens.create({ identityId: requester.id, name: "chat-ops", scopes: ["decisions:write"], expiresInDays: 7 });
    const machines = await createApiToken({ identityId: machine.id, name: "pipeline", scopes: ["requests:write"], expiresInDays: 7 }, { actor: admin, db });
    expect((await as(requester).tokens.mine()).map((t) => t.id)).toEqual([own.id]);
    await expect(as(requester).tokens.list()).rejects.toMatchObject({ code: "FORBIDDEN" });

    // Someone else's token: not found, and untouched.
    const events = await db.ledgerEvent.count({ where: { action: "identity/token.revoked" } });
    await expect(as(requester).tokens.revoke({ tokenId: machines.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: machines.id } })).revokedAt).toBeNull();
    expect(await db.ledgerEvent.count({ where: { action: "identity/token.revoked" } })).toBe(events);

    await as(requester).tokens.revoke({ tokenId: own.id });
    await expect(authenticateApiToken(db, `Bearer ${own.secret}`, null, API_RATE_LIMIT)).rejects.toThrow("revoked");
    // An admin still revokes anyone's.
    await as(admin).tokens.revoke({ tokenId: machines.id });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: machines.id } })).revokedAt).not.toBeNull();
  });

  it("are rate limited per key with the seconds until the window resets", async () => {
    const key = `test-${Math.random()}`;
    for (let i = 0; i < 3; i++) await consumeRateLimit(database.prisma, key, { limit: 3, windowSeconds: 60 });
    await expect(consumeRateLimit(database.prisma, key, { limit: 3, windowSeconds: 60 })).rejects.toMatchObject({
      code: "RATE_LIMITED",
      details: { retryAfterSeconds: expect.any(Number) },
    });
  });
});

describe("disabling identities", () => {
  it("is an admin action with a reason, ledgered, and nobody can disable themselves", async () => {
    const { db, admin } = await setup();
    const person = await createPerson(db);
    await setIdentityStatus({ identityId: person.id, status: "DISABLED", reason: "left the company" }, { actor: admin, db });
    expect((await db.identity.findUniqueOrThrow({ where: { id: person.id } })).status).toBe("DISABLED");
    expect(await db.ledgerEvent.count({ where: { subjectId: person.id, action: "identity/identity.disabled" } })).toBe(1);
    await expect(setIdentityStatus({ identityId: admin.id, status: "DISABLED", reason: "oops" }, { actor: admin, db })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(setIdentityStatus({ identityId: admin.id, status: "DISABLED", reason: "coup" }, { actor: person, db })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
