import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { resetEnvForTests } from "@/server/env";
import { enqueueNotifications, messages, settleDelivery } from "@/server/notifications";
import { startTestWebhookReceiver, type TestWebhookReceiver } from "@/server/notifications/testing/webhook-receiver";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";

let database: TestDatabase;
let receiver: TestWebhookReceiver;
let admin: IdentityActor;
let maya: IdentityActor;
let linus: IdentityActor;
let secret: string | null = null;

beforeAll(async () => {
  delete process.env.KEYCARD_SMTP_URL;
  resetEnvForTests();
  database = await createTestDatabase();
  receiver = await startTestWebhookReceiver({ secret: () => secret });
  admin = await createPerson(database.prisma, ["REQUESTER", "ADMIN"], "Priya Admin");
  maya = await createPerson(database.prisma, ["REQUESTER"], "Maya Chen");
  linus = await createPerson(database.prisma, ["REQUESTER", "APPROVER"], "Linus Approver");
});
afterAll(async () => {
  await settleDelivery();
  await receiver?.close();
  await database?.destroy();
});

const caller = (actor: IdentityActor | null) => createCaller({ actor, db: database.prisma });

function grant(holder: IdentityActor, n: number) {
  return { id: `018f0000-0000-7000-8000-${String(n).padStart(12, "0")}`, holder: { id: holder.id, name: holder.name }, resourceName: "Analytics warehouse", accessLevelName: "Read", endsAt: new Date(Date.now() + 3600_000) };
}

async function notify(holder: IdentityActor, n: number) {
  await database.prisma.$transaction((tx) => enqueueNotifications(tx, messages.grantActivated({ grant: grant(holder, n) })));
}

