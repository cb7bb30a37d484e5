import type { DbOrTx } from "@/server/db";
import { DomainError } from "@/server/errors";
import { ledgerActions } from "@/server/ledger/actions";
import { termsQuery, type SearchTerm } from "@/server/ledger/lexemes";
import type { LedgerFilters } from "@/server/domain/ledger/schema";
import { likePattern, sanitizeSearchText } from "@/server/db/like";

/**
 * Turns search filters into SQL conditions on "LedgerEvent" (alias-free column names), with numbered
 * parameters. Every value travels as a parameter: nothing the user typed is ever spliced into SQL, and
 * free text becomes a tsquery built from PostgreSQL's own lexemes, never parsed as query syntax.
 *
 * A time range becomes a `seq` range: `occurredAt` never decreases along `seq` (append takes the later
 * of the clock and the previous event's time, and verification checks it), so two index probes on
 * (occurredAt, seq) find the bounds and every search then walks the primary key, at any depth.
 */

export interface LedgerWhere {
  conditions: string[];
  params: unknown[];
  /** The filters cannot match anything (e.g. a time range with no events): skip the query. */
  empty: boolean;
  /** How free text was matched, for the UI's hint. */
  textMode: "none" | "words" | "substring";
  /** The words of a "words" search (the condition holds their tsquery), for the search's index phase. */
  terms: SearchTerm[];
}

export class ParamList {
  readonly values: unknown[] = [];
  constructor(private readonly offset = 0) {}
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length + this.offset}`;
  }
}

/** Terms this short match as substrings (PostgreSQL's full-text search works on whole words). */
const SHORT_TERM = 2;
const MAX_WORDS = 32;

export interface TimeRange {
  from: Date | null;
  /** Exclusive. */
  until: Date | null;
}

export function resolveTimeRange(filters: Pick<LedgerFilters, "from" | "to">): TimeRange {
  const from = filters.from ? parseBound(filters.from, "from") : null;
  const until = filters.to ? parseBound(filters.to, "to") : null;
  if (from && until && from.getTime() >= until.getTime()) {
    throw new DomainError("VALIDATION", "The time range ends before it starts: swap “from” and “to”.", { field: "to" });
  }
  return { from, until };
}

function parseBound(value: string, which: "from" | "to"): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(date.getTime())) throw new DomainError("VALIDATION", `“${which}” is not a date.`, { field: which });
  // A date as the end of a range means "through that day".
  return dateOnly && which === "to" ? new Date(date.getTime() + 86_400_000) : date;
}

/** Exact actions for a filter list; `area/noun.*` and `area/*` select every catalogued action under them. */
export function expandActions(requested: readonly string[]): string[] {
  const known = Object.keys(ledgerActions);
  const out = new Set<string>();
  for (const value of requested) {
    if (value.endsWith("*")) {
      const prefix = value.slice(0, -1);
      const matches = known.filter((action) => action.startsWith(prefix));
      if (matches.length === 0) throw new DomainError("VALIDATION", `No action matches “${value}”.`, { field: "action" });
      for (const action of matches) out.add(action);
    } else if (value in ledgerActions) {
      out.add(value);
    } else {
      throw new DomainError("VALIDATION", `“${value}” is not a ledger action.`, { field: "action" });
    }
  }
  return [...out];
}

