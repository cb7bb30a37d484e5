import { convertToJit } from "@/server/domain/reports/convert";
import { markBaseline } from "@/server/domain/reports/mutations";
import { getReportsDashboard, latestStandingSnapshot, listStandingPrivileges, listStandingSnapshots } from "@/server/domain/reports/queries";
import { requestStandingReport } from "@/server/domain/reports/refresh";
import { ZConvertInput, ZDashboardInput, ZMarkBaselineInput, ZStandingListInput } from "@/server/domain/reports/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const reportsRouter = createTRPCRouter({
  /** The metrics dashboard (/reports). */
  metrics: permittedProcedure("reports:read").input(ZDashboardInput).query(({ ctx, input }) => getReportsDashboard(input, ctx)),
  /** One page of a standing-privilege snapshot (/reports/standing). */
  standing: permittedProcedure("reports:read").input(ZStandingListInput).query(({ ctx, input }) => listStandingPrivileges(input, ctx)),
  snapshots: permittedProcedure("reports:read").query(({ ctx }) => listStandingSnapshots(ctx)),
  latestSnapshot: permittedProcedure("reports:read").query(({ ctx }) => latestStandingSnapshot(ctx)),
  refresh: permittedProcedure("reports:manage").mutation(({ ctx }) => requestStandingReport(ctx)),
  markBaseline: permittedProcedure("reports:manage").input(ZMarkBaselineInput).mutation(({ ctx, input }) => markBaseline(input, ctx)),
  convertToJit: permittedProcedure("reports:manage").input(ZConvertInput).mutation(({ ctx, input }) => convertToJit(input, ctx)),
});
