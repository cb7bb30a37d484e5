import type { Db, DbOrTx } from "@/server/db";

/**
 * The ledger's lexeme dictionary (docs/ledger.md, "Free text"). A prefix term (`'escal':*`) makes the GIN
 * index materialise every event holding any word with that prefix before it can intersect — hundreds of
 * milliseconds for a common word at ten million events — while the same words as exact lexemes
 * (`'escalation' | 'escalations'`) cost a few. So the words that occur in the ledger are kept in
 * "LedgerLexeme", read behind the ledger in seq order, and a search may expand a prefix into them for the
 * events the dictionary has read.
 */

/** A search term: a lexeme, matched exactly or as a prefix. */
export interface SearchTerm {
  lexeme: string;
  prefix: boolean;
}

/** A prefix that stands for more words than this is left a prefix (the expansion would cost as much). */
const MAX_EXPANSIONS = 64;

/** Reads the ledger after the watermark into the dictionary, `batch` events per transaction. */
export async function indexLedgerLexemes(db: Db, options: { batch?: number; maxBatches?: number } = {}): Promise<{ throughSeq: string; events: number }> {
  const batch = BigInt(options.batch ?? 50_000);
  let events = 0;
  let through = 0n;
  for (let round = 0; round < (options.maxBatches ?? 20); round++) {
    const step = await db.$transaction(async (tx) => {
      // The row lock keeps two runs from reading the same range.
      const [progress] = await tx.$queryRaw<{ through: bigint }[]>`
        SELECT "throughSeq" AS through FROM "LedgerLexemeProgress" WHERE id = 1 FOR UPDATE`;
      const from = progress?.through ?? 0n;
      // Appends commit in seq order (the ledger lock is held through commit): every seq up to the
      // largest visible one is committed, so nothing below the watermark can appear later.
      const [head] = await tx.$queryRaw<{ seq: bigint | null }[]>`SELECT max(seq) AS seq FROM "LedgerEvent"`;
      const until = head?.seq && head.seq > from ? (head.seq < from + batch ? head.seq : from + batch) : from;
      if (until === from) return { from, until };
      await tx.$executeRaw`
        INSERT INTO "LedgerLexeme" (lexeme)
        SELECT DISTINCT unnest(tsvector_to_array(search)) FROM "LedgerEvent" WHERE seq > ${from} AND seq <= ${until}
        ON CONFLICT DO NOTHING`;
      await tx.$executeRaw`
        INSERT INTO "LedgerLexemeProgress" (id, "throughSeq") VALUES (1, ${until})
        ON CONFLICT (id) DO UPDATE SET "throughSeq" = EXCLUDED."throughSeq"`;
      return { from, until };
    });
    through = step.until;
    events += Number(step.until - step.from);
    if (step.until - step.from < batch) break;
  }
  return { throughSeq: through.toString(), events };
}

/**
 * The tsquery for `terms` with each prefix replaced by the exact words it stands for, or null when the
 * dictionary has not read every event the query will look at (`beyond`: the highest seq it will see),
 * so that no expansion can be trusted. A prefix that stands for more than MAX_EXPANSIONS words stays a
 * prefix on its own, and the others are still expanded: GIN intersects exact words by skipping through
 * the longer posting lists, but must materialise a prefix whole, so one common word left a prefix costs
 * as much as all of them (at 10M events, "CHG-30 Billing database" took 1.4 s with all three as
 * prefixes and 30 ms with only the ticket prefix left; docs/ledger.md, "Search").
 */
export async function exactTermsQuery(db: DbOrTx, terms: readonly SearchTerm[], beyond: bigint): Promise<string | null> {
  const [progress] = await db.$queryRaw<{ through: bigint }[]>`SELECT "throughSeq" AS through FROM "LedgerLexemeProgress" WHERE id = 1`;
  if (!progress || progress.through < beyond) return null;
  const prefixes = [...new Set(terms.filter((term) => term.prefix).map((term) => term.lexeme))];
  // Every prefix's words in one round trip, at most one more than an expansion may have.
  const rows = prefixes.length
    ? await db.$queryRaw<{ prefix: string; lexeme: string }[]>`
        SELECT p.prefix, w.lexeme
          FROM unnest(${prefixes}::text[]) AS p(prefix)
          CROSS JOIN LATERAL (
            SELECT lexeme FROM "LedgerLexeme"
             WHERE lexeme >= p.prefix AND lexeme < p.prefix || chr(1114111) AND starts_with(lexeme, p.prefix)
             ORDER BY lexeme LIMIT ${MAX_EXPANSIONS + 1}) AS w`
    : [];
  const wordsOf = new Map<string, string[]>(prefixes.map((prefix) => [prefix, []]));
  for (const row of rows) wordsOf.get(row.prefix)!.push(row.lexeme);
  return terms
    .map((term) => {
      const words = term.prefix ? wordsOf.get(term.lexeme)! : [];
      if (!term.prefix || words.length > MAX_EXPANSIONS) return termQuery(term);
      // The lexeme itself stays in: with no word for the prefix, the query is exact and matches nothing.
      return `(${[...new Set([term.lexeme, ...words])].map(quoteLexeme).join(" | ")})`;
    })
    .join(" & ");
}

/** A lexeme as a tsquery literal: quoted, with quotes doubled and backslashes escaped. */
export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** One term as typed: a quoted lexeme, a prefix marked as one. */
function termQuery(term: SearchTerm): string {
  return quoteLexeme(term.lexeme) + (term.prefix ? ":*" : "");
}

/** The tsquery of search terms as typed: prefixes stay prefixes. */
export function termsQuery(terms: readonly SearchTerm[]): string {
  return terms.map(termQuery).join(" & ");
}
