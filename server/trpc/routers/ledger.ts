import { verifyLedgerNow, getLedgerPublicKey, getLedgerStatus } from "@/server/domain/ledger/integrity";
import {
  countLedger,
  getLedgerEvent,
  getLedgerTimeline,
  listLedgerFilterOptions,
  listRecentLedgerEvents,
  searchLedger,
} from "@/server/domain/ledger/queries";
import { ZLedgerEventInput, ZLedgerFilters, ZLedgerSearchInput, ZLedgerTimelineInput } from "@/server/domain/ledger/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const ledgerRouter = createTRPCRouter({
  recent: permittedProcedure("ledger:read").query(({ ctx }) => listRecentLedgerEvents(ctx)),
  search: permittedProcedure("ledger:read").input(ZLedgerSearchInput).query(({ ctx, input }) => searchLedger(input, ctx)),
  count: permittedProcedure("ledger:read").input(ZLedgerFilters).query(({ ctx, input }) => countLedger(input, ctx)),
  event: permittedProcedure("ledger:read").input(ZLedgerEventInput).query(({ ctx, input }) => getLedgerEvent(input, ctx)),
  timeline: permittedProcedure("ledger:read").input(ZLedgerTimelineInput).query(({ ctx, input }) => getLedgerTimeline(input, ctx)),
  filterOptions: permittedProcedure("ledger:read").query(({ ctx }) => listLedgerFilterOptions(ctx)),
  status: permittedProcedure("ledger:read").query(({ ctx }) => getLedgerStatus(ctx)),
  publicKey: permittedProcedure("ledger:read").query(({ ctx }) => getLedgerPublicKey(ctx)),
  verify: permittedProcedure("ledger:read").mutation(({ ctx }) => verifyLedgerNow(ctx)),
});
