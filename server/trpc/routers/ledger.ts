import { listRecentLedgerEvents } from "@/server/domain/ledger/queries";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const ledgerRouter = createTRPCRouter({
  recent: permittedProcedure("ledger:read").query(({ ctx }) => listRecentLedgerEvents(ctx)),
});
