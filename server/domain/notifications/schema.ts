import { z } from "zod";
import { allNotificationKinds } from "@/server/notifications/types";

const id = z.uuid();

export const ZListMyNotificationsInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  /** The id of the last item of the previous page. */
  cursor: id.nullish(),
  unreadOnly: z.boolean().default(false),
});
export type ListMyNotificationsInput = z.input<typeof ZListMyNotificationsInput>;

export const ZMarkNotificationsReadInput = z.object({ ids: z.array(id).min(1).max(100) });
export type MarkNotificationsReadInput = z.infer<typeof ZMarkNotificationsReadInput>;

const webhookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.length > 0 && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { message: "Enter an http(s) URL without credentials in it." },
  );

export const ZCreateWebhookEndpointInput = z.object({
  name: z.string().trim().min(1, "Give the endpoint a name.").max(100),
  url: webhookUrl,
  /** Empty = every kind. */
  kinds: z.array(z.enum(allNotificationKinds as [string, ...string[]])).max(allNotificationKinds.length).default([]),
});
export type CreateWebhookEndpointInput = z.input<typeof ZCreateWebhookEndpointInput>;

export const ZSetWebhookEndpointEnabledInput = z.object({ id, enabled: z.boolean() });
export type SetWebhookEndpointEnabledInput = z.infer<typeof ZSetWebhookEndpointEnabledInput>;

export const ZWebhookEndpointIdInput = z.object({ id });
export type WebhookEndpointIdInput = z.infer<typeof ZWebhookEndpointIdInput>;

export const ZNotificationIdInput = z.object({ id });
export type NotificationIdInput = z.infer<typeof ZNotificationIdInput>;