describe("my notifications", () => {
  it("a person sees only their own notifications, newest first, with an unread count", async () => {
    for (let i = 1; i <= 3; i++) await notify(maya, i);
    await notify(linus, 100);
    const mine = await caller(maya).notifications.list({ limit: 10 });
    expect(mine.items).toHaveLength(3);
    expect(mine.unread).toBe(3);
    expect(mine.items.every((n) => n.title === "Access active: Read on Analytics warehouse")).toBe(true);
    expect(await caller(maya).notifications.unreadCount()).toBe(3);
    const theirs = await caller(linus).notifications.list();
    expect(theirs.items).toHaveLength(1);
    expect(theirs.items.map((n) => n.id)).not.toContain(mine.items[0]?.id);
  });

  it("pages through with a cursor without repeating or skipping", async () => {
    const first = await caller(maya).notifications.list({ limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await caller(maya).notifications.list({ limit: 2, cursor: first.nextCursor });
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((n) => n.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("a person cannot mark another person's notification read (and learns nothing about it)", async () => {
    const [theirs] = (await caller(linus).notifications.list()).items;
    await expect(caller(maya).notifications.markRead({ ids: [theirs!.id] })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const [mine] = (await caller(maya).notifications.list()).items;
    // Mixed with one of mine: refused as a whole, nothing marked.
    await expect(caller(maya).notifications.markRead({ ids: [mine!.id, theirs!.id] })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await caller(maya).notifications.unreadCount()).toBe(3);
    expect(await caller(linus).notifications.unreadCount()).toBe(1);
  });

  it("marking read lowers the unread count; marking all clears it", async () => {
    const [mine] = (await caller(maya).notifications.list()).items;
    expect(await caller(maya).notifications.markRead({ ids: [mine!.id] })).toEqual({ marked: 1 });
    expect(await caller(maya).notifications.markRead({ ids: [mine!.id] })).toEqual({ marked: 0 });
    expect(await caller(maya).notifications.unreadCount()).toBe(2);
    expect((await caller(maya).notifications.list({ unreadOnly: true })).items).toHaveLength(2);
    expect(await caller(maya).notifications.markAllRead()).toEqual({ marked: 2 });
    expect(await caller(maya).notifications.unreadCount()).toBe(0);
    expect(await caller(linus).notifications.unreadCount()).toBe(1);
  });

  it("a malformed id is a validation error, and nobody signed in gets nothing", async () => {
    await expect(caller(maya).notifications.markRead({ ids: ["'; DROP TABLE x"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller(null).notifications.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(caller(null).notifications.unreadCount()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("webhook endpoints (admin)", () => {
  it("only admins manage endpoints or see deliveries", async () => {
    await expect(caller(maya).notifications.webhookEndpoints.create({ name: "x", url: "https://example.com/hook" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller(linus).notifications.deliveries()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller(maya).notifications.retryAllFailed()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("an admin creates an endpoint, sees its secret once, and a test message verifies with it", async () => {
    const created = await caller(admin).notifications.webhookEndpoints.create({ name: "Security channel", url: receiver.url("/security"), kinds: ["break_glass.activated"] });
    expect(created.secret).toMatch(/^whsec_/);
    const stored = await database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.endpoint.id } });
    expect(stored.secretCiphertext).not.toContain(created.secret);
    const overview = await caller(admin).notifications.deliveries();
    expect(overview.endpoints).toEqual([expect.objectContaining({ id: created.endpoint.id, name: "Security channel", kinds: ["break_glass.activated"], enabled: true })]);
    expect(JSON.stringify(overview)).not.toContain(created.secret);
    expect(JSON.stringify(overview)).not.toContain(stored.secretCiphertext);
    expect(overview.email).toEqual({ configured: false });

    secret = created.secret;
    const result = await caller(admin).notifications.webhookEndpoints.test({ id: created.endpoint.id });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(receiver.accepted[0]?.headers["x-keycard-event"]).toBe("webhook.test");

    secret = "whsec_wrong";
    expect(await caller(admin).notifications.webhookEndpoints.test({ id: created.endpoint.id })).toMatchObject({ ok: false, status: 401, error: "HTTP 401: bad signature" });
  });

  it("an endpoint can be disabled, enabled and removed, each change ledgered once without the URL's secret path", async () => {
    const url = "https://chat.example.com/services/T0001/B0002/s3cr3tPathToken";
    const { endpoint } = await caller(admin).notifications.webhookEndpoints.create({ name: "Temp", url });
    await caller(admin).notifications.webhookEndpoints.setEnabled({ id: endpoint.id, enabled: false });
    // Disabling twice changes nothing, so it records nothing.
    await caller(admin).notifications.webhookEndpoints.setEnabled({ id: endpoint.id, enabled: false });
    expect((await database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled).toBe(false);
    await caller(admin).notifications.webhookEndpoints.setEnabled({ id: endpoint.id, enabled: true });
    await caller(admin).notifications.webhookEndpoints.remove({ id: endpoint.id });
    await expect(caller(admin).notifications.webhookEndpoints.remove({ id: endpoint.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller(admin).notifications.webhookEndpoints.setEnabled({ id: endpoint.id, enabled: true })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const events = await database.prisma.$queryRaw<{ action: string; actorId: string; summary: string; data: string }[]>`
      SELECT action, "actorId", summary, data::text AS data FROM "LedgerEvent" WHERE "subjectId" = ${endpoint.id} ORDER BY seq`;
    expect(events.map((e) => e.action)).toEqual(["notifications/webhook.created", "notifications/webhook.disabled", "notifications/webhook.enabled", "notifications/webhook.deleted"]);
    expect(events.every((e) => e.actorId === admin.id)).toBe(true);
    expect(events[0]!.summary).toContain("https://chat.example.com");
    expect(JSON.stringify(events)).not.toContain("s3cr3tPathToken");
  });

  it.each([
    ["ftp://example.com/hook", "an ftp URL"],
    ["https://user:pass@example.com/hook", "credentials in the URL"],
    ["not a url", "garbage"],
  ])("refuses %s (%s)", async (url) => {
    await expect(caller(admin).notifications.webhookEndpoints.create({ name: "Bad", url })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses an unknown notification kind", async () => {
    await expect(caller(admin).notifications.webhookEndpoints.create({ name: "Bad", url: "https://example.com", kinds: ["grant.exploded"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
