import { requestEvidencePack } from "@/server/domain/evidence/mutations";
import { listEvidencePacks } from "@/server/domain/evidence/queries";
import { ZRequestEvidencePackInput } from "@/server/domain/evidence/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const evidenceRouter = createTRPCRouter({
  list: permittedProcedure("ledger:export").query(({ ctx }) => listEvidencePacks(ctx)),
  request: permittedProcedure("ledger:export").input(ZRequestEvidencePackInput).mutation(({ ctx, input }) => requestEvidencePack(input, ctx)),
});
