-- Search no longer cuts ticket references out of the user's text (server/domain/ledger/filters.ts,
-- searchTerms: a reference inside an e-mail address must stay in it), so nothing calls this function.
DROP FUNCTION keycard_without_ticket_refs(text);
