import { z } from "zod";

/**
 * `POST /api/v1/usage`: usage events from logs or a SIEM, in batches. Each event says that a principal
 * used a target (optionally one privilege) at a time; `id` is the sender's own event id, so a batch sent
 * twice (a retry after a timeout) counts once.
 */

export const MAX_USAGE_EVENTS = 1_000;
export const MAX_USAGE_BATCH_BYTES = 256 * 1024;
/** Older events are refused: receipts (the dedupe memory) are kept a little longer than this. */
export const MAX_USAGE_EVENT_AGE_DAYS = 90;
/** Clocks differ; an event a few minutes ahead of ours is accepted, one further ahead is a mistake. */
export const MAX_USAGE_CLOCK_SKEW_MINUTES = 5;

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const noControl = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

export const ZUsageEvent = z
  .object({
    id: z.string().min(1, "id must not be empty").max(200, "id is at most 200 characters").refine(noControl, "id contains a control character"),
    connector: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "connector must be a connector slug (lower-case letters, digits, '-')"),
    principal: z.string().min(1, "principal must not be empty").max(256, "principal is at most 256 characters").refine(noControl, "principal contains a control character"),
    privilege: z.string().min(1).max(1024, "privilege is at most 1,024 characters").refine(noControl, "privilege contains a control character").optional(),
    at: z.iso.datetime({ offset: true, message: "at must be an ISO 8601 time with a zone, e.g. 2026-10-01T08:00:00Z" }),
  })
  .strict();
export type UsageEvent = z.infer<typeof ZUsageEvent>;

export const ZUsageBatch = z
  .object({
    events: z
      .array(ZUsageEvent)
      .min(1, "send at least one event")
      .max(MAX_USAGE_EVENTS, `send at most ${MAX_USAGE_EVENTS.toLocaleString("en")} events per batch`),
  })
  .strict();
export type UsageBatch = z.infer<typeof ZUsageBatch>;

export const ZUsageIngestResult = z
  .object({
    received: z.number().int().describe("Events in the batch"),
    accepted: z.number().int().describe("Counted now"),
    duplicates: z.number().int().describe("Already counted earlier (same connector and id), or repeated within the batch"),
  })
  .strict();
export type UsageIngestResult = z.infer<typeof ZUsageIngestResult>;
