-- The ledger hashes in the database (docs/ledger.md, "Hashing in the database").
--
-- 1. keycard_ledger_encoding() is the canonical encoding of an event (format version 1) written in SQL,
--    byte for byte the same as encodeFieldsForHash() in server/ledger/hash.ts (a test holds them equal).
--    Strings are escaped by to_json(), which escapes exactly what JSON.stringify does for any string
--    PostgreSQL can store.
-- 2. "data" keeps the exact canonical JSON text that was hashed (json stores its input verbatim; jsonb
--    re-prints it in its own key order), so that the encoding can be rebuilt from the row in SQL.
--    Existing rows are rewritten to canonical text where that reproduces their stored hash; any other
--    row keeps jsonb's text and is verified the slower way, in Node.
-- 3. keycard_ledger_append() appends one event in one round trip: lock, head, hash, insert.
-- 4. keycard_csv_cell() neutralises spreadsheet formulas in CSV exports that PostgreSQL writes itself (COPY).

CREATE FUNCTION keycard_ledger_encoding(
  seq bigint, id uuid, occurred_at timestamp, action text, outcome text, actor_type text, actor_id text,
  actor_label text, subject_type text, subject_id text, resource_id uuid, request_id uuid, grant_id uuid,
  summary text, data_text text, prev_hash text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"action":' || to_json(action)::text
      || ',"actorId":' || coalesce(to_json(actor_id)::text, 'null')
      || ',"actorLabel":' || to_json(actor_label)::text
      || ',"actorType":' || to_json(actor_type)::text
      || ',"data":' || data_text
      || ',"grantId":' || coalesce('"' || grant_id::text || '"', 'null')
      || ',"id":"' || id::text || '"'
      || ',"occurredAt":"' || to_char(occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
      || ',"outcome":' || to_json(outcome)::text
      || ',"prevHash":' || to_json(prev_hash)::text
      || ',"requestId":' || coalesce('"' || request_id::text || '"', 'null')
      || ',"resourceId":' || coalesce('"' || resource_id::text || '"', 'null')
      || ',"seq":"' || seq::text || '"'
      || ',"subjectId":' || coalesce(to_json(subject_id)::text, 'null')
      || ',"subjectType":' || to_json(subject_type)::text
      || ',"summary":' || to_json(summary)::text
      || ',"v":1}'
$$;

CREATE FUNCTION keycard_ledger_hash(encoding text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(encoding, 'UTF8')), 'hex')
$$;

-- Canonical JSON (server/ledger/canonical.ts) of a jsonb value, for rewriting existing rows: keys in
-- code-point order, no whitespace. Numbers keep jsonb's text; a row whose hash this does not reproduce
-- (a number JavaScript prints differently, a key outside the Basic Multilingual Plane) keeps its old text.
CREATE FUNCTION keycard_canonical_json(value jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  result text;
BEGIN
  CASE jsonb_typeof(value)
    WHEN 'object' THEN
      SELECT '{' || coalesce(string_agg(to_json(key)::text || ':' || keycard_canonical_json(item), ',' ORDER BY key COLLATE "C"), '') || '}'
        INTO result FROM jsonb_each(value) AS entries(key, item);
    WHEN 'array' THEN
      SELECT '[' || coalesce(string_agg(keycard_canonical_json(item), ',' ORDER BY position), '') || ']'
        INTO result FROM jsonb_array_elements(value) WITH ORDINALITY AS elements(item, position);
    ELSE
      result := value::text;
  END CASE;
  RETURN result;
END
$$;

-- The search column is generated from "data": it goes while the column changes type, then comes back.
ALTER TABLE "LedgerEvent" DROP COLUMN "search";

ALTER TABLE "LedgerEvent" ALTER COLUMN "data" DROP DEFAULT;
ALTER TABLE "LedgerEvent" ALTER COLUMN "data" TYPE JSON USING (
  CASE
    WHEN "hash" = keycard_ledger_hash(keycard_ledger_encoding(
      "seq", "id", "occurredAt", "action", "outcome", "actorType", "actorId", "actorLabel", "subjectType", "subjectId",
      "resourceId", "requestId", "grantId", "summary", keycard_canonical_json("data"), "prevHash"))
    THEN keycard_canonical_json("data")::json
    ELSE "data"::json
  END
);
ALTER TABLE "LedgerEvent" ALTER COLUMN "data" SET DEFAULT '{}';

DROP FUNCTION keycard_canonical_json(jsonb);

ALTER TABLE "LedgerEvent" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
  to_tsvector('simple'::regconfig, left("summary", 20000) || ' ' || "actorLabel")
  || to_tsvector('simple'::regconfig, "data")
) STORED;
CREATE INDEX "LedgerEvent_search_idx" ON "LedgerEvent" USING GIN ("search");

-- One append: the lock that orders the chain, the head read after it (a fresh snapshot per statement),
-- the time from the database clock (never before the head's), the hash, the insert.
CREATE FUNCTION keycard_ledger_append(
  p_id uuid, p_action text, p_outcome text, p_actor_type text, p_actor_id text, p_actor_label text,
  p_subject_type text, p_subject_id text, p_resource_id uuid, p_request_id uuid, p_grant_id uuid,
  p_summary text, p_data text
) RETURNS TABLE (out_seq bigint, out_hash text, out_occurred_at text) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_head_at timestamp(3);
  v_at timestamp(3);
  v_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(4242001);
  SELECT e."seq", e."hash", e."occurredAt" INTO v_seq, v_prev, v_head_at FROM "LedgerEvent" e ORDER BY e."seq" DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0) + 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_at := date_trunc('milliseconds', clock_timestamp() AT TIME ZONE 'UTC');
  IF v_head_at IS NOT NULL AND v_head_at > v_at THEN
    v_at := v_head_at;
  END IF;
  v_hash := keycard_ledger_hash(keycard_ledger_encoding(v_seq, p_id, v_at, p_action, p_outcome, p_actor_type, p_actor_id,
    p_actor_label, p_subject_type, p_subject_id, p_resource_id, p_request_id, p_grant_id, p_summary, p_data, v_prev));
  INSERT INTO "LedgerEvent" ("seq", "id", "occurredAt", "action", "outcome", "actorType", "actorId", "actorLabel",
    "subjectType", "subjectId", "resourceId", "requestId", "grantId", "summary", "data", "prevHash", "hash")
  VALUES (v_seq, p_id, v_at, p_action, p_outcome, p_actor_type, p_actor_id, p_actor_label, p_subject_type, p_subject_id,
    p_resource_id, p_request_id, p_grant_id, p_summary, p_data::json, v_prev, v_hash);
  RETURN QUERY SELECT v_seq, v_hash, to_char(v_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
END
$$;

-- A cell a spreadsheet would run as a formula gets a leading apostrophe (server/ledger/export/csv.ts).
CREATE FUNCTION keycard_csv_cell(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN left(value, 1) IN ('=', '+', '-', '@', E'\t', E'\r', '''') THEN '''' || value ELSE value END
$$;
