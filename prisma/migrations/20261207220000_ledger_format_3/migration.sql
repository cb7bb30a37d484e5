-- Format 3 of the hashed encoding (docs/ledger.md, "Event format"): PostgreSQL builds it in about two thirds
-- of format 2's time. Format 2 turned every uuid, the timestamp and each text field into bytes one call at a
-- time (ten convert_to, four uuid_out, a to_char and some twenty bytea concatenations per event); format 3
-- puts the fields of fixed shape and every text field's length into one binary header written out as hex,
-- then the text fields back to back, so the whole encoding is one convert_to. Events keep the format they
-- were hashed in; formats 1 and 2 are still verified under their own definitions.

-- Text lengths are octet_length in the database's encoding, which equal the UTF-8 byte lengths Node computes
-- only in a UTF-8 database (and only there can the ledger hold any text the portal writes).
DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'Keycard needs a UTF8 database (this one is %): create it with ENCODING ''UTF8''', current_setting('server_encoding');
  END IF;
END
$$;

ALTER TABLE "LedgerEvent" ALTER COLUMN "format" SET DEFAULT 3;
ALTER TABLE "LedgerEvent" DROP CONSTRAINT "LedgerEvent_format_check";
ALTER TABLE "LedgerEvent" ADD CONSTRAINT "LedgerEvent_format_check" CHECK ("format" IN (1, 2, 3)) NOT VALID;

-- Format 3's hash, byte for byte encodeFieldsV3() in server/ledger/hash.ts (a property test holds them equal):
-- 'keycard-ledger/3 ', the header in lower-case hex, a line feed, then action, outcome, actorType, actorId,
-- actorLabel, subjectType, subjectId, summary, data and prevHash with nothing between them. The header, big
-- endian: seq (int8), id (16 bytes), occurredAt (int8 microseconds since 2000-01-01, timestamp_send), then
-- resourceId, requestId and grantId each as 0x01 and its 16 bytes or a lone 0x00 for none, then the byte
-- length (int4) of each text field but prevHash, -1 for a null actorId or subjectId. Every field is thus
-- found from the header alone: no two events share an encoding. All of it is ASCII or the fields' own
-- UTF-8, so the encoding stays text (an OCSF export's raw_data).
CREATE FUNCTION keycard_ledger_hash_v3(
  seq bigint, id uuid, occurred_at timestamp, action text, outcome text, actor_type text, actor_id text,
  actor_label text, subject_type text, subject_id text, resource_id uuid, request_id uuid, grant_id uuid,
  summary text, data_text text, prev_hash text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(
    'keycard-ledger/3 ' || encode(int8send(seq) || uuid_send(id) || timestamp_send(occurred_at)
      || coalesce('\x01'::bytea || uuid_send(resource_id), '\x00'::bytea)
      || coalesce('\x01'::bytea || uuid_send(request_id), '\x00'::bytea)
      || coalesce('\x01'::bytea || uuid_send(grant_id), '\x00'::bytea)
      || int4send(octet_length(action)) || int4send(octet_length(outcome)) || int4send(octet_length(actor_type))
      || int4send(coalesce(octet_length(actor_id), -1)) || int4send(octet_length(actor_label))
      || int4send(octet_length(subject_type)) || int4send(coalesce(octet_length(subject_id), -1))
      || int4send(octet_length(summary)) || int4send(octet_length(data_text)), 'hex')
    || E'\n' || action || outcome || actor_type || coalesce(actor_id, '') || actor_label || subject_type
    || coalesce(subject_id, '') || summary || data_text || prev_hash, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION keycard_ledger_event_hash(
  format smallint, seq bigint, id uuid, occurred_at timestamp, action text, outcome text, actor_type text, actor_id text,
  actor_label text, subject_type text, subject_id text, resource_id uuid, request_id uuid, grant_id uuid,
  summary text, data_text text, prev_hash text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE format
    WHEN 3 THEN keycard_ledger_hash_v3(seq, id, occurred_at, action, outcome, actor_type, actor_id, actor_label,
      subject_type, subject_id, resource_id, request_id, grant_id, summary, data_text, prev_hash)
    WHEN 2 THEN keycard_ledger_hash_v2(seq, id, occurred_at, action, outcome, actor_type, actor_id, actor_label,
      subject_type, subject_id, resource_id, request_id, grant_id, summary, data_text, prev_hash)
    WHEN 1 THEN keycard_ledger_hash(keycard_ledger_encoding(seq, id, occurred_at, action, outcome, actor_type, actor_id,
      actor_label, subject_type, subject_id, resource_id, request_id, grant_id, summary, data_text, prev_hash))
  END
$$;

-- The chaining trigger of 20261207070000_ledger_format_2, hashing new events in format 3.
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
  VALUES (3, v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType", NEW."actorId", NEW."actorLabel",
    NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId", NEW."summary", NEW."data"::json, v_prev,
    keycard_ledger_hash_v3(v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType", NEW."actorId", NEW."actorLabel",
      NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId", NEW."summary", NEW."data", v_prev));
  DELETE FROM "LedgerPending" WHERE "id" = NEW."id";
  RETURN NULL;
END
$$;
