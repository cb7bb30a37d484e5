-- CreateTable (hand-edited: byte order, so that a prefix is one range of the primary key on any database)
CREATE TABLE "LedgerLexeme" (
    "lexeme" TEXT COLLATE "C" NOT NULL,

    CONSTRAINT "LedgerLexeme_pkey" PRIMARY KEY ("lexeme")
);

-- CreateTable
CREATE TABLE "LedgerLexemeProgress" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "throughSeq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "LedgerLexemeProgress_pkey" PRIMARY KEY ("id")
);

-- The job fills it from the start of the ledger.
INSERT INTO "LedgerLexemeProgress" ("id", "throughSeq") VALUES (1, 0);
