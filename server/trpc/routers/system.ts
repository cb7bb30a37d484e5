import { getSystemStatus } from "@/server/domain/system/queries";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const systemRouter = createTRPCRouter({
  status: permittedProcedure("admin:status").query(({ ctx }) => getSystemStatus(ctx)),
});
