import type { DbOrTx } from "@/server/db";

/**
 * Usage as compact daily aggregates: one `UsageDaily` row per connector, principal, privilege (`*` when
 * the source only names the principal) and UTC day, with a count and the latest time of use. Rows travel
 * as arrays; keys are merged first because one statement may not update a row twice.
 */

export interface UsageSampleRow {
  connectorId: string;
  principal: string;
  privilege: string;
  lastUsedAt: Date;
  count: number;
}

export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function merge(rows: readonly UsageSampleRow[]): (UsageSampleRow & { day: string })[] {
  const merged = new Map<string, UsageSampleRow & { day: string }>();
  for (const row of rows) {
    const day = dayOf(row.lastUsedAt);
    const key = [row.connectorId, row.principal, row.privilege, day].join("\u0000");
    const existing = merged.get(key);
    if (!existing) merged.set(key, { ...row, day });
    else {
      existing.count += row.count;
      if (row.lastUsedAt > existing.lastUsedAt) existing.lastUsedAt = row.lastUsedAt;
    }
  }
  return [...merged.values()];
}

const CHUNK = 5_000;

/**
 * `additive`: every row is a distinct use (ingested events). Otherwise rows are samples of live sessions
 * (`usage()`), taken again and again: a sample counts as a use only when it shows activity newer than
 * what the day already holds, so an idle connection held open all day is one use, not one per sample.
 */
export async function upsertUsage(db: DbOrTx, rows: readonly UsageSampleRow[], options: { additive: boolean }): Promise<number> {
  const merged = merge(rows);
  let written = 0;
  const countUpdate = options.additive
    ? `"UsageDaily"."count" + EXCLUDED."count"`
    : `"UsageDaily"."count" + CASE WHEN EXCLUDED."lastUsedAt" > "UsageDaily"."lastUsedAt" THEN 1 ELSE 0 END`;
  for (let start = 0; start < merged.length; start += CHUNK) {
    const chunk = merged.slice(start, start + CHUNK);
    written += await db.$executeRawUnsafe(
      `INSERT INTO "UsageDaily" ("connectorId", "principal", "privilege", "day", "count", "lastUsedAt")
       SELECT t.connector::uuid, t.principal, t.privilege, t.day::date, t.count, t.last::timestamp(3)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS t(connector, principal, privilege, day, count, last)
       ON CONFLICT ("connectorId", "principal", "privilege", "day") DO UPDATE SET
         "count" = ${countUpdate},
         "lastUsedAt" = GREATEST("UsageDaily"."lastUsedAt", EXCLUDED."lastUsedAt")`,
      chunk.map((r) => r.connectorId),
      chunk.map((r) => r.principal),
      chunk.map((r) => r.privilege),
      chunk.map((r) => r.day),
      chunk.map((r) => (options.additive ? r.count : 1)),
      chunk.map((r) => r.lastUsedAt.toISOString()),
    );
  }
  return written;
}
