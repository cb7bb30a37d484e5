-- Format 2 of the hashed encoding (docs/ledger.md, "Event format"): new events are hashed over a byte string
-- that PostgreSQL builds in about half the time of format 1's canonical JSON (eight to_json() calls, each
-- looking its argument's type up, were most of what verifying an event cost). Every event records the
-- format it was hashed in; the events already in the ledger keep format 1 and are verified under it.

-- A constant default: PostgreSQL records it in the catalog, no row is rewritten (the table refuses
-- UPDATE anyway). Existing rows read 1; the default for new ones becomes 2.
ALTER TABLE "LedgerEvent" ADD COLUMN "format" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "LedgerEvent" ALTER COLUMN "format" SET DEFAULT 2;
-- NOT VALID: the rows already there all read 1, and scanning millions of them to prove it is needless.
ALTER TABLE "LedgerEvent" ADD CONSTRAINT "LedgerEvent_format_check" CHECK ("format" IN (1, 2)) NOT VALID;

-- Format 2's hash, byte for byte encodeFieldsV2() in server/ledger/hash.ts (a property test holds them
-- equal): the fields whose type fixes their shape as lines of text, then each text field followed by a
-- NUL byte, which PostgreSQL text can never contain, so every field ends exactly at its terminator. The two
-- text fields that may be null carry a tag ('s' before a value, a lone 'n' for null). convert_to, not
-- textsend: textsend converts to the session's client encoding, and the hash must not depend on it.
CREATE FUNCTION keycard_ledger_hash_v2(
  seq bigint, id uuid, occurred_at timestamp, action text, outcome text, actor_type text, actor_id text,
  actor_label text, subject_type text, subject_id text, resource_id uuid, request_id uuid, grant_id uuid,
  summary text, data_text text, prev_hash text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(
    convert_to('keycard-ledger/2' || E'\n' || seq::text || E'\n' || id::text || E'\n'
      || to_char(occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || E'\n' || coalesce(resource_id::text, '') || E'\n'
      || coalesce(request_id::text, '') || E'\n' || coalesce(grant_id::text, '') || E'\n' || action, 'UTF8')
    || '\x00'::bytea || convert_to(outcome, 'UTF8') || '\x00'::bytea || convert_to(actor_type, 'UTF8') || '\x00'::bytea
    || coalesce(convert_to('s' || actor_id, 'UTF8') || '\x00'::bytea, '\x6e'::bytea)
    || convert_to(actor_label, 'UTF8') || '\x00'::bytea || convert_to(subject_type, 'UTF8') || '\x00'::bytea
    || coalesce(convert_to('s' || subject_id, 'UTF8') || '\x00'::bytea, '\x6e'::bytea)
    || convert_to(summary, 'UTF8') || '\x00'::bytea || convert_to(data_text, 'UTF8') || '\x00'::bytea
    || convert_to(prev_hash, 'UTF8') || '\x00'::bytea
  ), 'hex')
$$;

-- An event's hash in the format it records; null for a format that does not exist (which then matches no
-- stored hash). What verification compares every row with.
CREATE FUNCTION keycard_ledger_event_hash(
  format smallint, seq bigint, id uuid, occurred_at timestamp, action text, outcome text, actor_type text, actor_id text,
  actor_label text, subject_type text, subject_id text, resource_id uuid, request_id uuid, grant_id uuid,
  summary text, data_text text, prev_hash text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE format
    WHEN 2 THEN keycard_ledger_hash_v2(seq, id, occurred_at, action, outcome, actor_type, actor_id, actor_label,
      subject_type, subject_id, resource_id, request_id, grant_id, summary, data_text, prev_hash)
    WHEN 1 THEN keycard_ledger_hash(keycard_ledger_encoding(seq, id, occurred_at, action, outcome, actor_type, actor_id,
      actor_label, subject_type, subject_id, resource_id, request_id, grant_id, summary, data_text, prev_hash))
  END
$$;

-- The chaining trigger of 20261206214314_ledger_chained_at_commit, hashing new events in format 2.
CREATE OR REPLACE FUNCTION keycard_ledger_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_head_at timestamp(3);
  v_at timestamp(3);
BEGIN
  PERFORM pg_advisory_xact_lock(4242001);
  SELECT e."seq", e."hash", e."occurredAt" INTO v_seq, v_prev, v_head_at FROM "LedgerEvent" e ORDER BY e."seq" DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0) + 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_at := date_trunc('milliseconds', clock_timestamp() AT TIME ZONE 'UTC');
  IF v_head_at IS NOT NULL AND v_head_at > v_at THEN
    v_at := v_head_at;
  END IF;
  INSERT INTO "LedgerEvent" ("format", "seq", "id", "occurredAt", "action", "outcome", "actorType", "actorId", "actorLabel",
    "subjectType", "subjectId", "resourceId", "requestId", "grantId", "summary", "data", "prevHash", "hash")
  VALUES (2, v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType", NEW."actorId", NEW."actorLabel",
    NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId", NEW."summary", NEW."data"::json, v_prev,
    keycard_ledger_hash_v2(v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType", NEW."actorId", NEW."actorLabel",
      NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId", NEW."summary", NEW."data", v_prev));
  DELETE FROM "LedgerPending" WHERE "id" = NEW."id";
  RETURN NULL;
END
$$;
