import { createApiToken, revokeApiToken } from "@/server/domain/tokens/mutations";
import { listApiTokens } from "@/server/domain/tokens/queries";
import { ZCreateApiTokenInput, ZRevokeApiTokenInput } from "@/server/domain/tokens/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const tokensRouter = createTRPCRouter({
  list: permittedProcedure("admin:manage").query(({ ctx }) => listApiTokens(ctx)),
  create: permittedProcedure("admin:manage").input(ZCreateApiTokenInput).mutation(({ ctx, input }) => createApiToken(input, ctx)),
  revoke: permittedProcedure("admin:manage").input(ZRevokeApiTokenInput).mutation(({ ctx, input }) => revokeApiToken(input, ctx)),
});
