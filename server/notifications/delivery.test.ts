import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { createWebhookEndpoint } from "@/server/domain/notifications/mutations";
import { resetEnvForTests } from "@/server/env";
import { deliverNotifications } from "@/server/jobs/functions/deliver-notifications";
import {
  deliverPendingNotifications,
  enqueueNotifications,
  kickDelivery,
  MAX_DELIVERY_ATTEMPTS,
  messages,
  settleDelivery,
  type NotificationItem,
} from "@/server/notifications";
import { startTestSmtpServer, type TestSmtpServer } from "@/server/notifications/testing/smtp-server";
import { startTestWebhookReceiver, type TestWebhookReceiver } from "@/server/notifications/testing/webhook-receiver";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";

let database: TestDatabase;
let smtp: TestSmtpServer;
let receiver: TestWebhookReceiver;
let admin: IdentityActor;
let maya: IdentityActor;
let sam: IdentityActor;
const secrets = new Map<string, string>();
/** Per receiver path: the statuses to answer in order (then 200). */
const scripts = new Map<string, number[]>();
const savedEnv = { ...process.env };

function configure(vars: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvForTests();
}

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtpServer();
  receiver = await startTestWebhookReceiver({
    secret: (path) => secrets.get(path) ?? null,
    respond: (path, count) => scripts.get(path)?.[count - 1] ?? 200,
  });
  admin = await createPerson(database.prisma, ["REQUESTER", "ADMIN"], "Priya Admin");
  maya = await createPerson(database.prisma, ["REQUESTER"], "Maya Chen");
  sam = await createPerson(database.prisma, ["REQUESTER", "APPROVER"], "Sam Okafor");
});

beforeEach(() => {
  configure({
    KEYCARD_SMTP_URL: smtp.url,
    KEYCARD_MAIL_FROM: "Keycard <keycard@test.example>",
    KEYCARD_URL: "https://keycard.test.example",
    KEYCARD_SECURITY_EMAILS: "soc@test.example, ciso@test.example",
  });
});

afterEach(async () => {
  await settleDelivery();
  await database.prisma.notification.deleteMany();
  await database.prisma.webhookEndpoint.deleteMany();
  smtp.messages.length = 0;
  receiver.received.length = 0;
  receiver.accepted.length = 0;
  secrets.clear();
  scripts.clear();
});

afterAll(async () => {
  process.env = savedEnv;
  resetEnvForTests();
  await receiver?.close();
  await smtp?.close();
  await database?.destroy();
});

const request = () => ({
  id: "018f0000-0000-7000-8000-000000000001",
  requester: { id: maya.id, name: maya.name },
  resourceName: "Orders database (production)",
  accessLevelName: "Write",
  durationMinutes: 120,
  justification: "INC-4711: fix stuck orders",
});
const grant = () => ({ id: "018f0000-0000-7000-8000-0000000000a1", holder: { id: maya.id, name: maya.name }, resourceName: "Orders database (production)", accessLevelName: "Write", endsAt: new Date(Date.now() + 3600_000) });

async function enqueue(items: NotificationItem[]) {
  return database.prisma.$transaction((tx) => enqueueNotifications(tx, items));
}

async function endpoint(path: string, kinds: string[] = []) {
  const { endpoint, secret } = await createWebhookEndpoint({ actor: admin, db: database.prisma }, { name: `Receiver ${path}`, url: receiver.url(path), kinds });
  secrets.set(path, secret);
  return endpoint;
}

/** Time passes: every retry is due now. */
async function makeRetriesDue() {
  await database.prisma.$executeRaw`UPDATE "Notification" SET "nextAttemptAt" = clock_timestamp() - interval '1 second' WHERE status = 'PENDING'`;
}

