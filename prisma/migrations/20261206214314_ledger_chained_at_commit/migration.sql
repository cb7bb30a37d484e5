-- Events are chained when their transaction commits (docs/ledger.md, "Appending").
--
-- An append stores the event in "LedgerPending"; a deferred constraint trigger fires as the transaction
-- commits, takes the chain's lock, reads the head, dates and hashes the event and moves it into
-- "LedgerEvent". The lock is then held only for that and the commit itself, where it used to be held from
-- the append to the commit: through every statement and client round trip the transaction made after its
-- first event, which serialised the portal's busiest transactions behind one another.
--
-- UNLOGGED: a pending row never outlives its transaction (the trigger deletes it at commit, a rollback
-- discards it), so it needs no WAL; a crash empties the table, which holds nothing committed.
CREATE UNLOGGED TABLE "LedgerPending" (
    "id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT,
    "resourceId" UUID,
    "requestId" UUID,
    "grantId" UUID,
    "summary" TEXT NOT NULL,
    "data" TEXT NOT NULL,

    CONSTRAINT "LedgerPending_pkey" PRIMARY KEY ("id")
);

-- What keycard_ledger_append did, for one pending event: the lock that orders the chain (held to the end of
-- the commit), the head read after it (a fresh snapshot per statement), the time from the database clock
-- (never before the head's), the hash, the insert.
CREATE FUNCTION keycard_ledger_chain() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO "LedgerEvent" ("seq", "id", "occurredAt", "action", "outcome", "actorType", "actorId", "actorLabel",
    "subjectType", "subjectId", "resourceId", "requestId", "grantId", "summary", "data", "prevHash", "hash")
  VALUES (v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType", NEW."actorId", NEW."actorLabel",
    NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId", NEW."summary", NEW."data"::json, v_prev,
    keycard_ledger_hash(keycard_ledger_encoding(v_seq, NEW."id", v_at, NEW."action", NEW."outcome", NEW."actorType",
      NEW."actorId", NEW."actorLabel", NEW."subjectType", NEW."subjectId", NEW."resourceId", NEW."requestId", NEW."grantId",
      NEW."summary", NEW."data", v_prev)));
  DELETE FROM "LedgerPending" WHERE "id" = NEW."id";
  RETURN NULL;
END
$$;

-- Deferred: fires as the transaction commits, in the order the events were appended. `SET CONSTRAINTS
-- "LedgerPending_chain" IMMEDIATE` chains at the append instead (a checkpoint, which must know its seq).
CREATE CONSTRAINT TRIGGER "LedgerPending_chain" AFTER INSERT ON "LedgerPending"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION keycard_ledger_chain();

DROP FUNCTION keycard_ledger_append(uuid, text, text, text, text, text, text, text, uuid, uuid, uuid, text, text);
