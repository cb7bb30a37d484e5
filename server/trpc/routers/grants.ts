import { z } from "zod";
import { releaseGrant, revealCredential, revokeGrantAsAdmin } from "@/server/domain/grants/mutations";
import { getGrantDetail, previewExtension } from "@/server/domain/requests/queries";
import { ZExtendGrantInput, ZGrantIdInput, ZPreviewExtensionInput } from "@/server/domain/requests/schema";
import { requestExtension } from "@/server/domain/requests/special";
import { createTRPCRouter, permittedProcedure, protectedProcedure } from "@/server/trpc/init";

export const grantsRouter = createTRPCRouter({
  get: protectedProcedure.input(ZGrantIdInput).query(({ ctx, input }) => getGrantDetail(input.grantId, ctx)),
  release: permittedProcedure("access:request").input(ZGrantIdInput).mutation(({ ctx, input }) => releaseGrant(input, ctx)),
  previewExtension: permittedProcedure("access:request").input(ZPreviewExtensionInput).query(({ ctx, input }) => previewExtension(input, ctx)),
  extend: permittedProcedure("access:request").input(ZExtendGrantInput).mutation(({ ctx, input }) => requestExtension(input, ctx)),
  revealCredential: protectedProcedure.input(ZGrantIdInput).mutation(({ ctx, input }) => revealCredential(input, ctx)),
  revoke: permittedProcedure("grants:revoke")
    .input(ZGrantIdInput.extend({ reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(500) }).strict())
    .mutation(({ ctx, input }) => revokeGrantAsAdmin(input, ctx)),
});
