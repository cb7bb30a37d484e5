import { randomUUID } from "node:crypto";
import { assertCan } from "@/server/auth/permissions";
import type { Ctx, PersonCtx } from "@/server/domain/context";
import {
  ZCreateWebhookEndpointInput,
  ZMarkNotificationsReadInput,
  ZNotificationIdInput,
  ZSetWebhookEndpointEnabledInput,
  ZWebhookEndpointIdInput,
  type CreateWebhookEndpointInput,
  type MarkNotificationsReadInput,
  type NotificationIdInput,
  type SetWebhookEndpointEnabledInput,
  type WebhookEndpointIdInput,
} from "@/server/domain/notifications/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";
import { notificationConfig } from "@/server/notifications/config";
import { openEndpointSecret, sealEndpointSecret } from "@/server/notifications/endpoints";
import { kickDelivery } from "@/server/notifications/kick";
import { generateWebhookSecret } from "@/server/notifications/signature";
import { buildWebhookPayload, postWebhook, type WebhookResult } from "@/server/notifications/webhook";

// ─── my notifications ────────────────────────────────────────────────────────────────────────────

/**
 * Marks my notifications read. Ids that are not mine (or not in-app) are refused as NOT_FOUND — the same
 * answer as an id that does not exist, so nobody learns whether another person's notification exists —
 * and then nothing is marked.
 */
export async function markNotificationsRead(ctx: PersonCtx, rawInput: MarkNotificationsReadInput): Promise<{ marked: number }> {
  const { ids } = ZMarkNotificationsReadInput.parse(rawInput);
  const unique = [...new Set(ids)];
  const mine = await ctx.db.notification.count({ where: { id: { in: unique }, recipientId: ctx.actor.id, channel: "IN_APP" } });
  if (mine !== unique.length) throw new DomainError("NOT_FOUND", "Notification not found.");
  const { count } = await ctx.db.notification.updateMany({
    where: { id: { in: unique }, recipientId: ctx.actor.id, channel: "IN_APP", readAt: null },
    data: { readAt: new Date() },
  });
  return { marked: count };
}

export async function markAllNotificationsRead(ctx: PersonCtx): Promise<{ marked: number }> {
  const { count } = await ctx.db.notification.updateMany({
    where: { recipientId: ctx.actor.id, channel: "IN_APP", readAt: null },
    data: { readAt: new Date() },
  });
  return { marked: count };
}

// ─── webhook endpoints (admin) ───────────────────────────────────────────────────────────────────

/**
 * Where an endpoint sends, as the ledger records it: the origin only. Chat webhooks carry their secret in
 * the path (`/services/T…/B…/…`), and the ledger keeps what it is given forever.
 */
function endpointOrigin(url: string): string {
  return new URL(url).origin;
}

/**
 * Creates an endpoint with a fresh signing secret, returned this once (stored encrypted only). Endpoints
 * receive security alerts, so every change to them is ledgered: quietly redirecting or switching off the
 * alerts must leave a trace.
 */
export async function createWebhookEndpoint(ctx: Ctx, rawInput: CreateWebhookEndpointInput) {
  assertCan(ctx.actor, "admin:manage");
  const input = ZCreateWebhookEndpointInput.parse(rawInput);
  const secret = generateWebhookSecret();
  const kinds = [...new Set(input.kinds)];
  const endpoint = await ctx.db.$transaction(async (tx) => {
    // The ciphertext is bound to the row id (AAD), which exists only after the insert.
    const created = await tx.webhookEndpoint.create({ data: { name: input.name, url: input.url, kinds, secretCiphertext: "" }, select: { id: true } });
    const endpoint = await tx.webhookEndpoint.update({
      where: { id: created.id },
      data: { secretCiphertext: sealEndpointSecret(created.id, secret) },
      select: { id: true, name: true, url: true, kinds: true, enabled: true, createdAt: true },
    });
    await appendLedgerEvent(tx, {
      action: "notifications/webhook.created",
      actor: ctx.actor,
      subject: { type: "webhook_endpoint", id: endpoint.id },
      summary: `Webhook endpoint “${endpoint.name}” created, sending ${kinds.length ? kinds.join(", ") : "every kind"} to ${endpointOrigin(endpoint.url)}`,
      data: { name: endpoint.name, origin: endpointOrigin(endpoint.url), kinds },
    });
    return endpoint;
  });
  return { endpoint, secret };
}