describe("email over SMTP", () => {
  it("an approver receives the new request by email, with the portal link, and sees it in-app", async () => {
    const queued = await enqueue(messages.requestCreated({ request: request(), approverIds: [sam.id] }));
    expect(queued).toEqual({ created: 2, deliverable: 1 });
    const report = await deliverPendingNotifications();
    expect(report).toMatchObject({ claimed: 1, sent: 1, retrying: 0, failed: 0 });

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : "").toBe(sam.email);
    expect(mail.from?.value[0]).toMatchObject({ name: "Keycard", address: "keycard@test.example" });
    expect(mail.subject).toBe(`[Keycard] Access request from ${maya.name}: Write on Orders database (production)`);
    expect(mail.text).toContain(`${maya.name} asks for Write on Orders database (production) for 2 h.`);
    expect(mail.text).toContain(`Open in Keycard: https://keycard.test.example/inbox?request=${request().id}`);
    expect(mail.html).toContain("Open in Keycard</a>");
    expect(mail.headers.get("x-keycard-event")).toBe("request.created");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");

    const rows = await database.prisma.notification.findMany({ where: { recipientId: sam.id }, orderBy: { channel: "asc" } });
    expect(rows.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ["IN_APP", "SENT", 0],
      ["EMAIL", "SENT", 1],
    ]);
    expect(mail.headers.get("x-keycard-delivery")).toBe(rows.find((r) => r.channel === "EMAIL")?.id);
  });

  it("break-glass alerts every security mailbox", async () => {
    await enqueue(messages.breakGlassActivated({ grant: { ...grant(), breakGlass: true }, reason: "Checkout down", reviewDueAt: new Date(Date.now() + 86_400_000), adminIds: [admin.id] }));
    await deliverPendingNotifications();
    const recipients = smtp.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.text : "")).sort();
    expect(recipients).toEqual(["ciso@test.example", admin.email, "soc@test.example"].sort());
    expect(smtp.messages.every((m) => m.subject?.startsWith(`[Keycard] Break-glass: ${maya.name} took Write`))).toBe(true);
  });

  it("a mail server that refuses for a moment is retried, and the message arrives", async () => {
    smtp.rejectNext(1);
    await enqueue(messages.requestDecided({ request: request(), outcome: "approved", decidedBy: { id: sam.id, name: sam.name } }));
    expect(await deliverPendingNotifications()).toMatchObject({ retrying: 1 });
    const pending = await database.prisma.notification.findFirstOrThrow({ where: { channel: "EMAIL" } });
    expect(pending).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(pending.lastError).toMatch(/451|Try again later/);
    expect(pending.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 10_000);
    await makeRetriesDue();
    expect(await deliverPendingNotifications()).toMatchObject({ sent: 1 });
    expect(smtp.messages).toHaveLength(1);
  });

  it("without KEYCARD_SMTP_URL no email is queued, and in-app still works", async () => {
    configure({ KEYCARD_SMTP_URL: undefined });
    const queued = await enqueue(messages.requestDecided({ request: request(), outcome: "denied", decidedBy: { id: sam.id, name: sam.name }, comment: "No" }));
    expect(queued).toEqual({ created: 1, deliverable: 0 });
    const rows = await database.prisma.notification.findMany();
    expect(rows.map((r) => r.channel)).toEqual(["IN_APP"]);
  });
});

