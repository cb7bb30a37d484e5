import { db } from "@/server/db";
import { defineJob } from "@/server/jobs/define";
import { indexLedgerLexemes } from "@/server/ledger/lexemes";

/**
 * Keeps the ledger's lexeme dictionary close behind the ledger (server/ledger/lexemes.ts): every minute
 * on Inngest, every 10 s under the local runner, up to a million events a run. Free-text search stays
 * exact without it, only slower for prefixes of common words.
 */
export const ledgerLexemes = defineJob({ id: "ledger-lexemes", cron: "* * * * *", localEverySeconds: 10, retries: 2 }, async ({ step }) =>
  step.run("index", () => indexLedgerLexemes(db())),
);
