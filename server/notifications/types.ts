/**
 * The vocabulary of notifications. A kind names what happened (`request.created`); an item is one message
 * about it for one recipient (or, with `recipientId: null`, for the channels nobody signs in to: webhook
 * endpoints and the security mailbox). Wording lives in messages.ts, delivery in deliver.ts.
 */
export const notificationKinds = {
  "request.created": "New request to decide",
  "request.decided": "Request approved or denied",
  "request.handled": "Request handled by another approver",
  "request.reminder": "Reminder: request waiting",
  "request.escalated": "Request escalated",
  "request.expired": "Request expired unreviewed",
  "grant.activated": "Access active",
  "grant.expiring": "Access ending soon",
  "grant.revoked": "Access removed",
  "grant.provision_failed": "Provisioning failed",
  "grant.revoke_failing": "Revocation failing",
  "break_glass.activated": "Break-glass activated",
  "break_glass.review_due": "Break-glass review due",
  "reports.standing_found": "New standing privileges on tier 1",
  "webhook.test": "Test message",
} as const;

export type NotificationKind = keyof typeof notificationKinds;

export const allNotificationKinds = Object.keys(notificationKinds) as NotificationKind[];

export function isNotificationKind(value: string): value is NotificationKind {
  return Object.hasOwn(notificationKinds, value);
}

export type Channel = "IN_APP" | "EMAIL" | "WEBHOOK";

/** Structured facts about the event, sent to webhook receivers as `keycard.data` (never secrets). */
export type NotificationData = { [key: string]: string | number | boolean | null | undefined | string[] };

export interface NotificationItem {
  kind: NotificationKind;
  /**
   * Identifies this occurrence of the event (`request.decided:<requestId>`). With the channel and the
   * target it forms the stored dedupeKey, so a retried job that enqueues the same item again is a no-op.
   * Items for different people may share a key; a webhook endpoint then gets the event once.
   */
  key: string;
  /** A person; null for the broadcast copy (webhook endpoints, and the security mailbox for EMAIL). */
  recipientId: string | null;
  /**
   * Defaults: a person gets IN_APP and EMAIL; a broadcast goes to WEBHOOK (every enabled endpoint that
   * subscribes to the kind). EMAIL on a broadcast means KEYCARD_SECURITY_EMAILS.
   */
  channels?: readonly Channel[];
  /** One line: the in-app heading, the email subject, the chat message's bold first line. */
  title: string;
  /** Plain text, a few short lines. */
  body: string;
  /** Path inside the portal (`/access/grants/…`); made absolute with KEYCARD_URL for email and chat. */
  link?: string | null;
  data?: NotificationData;
}

/** Delivery bookkeeping kept in the row's `data` under this key (who exactly to send it to). */
export const DELIVERY_KEY = "_delivery";

export interface DeliveryTarget {
  /** EMAIL broadcast: the address. */
  to?: string;
  /** WEBHOOK: the endpoint. */
  endpointId?: string;
}
