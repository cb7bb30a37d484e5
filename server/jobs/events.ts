import { eventType } from "inngest";
import { z } from "zod";

/**
 * Typed events, named `area/noun.verb`. They are sent after the transaction that caused them commits,
 * with an `id` for deduplication. The database, not the event, is the source of truth: a lost event is
 * caught up by the scheduled functions.
 */
export const schedulerPing = eventType("system/scheduler.ping", {
  schema: z.object({ reason: z.string() }),
});

export const jobEvents = [schedulerPing] as const;
