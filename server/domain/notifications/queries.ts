import { assertCan } from "@/server/auth/permissions";
import type { Ctx, PersonCtx } from "@/server/domain/context";
import { ZListMyNotificationsInput, type ListMyNotificationsInput } from "@/server/domain/notifications/schema";
import { MAX_DELIVERY_ATTEMPTS } from "@/server/notifications/backoff";
import { notificationConfig } from "@/server/notifications/config";
import { DELIVERY_KEY, isNotificationKind, notificationKinds } from "@/server/notifications/types";

/** My in-app notifications, newest first, with a cursor for the next page and my unread count. */
export async function listMyNotifications(ctx: PersonCtx, rawInput: ListMyNotificationsInput = {}) {
  const input = ZListMyNotificationsInput.parse(rawInput);
  const where = { recipientId: ctx.actor.id, channel: "IN_APP" as const, ...(input.unreadOnly ? { readAt: null } : {}) };
  const [rows, unread] = await Promise.all([
    ctx.db.notification.findMany({
      where,
      select: { id: true, kind: true, title: true, body: true, link: true, createdAt: true, readAt: true },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    }),
    countMyUnreadNotifications(ctx),
  ]);
  const items = rows.slice(0, input.limit);
  return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null, unread };
}

export function countMyUnreadNotifications(ctx: PersonCtx): Promise<number> {
  return ctx.db.notification.count({ where: { recipientId: ctx.actor.id, channel: "IN_APP", readAt: null } });
}

function deliveryTarget(data: unknown): { to?: string; endpointId?: string } {
  const target = data && typeof data === "object" ? (data as Record<string, unknown>)[DELIVERY_KEY] : undefined;
  return target && typeof target === "object" ? (target as { to?: string; endpointId?: string }) : {};
}

/**
 * The admin page: how email is configured, the webhook endpoints (never their secrets), and the
 * deliveries that need attention — failed for good, or failing and being retried.
 */
export async function getDeliveryOverview(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const config = notificationConfig();
  const since = new Date(Date.now() - 24 * 3600_000);
  const attentionSelect = {
    id: true,
    channel: true,
    kind: true,
    title: true,
    status: true,
    attempts: true,
    lastError: true,
    nextAttemptAt: true,
    createdAt: true,
    data: true,
    recipient: { select: { name: true, email: true } },
  } as const;
  const [endpoints, failed, retrying, grouped, sent24h] = await Promise.all([
    ctx.db.webhookEndpoint.findMany({ select: { id: true, name: true, url: true, kinds: true, enabled: true, createdAt: true }, orderBy: { createdAt: "asc" } }),
    ctx.db.notification.findMany({ where: { status: "FAILED" }, select: attentionSelect, orderBy: { createdAt: "desc" }, take: 50 }),
    ctx.db.notification.findMany({ where: { status: "PENDING", attempts: { gt: 0 } }, select: attentionSelect, orderBy: { createdAt: "desc" }, take: 50 }),
    ctx.db.notification.groupBy({ by: ["status"], where: { channel: { not: "IN_APP" } }, _count: { _all: true } }),
    ctx.db.notification.count({ where: { channel: { not: "IN_APP" }, status: "SENT", sentAt: { gte: since } } }),
  ]);
  const endpointNames = new Map(endpoints.map((e) => [e.id, e.name]));
  const describe = (row: (typeof failed)[number]) => {
    const target = deliveryTarget(row.data);
    const to =
      row.channel === "WEBHOOK"
        ? `webhook: ${target.endpointId ? (endpointNames.get(target.endpointId) ?? "deleted endpoint") : "unknown endpoint"}`
        : row.recipient
          ? `${row.recipient.name}${row.recipient.email ? ` <${row.recipient.email}>` : ""}`
          : (target.to ?? "—");
    return {
      id: row.id,
      channel: row.channel,
      kind: row.kind,
      kindLabel: isNotificationKind(row.kind) ? notificationKinds[row.kind] : row.kind,
      title: row.title,
      to,
      attempts: row.attempts,
      lastError: row.lastError,
      nextAttemptAt: row.status === "PENDING" ? row.nextAttemptAt : null,
      createdAt: row.createdAt,
    };
  };
  const count = (status: "PENDING" | "SENT" | "FAILED") => grouped.find((g) => g.status === status)?._count._all ?? 0;
  return {
    email: config.smtp
      ? { configured: true as const, host: config.smtp.host, port: config.smtp.port, tls: config.smtp.secure ? "TLS" : "STARTTLS when offered", from: config.mailFrom }
      : { configured: false as const },
    securityEmails: config.securityEmails,
    baseUrl: config.baseUrl,
    maxAttempts: MAX_DELIVERY_ATTEMPTS,
    counts: { pending: count("PENDING"), failed: count("FAILED"), sent24h },
    failed: failed.map(describe),
    retrying: retrying.map(describe),
    endpoints,
    kinds: Object.entries(notificationKinds).map(([kind, label]) => ({ kind, label })),
  };
}
