import { z } from "zod";

/**
 * Inputs of the auditor's ledger: the search filters (shared by the page's URL, the tRPC procedures and
 * the export routes), paging, the event and timeline look-ups, and exports.
 */

/** `2026-10-01` (a whole UTC day) or an ISO 8601 instant with a zone. */
const ZTimeBound = z
  .string()
  .trim()
  .max(40)
  .refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) || (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))), {
    message: "Use a date (2026-10-01) or an ISO 8601 time (2026-10-01T08:00:00Z).",
  })
  .refine(realDate, { message: "This date does not exist." });

/** Date.parse rolls 2026-02-30 over to March 2nd; a date that does not round-trip does not exist. */
export function realDate(value: string): boolean {
  const day = value.slice(0, 10);
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day && !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value));
}

const ZId = z.string().trim().min(1).max(200);

export const ZLedgerOutcome = z.enum(["success", "failure", "denied"]);

export const ZLedgerFilters = z.object({
  /** Free text; any characters are data, never query syntax. */
  q: z.string().max(500, "Search text is limited to 500 characters.").optional(),
  /** Start of the range (inclusive); a date means that day's start in UTC. */
  from: ZTimeBound.optional(),
  /** End of the range: a date includes that whole day (UTC); a time is exclusive. */
  to: ZTimeBound.optional(),
  /** Who performed the event: an identity id, or a system job's name. */
  actor: ZId.optional(),
  /** Events by or about this identity: performed by them, about them, or about their requests and grants. */
  person: z.uuid("Pick a person from the list.").optional(),
  resource: z.uuid("Pick a resource from the list.").optional(),
  /** Exact actions (`access/grant.revoked`) or groups (`access/grant.*`). */
  action: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  outcome: ZLedgerOutcome.optional(),
  request: z.uuid("A request id is a UUID.").optional(),
  grant: z.uuid("A grant id is a UUID.").optional(),
});
export type LedgerFilters = z.infer<typeof ZLedgerFilters>;

export const LEDGER_PAGE_MAX = 200;

export const ZLedgerSearchInput = ZLedgerFilters.extend({
  /** Opaque, signed page position from a previous result. */
  cursor: z.string().max(600).optional(),
  limit: z
    .number({ error: "The page size must be a number." })
    .int("The page size must be a whole number.")
    .min(1, "The page size must be at least 1.")
    .max(LEDGER_PAGE_MAX, `The page size is at most ${LEDGER_PAGE_MAX}.`)
    .default(50),
  /** Newest first (default) or oldest first. */
  order: z.enum(["desc", "asc"]).default("desc"),
});
export type LedgerSearchInput = z.input<typeof ZLedgerSearchInput>;
export type LedgerSearchParsed = z.output<typeof ZLedgerSearchInput>;

export const ZLedgerEventInput = z.object({ seq: z.union([z.bigint(), z.string().regex(/^\d{1,19}$/, "An event number is a positive whole number.")]) });
export type LedgerEventInput = z.infer<typeof ZLedgerEventInput>;

export const ZLedgerTimelineInput = z.union([z.object({ grantId: z.uuid("A grant id is a UUID.") }), z.object({ requestId: z.uuid("A request id is a UUID.") })]);
export type LedgerTimelineInput = z.infer<typeof ZLedgerTimelineInput>;

export const ZLedgerExportFormat = z.enum(["csv", "jsonl", "ocsf"]);
export type LedgerExportFormat = z.infer<typeof ZLedgerExportFormat>;

export const ZLedgerExportInput = ZLedgerFilters.extend({
  format: ZLedgerExportFormat,
  /** CSV only: start the file with a UTF-8 byte order mark (for spreadsheet programs that need it). */
  bom: z.boolean().default(false),
});
export type LedgerExportInput = z.input<typeof ZLedgerExportInput>;

export const ZExportManifestInput = z.object({ exportId: z.uuid("An export id is a UUID.") });

/**
 * The page's and the export route's query string → filter input. Repeated `action` parameters become a
 * list; empty values are dropped (a submitted form sends every field); `limit` is passed on as a number
 * (`limit=1e6` is 1,000,000) so that validation answers with its specific message, never a silent clamp.
 */
export function filtersFromSearchParams(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["q", "from", "to", "actor", "person", "resource", "outcome", "request", "grant", "cursor", "order"] as const) {
    const value = params.get(key);
    if (value !== null && value !== "") out[key] = value;
  }
  const actions = params.getAll("action").filter((value) => value !== "");
  if (actions.length) out.action = actions;
  const limit = params.get("limit");
  if (limit !== null && limit !== "") out.limit = Number(limit);
  return out;
}

/** The URL query of a filter set (the inverse of filtersFromSearchParams), for links and exports. */
export function searchParamsFromFilters(filters: Partial<LedgerFilters> & { cursor?: string; order?: string; limit?: number }): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.set(key, String(value));
  }
  return params;
}
