import { defineEndpoint, noParams, noQuery } from "@/server/api/handler";
import { ZUsageIngestResult } from "@/server/api/views";
import { ingestUsageEvents } from "@/server/domain/usage/ingest";
import { MAX_USAGE_BATCH_BYTES, MAX_USAGE_EVENT_AGE_DAYS, MAX_USAGE_EVENTS, ZUsageBatch } from "@/server/domain/usage/schema";

export const ingestUsage = defineEndpoint({
  operationId: "ingestUsage",
  method: "POST",
  path: "/usage",
  tag: "Usage",
  summary: "Report usage events from logs or a SIEM",
  description: `Batches of up to ${MAX_USAGE_EVENTS.toLocaleString("en")} events (at most ${MAX_USAGE_BATCH_BYTES / 1024} KB, the one call with a larger body limit): each says that a principal used a target's connector, optionally one privilege, at a time with a zone, within the last ${MAX_USAGE_EVENT_AGE_DAYS} days. Idempotent per connector and event id: a batch sent again counts once. The standing-privilege report uses the counts (docs/reports.md).`,
  scopes: ["usage:write"],
  params: noParams,
  query: noQuery,
  body: { schema: ZUsageBatch, description: "The usage events" },
  maxBodyBytes: MAX_USAGE_BATCH_BYTES,
  responses: { 200: { description: "What the batch counted", schema: ZUsageIngestResult } },
  errors: [400, 403, 413, 415],
  async handle({ ctx, body }) {
    return { status: 200, body: await ingestUsageEvents(body, ctx) };
  },
});
