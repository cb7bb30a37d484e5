import type pg from "pg";
import { canonicalJson } from "@/server/ledger/canonical";
import type { SyntheticEvent } from "@/scripts/ledger/synthetic";

/**
 * Inserts already-chained events in one statement per batch (arrays unnested server-side), for the
 * benchmark's 1–10 million events. Only INSERT: the table refuses UPDATE and DELETE anyway.
 */
export async function insertEventsWithPg(client: pg.ClientBase, events: readonly SyntheticEvent[]): Promise<void> {
  if (events.length === 0) return;
  const columns = {
    format: [] as number[],
    seq: [] as string[],
    id: [] as string[],
    occurredAt: [] as string[],
    action: [] as string[],
    outcome: [] as string[],
    actorType: [] as string[],
    actorId: [] as (string | null)[],
    actorLabel: [] as string[],
    subjectType: [] as string[],
    subjectId: [] as (string | null)[],
    resourceId: [] as (string | null)[],
    requestId: [] as (string | null)[],
    grantId: [] as (string | null)[],
    summary: [] as string[],
    data: [] as string[],
    prevHash: [] as string[],
    hash: [] as string[],
  };
  for (const e of events) {
    columns.format.push(e.format);
    columns.seq.push(e.seq.toString());
    columns.id.push(e.id);
    columns.occurredAt.push(e.occurredAt.toISOString());
    columns.action.push(e.action);
    columns.outcome.push(e.outcome);
    columns.actorType.push(e.actorType);
    columns.actorId.push(e.actorId);
    columns.actorLabel.push(e.actorLabel);
    columns.subjectType.push(e.subjectType);
    columns.subjectId.push(e.subjectId);
    columns.resourceId.push(e.resourceId);
    columns.requestId.push(e.requestId);
    columns.grantId.push(e.grantId);
    columns.summary.push(e.summary);
    columns.data.push(canonicalJson(e.data));
    columns.prevHash.push(e.prevHash);
    columns.hash.push(e.hash);
  }
  await client.query(
    `INSERT INTO "LedgerEvent" (format, seq, id, "occurredAt", action, outcome, "actorType", "actorId", "actorLabel", "subjectType",
       "subjectId", "resourceId", "requestId", "grantId", summary, data, "prevHash", hash)
     SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::uuid[], $4::timestamp[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::text[], $12::uuid[], $13::uuid[], $14::uuid[], $15::text[], $16::json[], $17::text[], $18::text[])`,
    Object.values(columns),
  );
}