describe("signed webhooks", () => {
  it("a subscribed endpoint receives signed Slack-compatible JSON; others do not", async () => {
    const decided = await endpoint("/decisions", ["request.decided"]);
    await endpoint("/grants-only", ["grant.activated"]);
    await enqueue(messages.requestDecided({ request: request(), outcome: "denied", decidedBy: { id: sam.id, name: sam.name }, comment: "<!channel> use staging" }));
    expect(await deliverPendingNotifications()).toMatchObject({ sent: 2 }); // one email + one webhook

    expect(receiver.received.map((r) => r.path)).toEqual(["/decisions"]);
    const delivery = receiver.accepted[0]!;
    expect(delivery.verified).toBe(true);
    expect(delivery.headers["x-keycard-event"]).toBe("request.decided");
    expect(delivery.headers["x-keycard-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const row = await database.prisma.notification.findFirstOrThrow({ where: { channel: "WEBHOOK" } });
    expect(delivery.headers["x-keycard-delivery"]).toBe(row.id);
    expect(row).toMatchObject({ status: "SENT", attempts: 1, lastError: null });
    const json = delivery.json as { text: string; blocks: unknown[]; keycard: { kind: string; data: Record<string, unknown> } };
    expect(json.text).toContain(`Denied: ${maya.name} → Write on Orders database (production)`);
    expect(json.text).toContain("&lt;!channel&gt; use staging");
    expect(json.blocks.length).toBeGreaterThan(0);
    expect(json.keycard).toMatchObject({ kind: "request.decided", data: { requestId: request().id, outcome: "denied" } });
    expect(json.keycard.data).not.toHaveProperty("_delivery");
    expect((row.data as Record<string, unknown>)._delivery).toEqual({ endpointId: decided.id });
  });

  it("a receiver refuses a delivery signed with the wrong secret", async () => {
    await endpoint("/strict");
    secrets.set("/strict", "whsec_not_the_real_one");
    await enqueue(messages.grantActivated({ grant: grant() }));
    expect(await deliverPendingNotifications()).toMatchObject({ retrying: 1 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.verified).toBe(false);
    const row = await database.prisma.notification.findFirstOrThrow({ where: { channel: "WEBHOOK" } });
    expect(row.lastError).toBe("HTTP 401: bad signature");
  });

  it("a receiver that fails twice then succeeds gets the message on the third attempt", async () => {
    await endpoint("/flaky");
    scripts.set("/flaky", [503, 500]);
    await enqueue(messages.grantActivated({ grant: grant() }));
    const webhookRow = () => database.prisma.notification.findFirstOrThrow({ where: { channel: "WEBHOOK" } });

    await deliverPendingNotifications();
    expect(await webhookRow()).toMatchObject({ status: "PENDING", attempts: 1, lastError: "HTTP 503: receiver unavailable" });
    // Not due yet: a run now sends nothing.
    expect(await deliverPendingNotifications()).toMatchObject({ claimed: 0 });
    await makeRetriesDue();
    await deliverPendingNotifications();
    expect(await webhookRow()).toMatchObject({ status: "PENDING", attempts: 2, lastError: "HTTP 500: receiver unavailable" });
    await makeRetriesDue();
    await deliverPendingNotifications();
    const row = await webhookRow();
    expect(row).toMatchObject({ status: "SENT", attempts: 3, lastError: null });
    expect(row.sentAt).not.toBeNull();
    expect(receiver.accepted).toHaveLength(1);
    // Every attempt carried the same delivery id, so a receiver can deduplicate.
    expect(new Set(receiver.received.map((r) => r.headers["x-keycard-delivery"]))).toEqual(new Set([row.id]));
  });

  it("a receiver that always fails ends FAILED after the attempt limit, listed for admins, and can be retried", async () => {
    await endpoint("/down");
    scripts.set("/down", Array.from({ length: 50 }, () => 500));
    await enqueue(messages.grantRevoked({ grant: grant(), reason: "EXPIRED" }));
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS; i++) {
      await deliverPendingNotifications();
      await makeRetriesDue();
    }
    const row = await database.prisma.notification.findFirstOrThrow({ where: { channel: "WEBHOOK" } });
    expect(row).toMatchObject({ status: "FAILED", attempts: MAX_DELIVERY_ATTEMPTS, nextAttemptAt: null });
    expect(await deliverPendingNotifications()).toMatchObject({ claimed: 0 });

    const overview = await createCaller({ actor: admin, db: database.prisma }).notifications.deliveries();
    expect(overview.counts.failed).toBe(1);
    expect(overview.failed[0]).toMatchObject({ id: row.id, channel: "WEBHOOK", to: "webhook: Receiver /down", attempts: MAX_DELIVERY_ATTEMPTS, lastError: "HTTP 500: receiver unavailable" });
    await expect(createCaller({ actor: maya, db: database.prisma }).notifications.deliveries()).rejects.toMatchObject({ code: "FORBIDDEN" });

    scripts.delete("/down");
    await createCaller({ actor: admin, db: database.prisma }).notifications.retry({ id: row.id });
    await settleDelivery();
    expect(await database.prisma.notification.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "SENT", attempts: 1 });
  });

  it("a delivery queued for an endpoint that was disabled meanwhile fails visibly instead of being sent", async () => {
    const target = await endpoint("/paused");
    await enqueue(messages.grantActivated({ grant: grant() }));
    await database.prisma.webhookEndpoint.update({ where: { id: target.id }, data: { enabled: false } });
    expect(await deliverPendingNotifications()).toMatchObject({ failed: 1 });
    expect(receiver.received).toHaveLength(0);
    expect(await database.prisma.notification.findFirstOrThrow({ where: { channel: "WEBHOOK" } })).toMatchObject({ status: "FAILED", lastError: "webhook endpoint is disabled" });
  });
});

describe("queueing", () => {
  it("the same items enqueued twice (a retried job) write nothing the second time", async () => {
    await endpoint("/all");
    const items = messages.requestCreated({ request: request(), approverIds: [sam.id, admin.id] });
    const first = await enqueue(items);
    expect(first).toEqual({ created: 5, deliverable: 3 }); // 2 in-app, 2 email, 1 webhook
    expect(await enqueue(items)).toEqual({ created: 0, deliverable: 0 });
    expect(await database.prisma.notification.count()).toBe(5);
    await deliverPendingNotifications();
    expect(await enqueue(items)).toEqual({ created: 0, deliverable: 0 });
    expect(smtp.messages).toHaveLength(2);
    expect(receiver.accepted).toHaveLength(1);
  });

  it("items for several approvers reach a webhook channel once", async () => {
    await endpoint("/channel");
    await enqueue([...messages.requestCreated({ request: request(), approverIds: [sam.id, admin.id] }), ...messages.requestCreated({ request: request(), approverIds: [sam.id] })]);
    await deliverPendingNotifications();
    expect(receiver.accepted).toHaveLength(1);
  });

  it("an unknown recipient is skipped rather than breaking the caller's transaction", async () => {
    const queued = await enqueue(messages.requestDecided({ request: { ...request(), requester: { id: "018f0000-0000-7000-8000-00000000dead", name: "Ghost" } }, outcome: "approved", decidedBy: null }));
    expect(queued.created).toBe(0);
  });

  it("a failing send never breaks enqueue or the change that caused it", async () => {
    configure({ KEYCARD_SMTP_URL: "smtp://keycard:wrong@127.0.0.1:1" });
    const down = await database.prisma.webhookEndpoint.create({ data: { name: "Nowhere", url: "http://127.0.0.1:1/hook", secretCiphertext: "v1.garbage" } });
    const { queued } = await database.prisma.$transaction(async (tx) => {
      await tx.identity.update({ where: { id: maya.id }, data: { title: "Changed with its notification" } });
      return { queued: await enqueueNotifications(tx, messages.grantActivated({ grant: grant(), credential: true })) };
    });
    expect(queued.deliverable).toBe(2);
    expect(() => kickDelivery(queued)).not.toThrow();
    await settleDelivery();
    expect((await database.prisma.identity.findUniqueOrThrow({ where: { id: maya.id } })).title).toBe("Changed with its notification");
    const rows = await database.prisma.notification.findMany({ where: { channel: { not: "IN_APP" } } });
    expect(rows.map((r) => [r.channel, r.status, r.attempts])).toEqual(expect.arrayContaining([["EMAIL", "PENDING", 1], ["WEBHOOK", "PENDING", 1]]));
    expect(rows.find((r) => r.channel === "EMAIL")?.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(rows.find((r) => r.channel === "WEBHOOK")?.lastError).toMatch(/secret format|decrypt|unrecognised/i);
    expect(down.id).toBeTruthy();
    // In-app arrived regardless.
    expect(await database.prisma.notification.count({ where: { recipientId: maya.id, channel: "IN_APP" } })).toBe(1);
  });

  it("two concurrent delivery runs send each notification exactly once (SKIP LOCKED)", async () => {
    await endpoint("/busy");
    const items: NotificationItem[] = [];
    for (let i = 0; i < 30; i++) {
      items.push(...messages.grantExpiring({ grant: { ...grant(), id: `018f0000-0000-7000-8000-${String(i).padStart(12, "0")}` }, leadMinutes: 15 }));
    }
    await enqueue(items);
    const pending = await database.prisma.notification.count({ where: { status: "PENDING" } });
    expect(pending).toBe(60); // 30 email + 30 webhook
    const reports = await Promise.all([0, 1, 2, 3].map(() => deliverPendingNotifications({ limit: 20 })));
    const sent = reports.reduce((sum, r) => sum + r.sent, 0);
    // Whatever one run did not claim, a second pass finishes.
    const rest = await deliverPendingNotifications({ limit: 100 });
    expect(sent + rest.sent).toBe(60);
    expect(await database.prisma.notification.count({ where: { status: "SENT", channel: { not: "IN_APP" } } })).toBe(60);
    const deliveryIds = receiver.accepted.map((r) => r.headers["x-keycard-delivery"]);
    expect(deliveryIds).toHaveLength(30);
    expect(new Set(deliveryIds).size).toBe(30);
    expect(smtp.messages).toHaveLength(30);
    expect(new Set(smtp.messages.map((m) => m.headers.get("x-keycard-delivery"))).size).toBe(30);
  });
});

describe("several instances", () => {
  it.runIf(testDatabaseKind === "postgres")("a run skips a row another instance holds instead of waiting for it or sending it twice", async () => {
    await enqueue(messages.requestExpired({ request: request() }));
    await database.prisma.$transaction(async (tx) => {
      // Another instance is in the middle of claiming this row.
      await tx.$queryRaw`SELECT id FROM "Notification" WHERE channel = 'EMAIL' FOR UPDATE`;
      expect(await deliverPendingNotifications()).toMatchObject({ claimed: 0 });
    });
    expect(await deliverPendingNotifications()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.messages).toHaveLength(1);
  });
});

describe("the deliver-notifications function", () => {
  it("runs under Inngest's test engine and records its run", async () => {
    await enqueue(messages.requestExpired({ request: request() }));
    const engine = new InngestTestEngine({ function: deliverNotifications.inngestFunction });
    const { result } = await engine.execute();
    expect(result).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.messages).toHaveLength(1);
    expect(await database.prisma.jobRun.count({ where: { functionId: "deliver-notifications", status: "SUCCEEDED" } })).toBe(1);
    expect(deliverNotifications).toMatchObject({ cron: "* * * * *", localEverySeconds: 5 });
  });
});
