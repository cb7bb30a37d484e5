import { getAccessMetrics } from "@/server/domain/reports/queries";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const reportsRouter = createTRPCRouter({
  metrics: permittedProcedure("reports:read").query(({ ctx }) => getAccessMetrics(ctx)),
});
