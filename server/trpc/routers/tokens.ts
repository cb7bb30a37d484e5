import { createApiToken, revokeApiToken } from "@/server/domain/tokens/mutations";
import { listApiTokens } from "@/server/domain/tokens/queries";
import { ZCreateApiTokenInput, ZRevokeApiTokenInput } from "@/server/domain/tokens/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const tokensRouter = createTRPCRouter({
  list: permittedProcedure("admin:manage").query(({ ctx }) => listApiTokens(ctx)),
  mine: permittedProcedure("access:request").query(({ ctx }) => listApiTokens(ctx, { mine: true })),
  // Anyone may create and revoke their own tokens; the domain requires an admin for anything else.
  create: permittedProcedure("access:request").input(ZCreateApiTokenInput).mutation(({ ctx, input }) => createApiToken(input, ctx)),
  revoke: permittedProcedure("access:request").input(ZRevokeApiTokenInput).mutation(({ ctx, input }) => revokeApiToken(input, ctx)),
});
