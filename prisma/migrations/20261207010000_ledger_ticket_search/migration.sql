-- Ticket references ("CHG-3012", "INC-4", "SEC-12") as whole lexemes of the search column.
--
-- PostgreSQL's parser splits "CHG-3012" into the word 'chg' and the signed integer '-3012', so a search
-- for "CHG-30" was 'chg' & '-30':* — every event holding any number that starts with -30, of any ticket
-- kind, intersected with every CHG event: 0.5–0.7 s at ten million events (docs/ledger.md, "Free text"),
-- and it also matched "SEC-3012 … CHG-100". With 'chg-3012' in the vector the same search is the prefix
-- 'chg-30':*, whose posting lists hold only the events that cite those tickets.

-- The references in a text: a letter, up to 31 letters or digits, a hyphen, 1–30 digits, as a whole word.
-- Bounded so that a reference can never exceed the tsvector word limit and fail an append. JSON escapes
-- (data is indexed as its JSON text) are blanked first, so that "\nCHG-1" is not read as "nCHG-1".
CREATE FUNCTION keycard_ticket_refs(value text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT lower(m[1])), '{}')
    FROM regexp_matches(regexp_replace(value, '\\(u[0-9A-Fa-f]{4}|.)', ' ', 'g'),
                        '\m([[:alpha:]][[:alnum:]]{0,31}-[[:digit:]]{1,30})\M', 'g') AS m
$$;

-- The same text with its references blanked: what is left is searched word by word.
CREATE FUNCTION keycard_without_ticket_refs(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(value, '\m[[:alpha:]][[:alnum:]]{0,31}-[[:digit:]]{1,30}\M', ' ', 'g')
$$;

DROP INDEX "LedgerEvent_search_idx";
ALTER TABLE "LedgerEvent" DROP COLUMN "search";
ALTER TABLE "LedgerEvent" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
  to_tsvector('simple'::regconfig, left("summary", 20000) || ' ' || "actorLabel")
  || to_tsvector('simple'::regconfig, "data")
  || array_to_tsvector(keycard_ticket_refs(left("summary", 20000) || ' ' || "data"::text))
) STORED;
CREATE INDEX "LedgerEvent_search_idx" ON "LedgerEvent" USING GIN ("search");

-- The lexeme dictionary has not seen the new lexemes: it reads the ledger again from the start (until it
-- has caught up, prefixes are searched as prefixes, which is exact, only slower).
TRUNCATE "LedgerLexeme";
UPDATE "LedgerLexemeProgress" SET "throughSeq" = 0 WHERE id = 1;
