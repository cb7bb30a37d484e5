-- Nothing reads an event by its hash (verification walks by seq, links are checked against neighbours),
-- and a unique index on random 64-character text costs every append a random leaf of an index that is
-- about a gigabyte at ten million events: the chain's throughput, since appends hold the chain lock.
DROP INDEX "LedgerEvent_hash_key";
