import { z } from "zod";
import { cancelRequest, createRequest, decideRequest } from "@/server/domain/requests/mutations";
import { listInbox } from "@/server/domain/requests/inbox";
import { getRequestDetail, previewRequest } from "@/server/domain/requests/queries";
import { completeBreakGlassReview, listBreakGlassReviews, ZCompleteReviewInput } from "@/server/domain/requests/reviews";
import { ZBreakGlassInput, ZCreateRequestInput, ZDecideRequestInput, ZPreviewRequestInput, ZRequestIdInput } from "@/server/domain/requests/schema";
import { breakGlass } from "@/server/domain/requests/special";
import { createTRPCRouter, permittedProcedure, protectedProcedure } from "@/server/trpc/init";

export const requestsRouter = createTRPCRouter({
  preview: permittedProcedure("access:request").input(ZPreviewRequestInput).query(({ ctx, input }) => previewRequest(input, ctx)),
  create: permittedProcedure("access:request").input(ZCreateRequestInput).mutation(({ ctx, input }) => createRequest(input, ctx)),
  get: protectedProcedure.input(ZRequestIdInput).query(({ ctx, input }) => getRequestDetail(input.requestId, ctx)),
  cancel: permittedProcedure("access:request").input(ZRequestIdInput).mutation(({ ctx, input }) => cancelRequest(input, ctx)),
  decide: permittedProcedure("requests:decide").input(ZDecideRequestInput).mutation(({ ctx, input }) => decideRequest(input, ctx)),
  inbox: permittedProcedure("requests:decide")
    .input(z.object({ tab: z.enum(["pending", "history"]).default("pending"), q: z.string().max(200).optional(), tier: z.number().int().min(1).max(3).optional() }).strict())
    .query(({ ctx, input }) => listInbox(input, ctx)),
  breakGlass: permittedProcedure("access:break_glass").input(ZBreakGlassInput).mutation(({ ctx, input }) => breakGlass(input, ctx)),
  reviews: permittedProcedure("break_glass:review").query(({ ctx }) => listBreakGlassReviews(ctx)),
  completeReview: permittedProcedure("break_glass:review").input(ZCompleteReviewInput).mutation(({ ctx, input }) => completeBreakGlassReview(input, ctx)),
});
