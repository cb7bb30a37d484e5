import { z } from "zod";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  markAllNotificationsRead,
  markNotificationsRead,
  retryAllFailedNotifications,
  retryNotification,
  sendWebhookTest,
  setWebhookEndpointEnabled,
} from "@/server/domain/notifications/mutations";
import { countMyUnreadNotifications, getDeliveryOverview, listMyNotifications } from "@/server/domain/notifications/queries";
import {
  ZCreateWebhookEndpointInput,
  ZListMyNotificationsInput,
  ZMarkNotificationsReadInput,
  ZNotificationIdInput,
  ZSetWebhookEndpointEnabledInput,
  ZWebhookEndpointIdInput,
} from "@/server/domain/notifications/schema";
import { createTRPCRouter, permittedProcedure, protectedProcedure } from "@/server/trpc/init";

const admin = permittedProcedure("admin:manage");

export const notificationsRouter = createTRPCRouter({
  list: protectedProcedure.input(ZListMyNotificationsInput.optional()).query(({ ctx, input }) => listMyNotifications(ctx, input ?? {})),
  unreadCount: protectedProcedure.query(({ ctx }) => countMyUnreadNotifications(ctx)),
  markRead: protectedProcedure.input(ZMarkNotificationsReadInput).mutation(({ ctx, input }) => markNotificationsRead(ctx, input)),
  markAllRead: protectedProcedure.input(z.void()).mutation(({ ctx }) => markAllNotificationsRead(ctx)),

  deliveries: admin.query(({ ctx }) => getDeliveryOverview(ctx)),
  retry: admin.input(ZNotificationIdInput).mutation(({ ctx, input }) => retryNotification(ctx, input)),
  retryAllFailed: admin.input(z.void()).mutation(({ ctx }) => retryAllFailedNotifications(ctx)),

  webhookEndpoints: createTRPCRouter({
    create: admin.input(ZCreateWebhookEndpointInput).mutation(({ ctx, input }) => createWebhookEndpoint(ctx, input)),
    setEnabled: admin.input(ZSetWebhookEndpointEnabledInput).mutation(({ ctx, input }) => setWebhookEndpointEnabled(ctx, input)),
    remove: admin.input(ZWebhookEndpointIdInput).mutation(({ ctx, input }) => deleteWebhookEndpoint(ctx, input)),
    test: admin.input(ZWebhookEndpointIdInput).mutation(({ ctx, input }) => sendWebhookTest(ctx, input)),
  }),
});
