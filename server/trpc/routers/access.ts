import { getMyOverview, listMyAccess, listMyInbox } from "@/server/domain/access/queries";
import { ZMyAccessInput } from "@/server/domain/access/schema";
import { createTRPCRouter, protectedProcedure } from "@/server/trpc/init";

export const accessRouter = createTRPCRouter({
  overview: protectedProcedure.query(({ ctx }) => getMyOverview(ctx)),
  mine: protectedProcedure.input(ZMyAccessInput).query(({ ctx, input }) => listMyAccess(input, ctx)),
  inbox: protectedProcedure.query(({ ctx }) => listMyInbox(ctx)),
});
