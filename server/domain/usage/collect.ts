import type { Db } from "@/server/db";
import { withConnector } from "@/server/domain/connectors/instance";
import { MAX_USAGE_EVENT_AGE_DAYS } from "@/server/domain/usage/schema";
import { upsertUsage } from "@/server/domain/usage/store";

/**
 * Scheduled usage collection: each connector's `usage()` — who has a live session and when each last
 * did something (pg_stat_activity, the MariaDB processlist, Redis CLIENT LIST) — into the daily
 * aggregates under privilege `*` (sessions do not say which privilege they used). Targets keep no login
 * history, so the sampling interval bounds what is seen: a session that starts and ends between two
 * samples is missed; logs sent to `POST /api/v1/usage` fill that gap.
 */

export interface UsageCollection {
  connectors: { name: string; status: "ok" | "unreachable" | "unsupported"; principals: number; error?: string }[];
  samples: number;
  pruned: { usageDays: number; receipts: number };
}

/** How long daily aggregates are kept: a year of "last used" plus margin. */
export const USAGE_RETENTION_DAYS = 400;

export async function collectUsage(db: Db, options: { connectorIds?: readonly string[] } = {}): Promise<UsageCollection> {
  const rows = await db.connector.findMany({ where: options.connectorIds ? { id: { in: [...options.connectorIds] } } : {}, orderBy: { name: "asc" } });
  const result: UsageCollection = { connectors: [], samples: 0, pruned: { usageDays: 0, receipts: 0 } };
  for (const row of rows) {
    try {
      const samples = await withConnector(row, async (connector) => (connector.capabilities.usage.supported ? connector.usage() : null));
      if (samples === null) {
        result.connectors.push({ name: row.name, status: "unsupported", principals: 0 });
        continue;
      }
      await upsertUsage(
        db,
        samples.map((s) => ({ connectorId: row.id, principal: s.principal, privilege: "*", lastUsedAt: s.lastUsedAt, count: 1 })),
        { additive: false },
      );
      result.samples += samples.length;
      result.connectors.push({ name: row.name, status: "ok", principals: samples.length });
    } catch (error) {
      // Discovery records connector health; a missed sample is only a gap in usage.
      result.connectors.push({ name: row.name, status: "unreachable", principals: 0, error: (error instanceof Error ? error.message : String(error)).slice(0, 300) });
    }
  }
  result.pruned = await pruneUsage(db);
  return result;
}

/** Keeps the aggregates and the dedupe receipts bounded (receipts outlive the oldest accepted event). */
export async function pruneUsage(db: Db): Promise<{ usageDays: number; receipts: number }> {
  const usageDays = await db.$executeRawUnsafe(`DELETE FROM "UsageDaily" WHERE "day" < ((clock_timestamp() AT TIME ZONE 'UTC') - make_interval(days => $1::int))::date`, USAGE_RETENTION_DAYS);
  const receipts = await db.$executeRawUnsafe(
    `DELETE FROM "UsageEventReceipt" WHERE "receivedAt" < (clock_timestamp() AT TIME ZONE 'UTC') - make_interval(days => $1::int)`,
    MAX_USAGE_EVENT_AGE_DAYS + 10,
  );
  return { usageDays, receipts };
}
