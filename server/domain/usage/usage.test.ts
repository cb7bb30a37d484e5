import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/server/actor";
import { toActor } from "@/server/domain/identities/queries";
import { createApiToken } from "@/server/domain/tokens/mutations";
import { POST as postUsage } from "@/app/api/v1/usage/route";
import { ingestUsageEvents } from "@/server/domain/usage/ingest";
import { upsertUsage } from "@/server/domain/usage/store";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * POST /api/v1/usage through its real handler: token, scope, media type, size and schema are each refused
 * with their own status and nothing is written; a valid batch is counted, and re-sent events count once.
 */

let database: TestDatabase;
let connectorId: string;
const slug = `siem-${randomUUID().slice(0, 8)}`;
const tokens: { usage: string; wrongScope: string; requesterUsage: string } = { usage: "", wrongScope: "", requesterUsage: "" };

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.prisma;
  const admin = await db.identity.create({ data: { kind: "HUMAN", name: "Usage Admin", email: `usage-admin-${slug}@test.example`, roles: ["ADMIN"] } });
  const siem = await db.identity.create({ data: { kind: "MACHINE", name: `siem-${slug}`, roles: ["ADMIN"] } });
  const bot = await db.identity.create({ data: { kind: "MACHINE", name: `bot-${slug}`, roles: ["REQUESTER"] } });
  const ctx = { actor: toActor(admin), db };
  tokens.usage = (await createApiToken({ identityId: siem.id, name: "SIEM usage feed", scopes: ["usage:write"], expiresInDays: 30 }, ctx)).secret;
  tokens.wrongScope = (await createApiToken({ identityId: siem.id, name: "Catalog reader", scopes: ["resources:read"], expiresInDays: 30 }, ctx)).secret;
  tokens.requesterUsage = (await createApiToken({ identityId: bot.id, name: "Bot usage", scopes: ["usage:write"], expiresInDays: 30 }, ctx)).secret;
  connectorId = (await db.connector.create({ data: { slug, name: "SIEM-fed target", kind: "WEBHOOK", settings: { url: "http://127.0.0.1:9/none" } } })).id;
});

afterAll(async () => {
  await database?.destroy();
});

function post(body: unknown, options: { token?: string | null; contentType?: string | null; raw?: string } = {}) {
  const headers = new Headers();
  const token = options.token === undefined ? tokens.usage : options.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (contentType) headers.set("content-type", contentType);
  return postUsage(new Request("http://keycard.test/api/v1/usage", { method: "POST", headers, body: options.raw ?? JSON.stringify(body) }));
}

const event = (id: string, at = new Date(Date.now() - 60_000), extra: Record<string, unknown> = {}) => ({ id, connector: slug, principal: "svc_reporting", at: at.toISOString(), ...extra });

async function usageRows() {
  return database.prisma.usageDaily.findMany({ where: { connectorId }, orderBy: [{ principal: "asc" }, { privilege: "asc" }] });
}

async function expectNothingWritten(before: number) {
  expect(await database.prisma.usageEventReceipt.count()).toBe(before);
}

