import { eventType } from "inngest";
import { z } from "zod";

/**
 * Typed events, named `area/noun.verb`. They are sent after the transaction that caused them commits,
 * with an `id` for deduplication. The database, not the event, is the source of truth: a lost event is
 * caught up by the scheduled functions (the provisioner and the sweeper run every few seconds locally,
 * every minute on Inngest).
 */
const grantRef = z.object({ grantId: z.string() });

export const schedulerPing = eventType("system/scheduler.ping", { schema: z.object({ reason: z.string() }) });
export const grantScheduled = eventType("access/grant.scheduled", { schema: grantRef.extend({ startsAt: z.string() }) });
export const grantActivated = eventType("access/grant.activated", { schema: grantRef.extend({ endsAt: z.string() }) });
export const grantExtended = eventType("access/grant.extended", { schema: grantRef.extend({ endsAt: z.string() }) });
export const grantRevokeRequested = eventType("access/grant.revoke_requested", { schema: grantRef });
