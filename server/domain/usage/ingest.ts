import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { MAX_USAGE_CLOCK_SKEW_MINUTES, MAX_USAGE_EVENT_AGE_DAYS, ZUsageBatch, type UsageIngestResult } from "@/server/domain/usage/schema";
import { upsertUsage } from "@/server/domain/usage/store";
import { dbNow } from "@/server/db/clock";
import { DomainError } from "@/server/errors";

/**
 * Counts a batch of usage events (from logs or a SIEM) into the daily aggregates. All or nothing: a batch
 * with one bad event (unknown connector, a time in the future or too old) is refused whole with the index
 * of the event, and nothing is written. Each event is remembered by (connector, id) in `UsageEventReceipt`
 * in the same transaction as the counts, so re-sending a batch — or overlapping batches — counts every
 * event once.
 */
export async function ingestUsageEvents(input: unknown, ctx: Ctx): Promise<UsageIngestResult> {
  assertCan(ctx.actor, "reports:manage");
  const { events } = ZUsageBatch.parse(input);
  const slugs = [...new Set(events.map((e) => e.connector))];
  const connectors = await ctx.db.connector.findMany({ where: { slug: { in: slugs } }, select: { id: true, slug: true } });
  const idBySlug = new Map(connectors.map((c) => [c.slug, c.id]));

  const now = await dbNow(ctx.db);
  const earliest = now.getTime() - MAX_USAGE_EVENT_AGE_DAYS * 86_400_000;
  const latest = now.getTime() + MAX_USAGE_CLOCK_SKEW_MINUTES * 60_000;
  const parsed = events.map((event, index) => {
    const connectorId = idBySlug.get(event.connector);
    if (!connectorId) throw new DomainError("VALIDATION", `events.${index}.connector: no connector "${event.connector}"`, { field: `events.${index}.connector` });
    const at = new Date(event.at);
    if (at.getTime() > latest) throw new DomainError("VALIDATION", `events.${index}.at: ${event.at} is in the future`, { field: `events.${index}.at` });
    if (at.getTime() < earliest) {
      throw new DomainError("VALIDATION", `events.${index}.at: ${event.at} is older than ${MAX_USAGE_EVENT_AGE_DAYS} days`, { field: `events.${index}.at` });
    }
    return { receipt: `${connectorId}:${event.id}`, connectorId, principal: event.principal, privilege: event.privilege ?? "*", at };
  });

  const unique = [...new Map(parsed.map((event) => [event.receipt, event])).values()];
  const accepted = await ctx.db.$transaction(async (tx) => {
    const fresh = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "UsageEventReceipt" ("id", "receivedAt") SELECT unnest($1::text[]), $2::timestamp(3)
       ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      unique.map((e) => e.receipt),
      now.toISOString(),
    );
    const freshIds = new Set(fresh.map((row) => row.id));
    const counted = unique.filter((event) => freshIds.has(event.receipt));
    await upsertUsage(
      tx,
      counted.map((event) => ({ connectorId: event.connectorId, principal: event.principal, privilege: event.privilege, lastUsedAt: event.at, count: 1 })),
      { additive: true },
    );
    return counted.length;
  });
  return { received: events.length, accepted, duplicates: events.length - accepted };
}
