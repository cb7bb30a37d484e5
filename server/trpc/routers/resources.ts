import { saveResource } from "@/server/domain/catalog/mutations";
import { listBreakGlassResources, listRequestableResources, listResourcesForAdmin } from "@/server/domain/catalog/queries";
import { ZCatalogSearchInput, ZSaveResourceInput } from "@/server/domain/catalog/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const resourcesRouter = createTRPCRouter({
  list: permittedProcedure("access:request")
    .input(ZCatalogSearchInput)
    .query(({ ctx, input }) => listRequestableResources(input, ctx)),
  breakGlassList: permittedProcedure("access:break_glass").query(({ ctx }) => listBreakGlassResources(ctx)),
  adminList: permittedProcedure("admin:manage").query(({ ctx }) => listResourcesForAdmin(ctx)),
  save: permittedProcedure("admin:manage").input(ZSaveResourceInput).mutation(({ ctx, input }) => saveResource(input, ctx)),
});