describe("POST /api/v1/usage", () => {
  it("refuses a batch without a token (401), with a bad token (401), the wrong scope (403) or a holder without the role (403)", async () => {
    const before = await database.prisma.usageEventReceipt.count();
    const none = await post({ events: [event("a")] }, { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await none.json()).error.code).toBe("UNAUTHENTICATED");
    expect((await post({ events: [event("a")] }, { token: "kc_not-a-real-token" })).status).toBe(401);
    const scope = await post({ events: [event("a")] }, { token: tokens.wrongScope });
    expect(scope.status).toBe(403);
    expect((await scope.json()).error.message).toMatch(/usage:write/);
    expect((await post({ events: [event("a")] }, { token: tokens.requesterUsage })).status).toBe(403);
    await expectNothingWritten(before);
  });

  it("refuses malformed and oversized batches with specific errors and writes nothing", async () => {
    const before = await database.prisma.usageEventReceipt.count();
    const text = await post(null, { contentType: "text/plain", raw: "hello" });
    expect(text.status).toBe(415);
    const broken = await post(null, { raw: "{ not json" });
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.message).toMatch(/not valid JSON/);
    const empty = await post({ events: [] });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toMatch(/at least one event/);
    const tooMany = await post({ events: Array.from({ length: 1_001 }, (_, i) => event(`m-${i}`)) });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.message).toMatch(/at most 1,000 events/);
    const unknownField = await post({ events: [{ ...event("u"), extra: 1 }] });
    expect(unknownField.status).toBe(400);
    const badTime = await post({ events: [event("t1"), { ...event("t2"), at: "yesterday" }] });
    expect(badTime.status).toBe(400);
    expect((await badTime.json()).error.message).toMatch(/^events\.1\.at/);
    const future = await post({ events: [event("f1", new Date(Date.now() + 3_600_000))] });
    expect(future.status).toBe(400);
    expect((await future.json()).error.message).toMatch(/in the future/);
    const tooOld = await post({ events: [event("o1", new Date(Date.now() - 100 * 86_400_000))] });
    expect((await tooOld.json()).error.message).toMatch(/older than 90 days/);
    const unknownConnector = await post({ events: [event("c1"), { ...event("c2"), connector: "no-such-target" }] });
    expect(unknownConnector.status).toBe(400);
    expect((await unknownConnector.json()).error).toMatchObject({ code: "VALIDATION", details: { field: "events.1.connector" } });
    // 300 KB of principals: refused while reading, before parsing.
    const huge = await post({ events: Array.from({ length: 900 }, (_, i) => event(`h-${i}`, undefined, { principal: "p".repeat(250), privilege: "x".repeat(90) })) });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    await expectNothingWritten(before);
    expect(await usageRows()).toEqual([]);
  });

  it("counts a valid batch, and counts re-sent and repeated events once", async () => {
    const at = new Date(Date.now() - 5 * 60_000);
    const batch = {
      events: [
        event("e-1", at),
        event("e-2", new Date(at.getTime() + 1_000)),
        event("e-2", new Date(at.getTime() + 1_000)), // the same event twice in one batch
        event("e-3", at, { privilege: "orders_read" }),
      ],
    };
    const first = await post(batch);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 4, accepted: 3, duplicates: 1 });
    const again = await post(batch);
    expect(await again.json()).toEqual({ received: 4, accepted: 0, duplicates: 4 });
    const overlapping = await post({ events: [event("e-3", at, { privilege: "orders_read" }), event("e-4", at)] });
    expect(await overlapping.json()).toEqual({ received: 2, accepted: 1, duplicates: 1 });

    const rows = await usageRows();
    const star = rows.find((r) => r.privilege === "*");
    expect(star).toMatchObject({ principal: "svc_reporting", count: 3 });
    expect(star?.lastUsedAt.toISOString()).toBe(new Date(at.getTime() + 1_000).toISOString());
    expect(rows.find((r) => r.privilege === "orders_read")).toMatchObject({ count: 1 });
  });

  it("counts samples of live sessions as one use per new activity, not one per sample", async () => {
    const db = database.prisma;
    const seen = new Date(Date.now() - 10 * 60_000);
    const sample = (lastUsedAt: Date) => upsertUsage(db, [{ connectorId, principal: "idle_pool", privilege: "*", lastUsedAt, count: 1 }], { additive: false });
    await sample(seen);
    await sample(seen); // the same idle connection seen again
    await sample(new Date(seen.getTime() + 60_000)); // it did something since
    const row = await db.usageDaily.findFirstOrThrow({ where: { connectorId, principal: "idle_pool" } });
    expect(row.count).toBe(2);
  });

  it("is the same domain function for jobs and tests (a system actor may ingest)", async () => {
    const result = await ingestUsageEvents({ events: [event("sys-1")] }, { actor: systemActor("test"), db: database.prisma });
    expect(result).toEqual({ received: 1, accepted: 1, duplicates: 0 });
  });
});
