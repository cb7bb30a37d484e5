-- New events reach the free-text index through its pending list (GIN fastupdate), which every free-text
-- search reads in full until it is merged into the index. By default the list grows to 4 MB (~10,000
-- events) before an append merges it; on the 10M bench ledger 8,000 pending events took the free-text p95
-- from 100 to 142 ms. At 512 kB (~1,300 events) the list stays small, and the merge an append then does
-- now and then did not move the appends' p99 (docs/ledger.md, "Speed").
ALTER INDEX "LedgerEvent_search_idx" SET (gin_pending_list_limit = 512);
