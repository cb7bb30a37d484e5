import { getMyOverview, listMyAccess, listMyInbox } from "@/server/domain/access/queries";
import { createTRPCRouter, protectedProcedure } from "@/server/trpc/init";

export const accessRouter = createTRPCRouter({
  overview: protectedProcedure.query(({ ctx }) => getMyOverview(ctx)),
  mine: protectedProcedure.query(({ ctx }) => listMyAccess(ctx)),
  inbox: protectedProcedure.query(({ ctx }) => listMyInbox(ctx)),
});
