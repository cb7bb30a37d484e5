import { db } from "@/server/db";
import { runLedgerCheckpoint } from "@/server/domain/ledger/integrity";
import { defineJob } from "@/server/jobs/define";

/**
 * Hourly: verify the ledger (incrementally, fully once a day) and sign its head with the ledger key
 * (`ledger/checkpoint.signed`). The local runner uses the same schedule.
 */
export const ledgerCheckpoint = defineJob({ id: "ledger-checkpoint", cron: "7 * * * *", retries: 2 }, async ({ step }) =>
  step.run("verify-and-sign", () => runLedgerCheckpoint(db())),
);
