// The notifications subsystem's public surface (docs/notifications.md). Lifecycle code builds items with
// `messages`, writes them with `enqueueNotifications(tx, items)` inside its transaction and calls
// `kickDelivery(queued)` after commit; the `deliver-notifications` function is the backstop.
export { enqueueNotifications, type EnqueueResult } from "@/server/notifications/enqueue";
export { deliverPendingNotifications, type DeliveryReport, type DeliverOptions } from "@/server/notifications/deliver";
export { kickDelivery, settleDelivery } from "@/server/notifications/kick";
export { adminRecipientIds } from "@/server/notifications/recipients";
export { verifyKeycardSignature, signPayload, SIGNATURE_HEADER } from "@/server/notifications/signature";
export { MAX_DELIVERY_ATTEMPTS } from "@/server/notifications/backoff";
export { portalLinks } from "@/server/notifications/links";
export * as messages from "@/server/notifications/messages";
export type { GrantRef, PersonRef, RequestRef, RevocationReason } from "@/server/notifications/messages";
export {
  allNotificationKinds,
  notificationKinds,
  type Channel,
  type NotificationData,
  type NotificationItem,
  type NotificationKind,
} from "@/server/notifications/types";