export async function buildLedgerWhere(db: DbOrTx, filters: LedgerFilters, params: ParamList): Promise<LedgerWhere> {
  const conditions: string[] = [];
  let empty = false;
  let textMode: LedgerWhere["textMode"] = "none";
  let terms: SearchTerm[] = [];

  const range = resolveTimeRange(filters);
  if (range.from || range.until) {
    const bounds = await seqBoundsForTime(db, range);
    if (!bounds) empty = true;
    else {
      if (bounds.low !== null) conditions.push(`seq >= ${params.add(bounds.low.toString())}::bigint`);
      if (bounds.high !== null) conditions.push(`seq <= ${params.add(bounds.high.toString())}::bigint`);
    }
  }
  if (filters.actor) conditions.push(`"actorId" = ${params.add(filters.actor)}`);
  if (filters.person) {
    const p = params.add(filters.person);
    conditions.push(
      `("actorId" = ${p} OR "subjectId" = ${p}` +
        ` OR "requestId" IN (SELECT id FROM "AccessRequest" WHERE "requesterId" = ${p}::uuid)` +
        ` OR "grantId" IN (SELECT id FROM "Grant" WHERE "identityId" = ${p}::uuid))`,
    );
  }
  if (filters.resource) conditions.push(`"resourceId" = ${params.add(filters.resource)}::uuid`);
  if (filters.request) conditions.push(`"requestId" = ${params.add(filters.request)}::uuid`);
  if (filters.grant) conditions.push(`"grantId" = ${params.add(filters.grant)}::uuid`);
  if (filters.outcome) conditions.push(`outcome = ${params.add(filters.outcome)}`);
  if (filters.action?.length) {
    const actions = expandActions(filters.action);
    conditions.push(actions.length === 1 ? `action = ${params.add(actions[0])}` : `action = ANY(${params.add(actions)}::text[])`);
  }

  const text = filters.q ? sanitizeSearchText(filters.q) : "";
  if (text) {
    const words = text.length > SHORT_TERM ? await searchTerms(db, text) : [];
    if (words.length) {
      textMode = "words";
      terms = words;
      conditions.push(`search @@ ${params.add(termsQuery(words))}::tsquery`);
    } else {
      // One or two characters, or nothing PostgreSQL counts as a word (punctuation only): substring match.
      textMode = "substring";
      const pattern = params.add(likePattern(text));
      conditions.push(`(summary ILIKE ${pattern} ESCAPE '\\' OR "actorLabel" ILIKE ${pattern} ESCAPE '\\')`);
    }
  }
  return { conditions, params: params.values, empty, textMode, terms };
}

/**
 * The tsquery for free text: the lexemes PostgreSQL itself finds in it (the same parser and the same
 * ticket-reference rule that built the search column), each quoted as a literal and ANDed; words of three
 * letters or more also match as prefixes ("approv" finds "approved", "CHG-30" finds CHG-3012). A ticket
 * reference that stands on its own is one term, not the word and the number the parser splits it into
 * (migration 20261207010000; every event holding the reference holds those pieces too). One inside a
 * larger word, such as the e-mail address "jane-2024@corp.example", is left alone: the parser keeps that
 * address whole, and so does the search column. Empty when the text holds no word at all.
 */
async function searchTerms(db: DbOrTx, text: string): Promise<SearchTerm[]> {
  const terms = await db.$queryRawUnsafe<SearchTerm[]>(
    `WITH parsed AS (SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, $1))),
          refs AS (SELECT ref, ARRAY(SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, ref))) AS pieces
                     FROM unnest(keycard_ticket_refs($1)) AS ref),
          standalone AS (SELECT ref, pieces FROM refs WHERE pieces <@ ARRAY(SELECT lexeme FROM parsed))
     SELECT lexeme, length(lexeme) > ${SHORT_TERM} AS prefix
       FROM (SELECT lexeme FROM parsed WHERE lexeme NOT IN (SELECT unnest(pieces) FROM standalone)
             UNION SELECT ref FROM standalone) AS terms`,
    text,
  );
  if (terms.length > MAX_WORDS) {
    throw new DomainError("VALIDATION", `Search for at most ${MAX_WORDS} words at a time.`, { field: "q" });
  }
  return terms;
}

/** The seq range of events within a time range; null when no event falls in it. */
export async function seqBoundsForTime(db: DbOrTx, range: TimeRange): Promise<{ low: bigint | null; high: bigint | null } | null> {
  const [row] = await db.$queryRawUnsafe<{ low: string | null; high: string | null }[]>(
    `SELECT (SELECT seq::text FROM "LedgerEvent" WHERE $1::timestamp IS NULL OR "occurredAt" >= $1::timestamp
              ORDER BY "occurredAt", seq LIMIT 1) AS low,
            (SELECT seq::text FROM "LedgerEvent" WHERE $2::timestamp IS NULL OR "occurredAt" < $2::timestamp
              ORDER BY "occurredAt" DESC, seq DESC LIMIT 1) AS high`,
    range.from ? range.from.toISOString() : null,
    range.until ? range.until.toISOString() : null,
  );
  if (!row?.low || !row.high) return null;
  const low = BigInt(row.low);
  const high = BigInt(row.high);
  if (low > high) return null;
  return { low: range.from ? low : null, high: range.until ? high : null };
}
