-- DropIndex
DROP INDEX "LedgerEvent_occurredAt_idx";

-- AlterTable
ALTER TABLE "EvidencePack" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "stage" TEXT,
ADD COLUMN     "startedAt" TIMESTAMP(3),
ADD COLUMN     "summary" JSONB;

-- AlterTable (hand-edited: Prisma models the column as Unsupported("tsvector"); it is generated here)
-- Free-text search over what an auditor types: the summary (names, resources), the actor, and every string
-- value in data (justifications, comments, tickets). 'simple' keeps names and identifiers unstemmed; the
-- search code adds prefix matching. The summary is cut at 20,000 characters so that no event can exceed
-- the 1 MB tsvector limit and fail its append (and with it the change it records).
ALTER TABLE "LedgerEvent" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
  to_tsvector('simple'::regconfig, left("summary", 20000) || ' ' || "actorLabel")
  || to_tsvector('simple'::regconfig, "data")
) STORED;

-- CreateIndex
CREATE INDEX "EvidencePack_createdAt_idx" ON "EvidencePack"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "EvidencePack_status_createdAt_idx" ON "EvidencePack"("status", "createdAt");

-- CreateIndex
CREATE INDEX "LedgerEvent_occurredAt_seq_idx" ON "LedgerEvent"("occurredAt", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_subjectId_seq_idx" ON "LedgerEvent"("subjectId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_search_idx" ON "LedgerEvent" USING GIN ("search");
