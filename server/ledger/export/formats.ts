import { ledgerActions } from "@/server/ledger/actions";
import { canonicalJson } from "@/server/ledger/canonical";
import { jsonString, type EncodedEventFields } from "@/server/ledger/hash";
import type { LedgerRow } from "@/server/ledger/rows";
import { csvLine, restoreCell } from "@/server/csv";

/**
 * The CSV and JSON Lines forms of ledger events. Both carry every field the event's hash covers (plus
 * the hash), so each row can be re-hashed offline; CSV adds two columns for people (action label,
 * resource name) that are not hashed.
 */

/** A ledger row with what exports join in for readers (none of it is hashed). */
export interface ExportRow extends LedgerRow {
  resourceName: string | null;
  resourceSlug: string | null;
  granteeId: string | null;
  granteeName: string | null;
  granteeEmail: string | null;
  granteeKind: string | null;
  accessLevelKey: string | null;
  accessLevelName: string | null;
}

export const CSV_COLUMNS = [
  "seq",
  "id",
  "occurred_at",
  "action",
  "action_label",
  "outcome",
  "actor_type",
  "actor_id",
  "actor_label",
  "subject_type",
  "subject_id",
  "resource_id",
  "resource_name",
  "request_id",
  "grant_id",
  "summary",
  "data",
  "prev_hash",
  "hash",
  "format",
] as const;

/** The header of exports made before events carried a format (every row is format 1). */
export const CSV_COLUMNS_BEFORE_FORMAT = CSV_COLUMNS.filter((column) => column !== "format");

/** Ledger CSV lines end in LF: the same bytes whether PostgreSQL (csv-copy.ts) or this file wrote the rows. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS, "\n");
}

export function csvRow(row: ExportRow): string {
  return csvLine([
    row.seq,
    row.id,
    row.occurredAt,
    row.action,
    (ledgerActions as Record<string, string>)[row.action] ?? row.action,
    row.outcome,
    row.actorType,
    row.actorId,
    row.actorLabel,
    row.subjectType,
    row.subjectId,
    row.resourceId,
    row.resourceName,
    row.requestId,
    row.grantId,
    row.summary,
    row.dataJson,
    row.prevHash,
    row.hash,
    row.format,
  ], "\n");
}

/** A JSON Lines record: exactly the hashed fields and the hash, `data` as the canonical JSON object. */
export function jsonlRow(row: LedgerRow): string {
  const n = (value: string | null) => (value === null ? "null" : jsonString(value));
  return (
    `{"seq":${jsonString(row.seq)},"id":${jsonString(row.id)},"occurredAt":${jsonString(row.occurredAt)},` +
    `"action":${jsonString(row.action)},"outcome":${jsonString(row.outcome)},"actorType":${jsonString(row.actorType)},` +
    `"actorId":${n(row.actorId)},"actorLabel":${jsonString(row.actorLabel)},"subjectType":${jsonString(row.subjectType)},` +
    `"subjectId":${n(row.subjectId)},"resourceId":${n(row.resourceId)},"requestId":${n(row.requestId)},` +
    `"grantId":${n(row.grantId)},"summary":${jsonString(row.summary)},"data":${row.dataJson},` +
    `"prevHash":${jsonString(row.prevHash)},"hash":${jsonString(row.hash)},"format":${jsonString(row.format)}}\n`
  );
}

export type ParsedRow = EncodedEventFields & { hash: string };

/** Columns that may be null in the ledger; CSV writes null as an empty cell. */
const NULLABLE = new Set(["actor_id", "subject_id", "resource_id", "request_id", "grant_id"]);

/**
 * A CSV record back to the hashed fields. An empty cell in a nullable column is read as null; the
 * verifier also tries "" for the two text columns where both are possible (hash decides).
 */
export function fieldsFromCsv(header: readonly string[], cells: readonly string[]): ParsedRow {
  if (cells.length !== header.length) throw new Error(`expected ${header.length} cells, found ${cells.length}`);
  const get = (name: (typeof CSV_COLUMNS)[number]) => {
    const index = header.indexOf(name);
    // An export from before events carried a format: all of its rows are format 1.
    if (index < 0 && name === "format") return "1";
    if (index < 0) throw new Error(`column ${name} is missing`);
    const raw = restoreCell(cells[index]!);
    return NULLABLE.has(name) && raw === "" ? null : raw;
  };
  const data = get("data") ?? "{}";
  return {
    format: get("format") ?? "",
    seq: get("seq") ?? "",
    id: get("id") ?? "",
    occurredAt: get("occurred_at") ?? "",
    action: get("action") ?? "",
    outcome: get("outcome") ?? "",
    actorType: get("actor_type") ?? "",
    actorId: get("actor_id"),
    actorLabel: get("actor_label") ?? "",
    subjectType: get("subject_type") ?? "",
    subjectId: get("subject_id"),
    resourceId: get("resource_id"),
    requestId: get("request_id"),
    grantId: get("grant_id"),
    summary: get("summary") ?? "",
    dataJson: canonicalJson(JSON.parse(data)),
    prevHash: get("prev_hash") ?? "",
    hash: get("hash") ?? "",
  };
}

export function fieldsFromJsonl(line: string): ParsedRow {
  const record = JSON.parse(line) as Record<string, unknown>;
  const text = (key: string) => {
    const value = record[key];
    if (typeof value !== "string") throw new Error(`${key} is not a string`);
    return value;
  };
  const nullable = (key: string) => (record[key] === null ? null : text(key));
  return {
    // Lines from before events carried a format are format 1.
    format: "format" in record ? text("format") : "1",
    seq: text("seq"),
    id: text("id"),
    occurredAt: text("occurredAt"),
    action: text("action"),
    outcome: text("outcome"),
    actorType: text("actorType"),
    actorId: nullable("actorId"),
    actorLabel: text("actorLabel"),
    subjectType: text("subjectType"),
    subjectId: nullable("subjectId"),
    resourceId: nullable("resourceId"),
    requestId: nullable("requestId"),
    grantId: nullable("grantId"),
    summary: text("summary"),
    dataJson: canonicalJson(record.data),
    prevHash: text("prevHash"),
    hash: text("hash"),
  };
}
