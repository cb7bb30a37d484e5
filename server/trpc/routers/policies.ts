import { z } from "zod";
import { savePolicyVersion, ZSavePolicyInput } from "@/server/domain/policies/mutations";
import { getPolicy, listPolicies, simulatePolicy, ZSimulateInput } from "@/server/domain/policies/queries";
import { grantsAtOddsWithPolicy, revokeGrantsAtOddsWithPolicy } from "@/server/domain/policies/live-grants";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const policiesRouter = createTRPCRouter({
  list: permittedProcedure("admin:manage").query(({ ctx }) => listPolicies(ctx)),
  get: permittedProcedure("admin:manage").input(z.object({ policyId: z.uuid() })).query(({ ctx, input }) => getPolicy(input.policyId, ctx)),
  save: permittedProcedure("admin:manage").input(ZSavePolicyInput).mutation(({ ctx, input }) => savePolicyVersion(input, ctx)),
  grantsAtOdds: permittedProcedure("admin:manage").input(z.object({ policyId: z.uuid() })).query(({ ctx, input }) => grantsAtOddsWithPolicy(input.policyId, ctx)),
  revokeGrantsAtOdds: permittedProcedure("admin:manage").input(z.object({ policyId: z.uuid() }).strict()).mutation(({ ctx, input }) => revokeGrantsAtOddsWithPolicy(input, ctx)),
  simulate: permittedProcedure("admin:manage").input(ZSimulateInput).query(({ ctx, input }) => simulatePolicy(input, ctx)),
});