export async function setWebhookEndpointEnabled(ctx: Ctx, rawInput: SetWebhookEndpointEnabledInput) {
  assertCan(ctx.actor, "admin:manage");
  const input = ZSetWebhookEndpointEnabledInput.parse(rawInput);
  return ctx.db.$transaction(async (tx) => {
    const [endpoint] = await tx.$queryRaw<{ name: string; url: string; enabled: boolean }[]>`
      SELECT name, url, enabled FROM "WebhookEndpoint" WHERE id = ${input.id}::uuid FOR UPDATE`;
    if (!endpoint) throw new DomainError("NOT_FOUND", "Webhook endpoint not found.");
    if (endpoint.enabled === input.enabled) return { id: input.id, enabled: input.enabled };
    await tx.webhookEndpoint.update({ where: { id: input.id }, data: { enabled: input.enabled } });
    await appendLedgerEvent(tx, {
      action: input.enabled ? "notifications/webhook.enabled" : "notifications/webhook.disabled",
      actor: ctx.actor,
      subject: { type: "webhook_endpoint", id: input.id },
      summary: `Webhook endpoint “${endpoint.name}” ${input.enabled ? "enabled" : "disabled"} (${endpointOrigin(endpoint.url)})`,
      data: { name: endpoint.name, origin: endpointOrigin(endpoint.url) },
    });
    return { id: input.id, enabled: input.enabled };
  });
}

/** Deliveries still queued for it fail as "webhook endpoint was deleted" (visible to admins). */
export async function deleteWebhookEndpoint(ctx: Ctx, rawInput: WebhookEndpointIdInput) {
  assertCan(ctx.actor, "admin:manage");
  const input = ZWebhookEndpointIdInput.parse(rawInput);
  return ctx.db.$transaction(async (tx) => {
    const [endpoint] = await tx.$queryRaw<{ name: string; url: string }[]>`
      DELETE FROM "WebhookEndpoint" WHERE id = ${input.id}::uuid RETURNING name, url`;
    if (!endpoint) throw new DomainError("NOT_FOUND", "Webhook endpoint not found.");
    await appendLedgerEvent(tx, {
      action: "notifications/webhook.deleted",
      actor: ctx.actor,
      subject: { type: "webhook_endpoint", id: input.id },
      summary: `Webhook endpoint “${endpoint.name}” deleted (${endpointOrigin(endpoint.url)})`,
      data: { name: endpoint.name, origin: endpointOrigin(endpoint.url) },
    });
    return { id: input.id };
  });
}

/**
 * Sends a signed `webhook.test` message now and reports what the receiver answered. Not queued: a test
 * to a wrong URL should show its error at once, not linger in the failed-deliveries list.
 */
export async function sendWebhookTest(ctx: Ctx, rawInput: WebhookEndpointIdInput): Promise<WebhookResult> {
  assertCan(ctx.actor, "admin:manage");
  const input = ZWebhookEndpointIdInput.parse(rawInput);
  const endpoint = await ctx.db.webhookEndpoint.findUnique({ where: { id: input.id }, select: { id: true, name: true, url: true, secretCiphertext: true } });
  if (!endpoint) throw new DomainError("NOT_FOUND", "Webhook endpoint not found.");
  const by = ctx.actor.type === "identity" ? ctx.actor.name : ctx.actor.job;
  const deliveryId = `test-${randomUUID()}`;
  const body = JSON.stringify(
    buildWebhookPayload(
      {
        id: deliveryId,
        kind: "webhook.test",
        title: `Test message for ${endpoint.name}`,
        body: `${by} sent this test from Keycard. If you can read it, the endpoint works.`,
        link: "/admin/notifications",
        data: { endpointId: endpoint.id },
        createdAt: new Date(),
      },
      notificationConfig().baseUrl,
    ),
  );
  return postWebhook({ url: endpoint.url, secret: openEndpointSecret(endpoint.id, endpoint.secretCiphertext), kind: "webhook.test", deliveryId, body });
}

// ─── failed deliveries (admin) ───────────────────────────────────────────────────────────────────

/** Puts a failed delivery back in the queue with a fresh set of attempts, and starts delivery. */
export async function retryNotification(ctx: Ctx, rawInput: NotificationIdInput) {
  assertCan(ctx.actor, "admin:manage");
  const input = ZNotificationIdInput.parse(rawInput);
  const { count } = await ctx.db.notification.updateMany({
    where: { id: input.id, status: "FAILED" },
    data: { status: "PENDING", attempts: 0, nextAttemptAt: null },
  });
  if (count === 0) throw new DomainError("NOT_FOUND", "No failed delivery with this id.");
  kickDelivery();
  return { requeued: count };
}

export async function retryAllFailedNotifications(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const { count } = await ctx.db.notification.updateMany({ where: { status: "FAILED" }, data: { status: "PENDING", attempts: 0, nextAttemptAt: null } });
  if (count) kickDelivery();
  return { requeued: count };
}
