import { listRequestableResources } from "@/server/domain/catalog/queries";
import { ZCatalogSearchInput } from "@/server/domain/catalog/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const resourcesRouter = createTRPCRouter({
  list: permittedProcedure("access:request")
    .input(ZCatalogSearchInput)
    .query(({ ctx, input }) => listRequestableResources(input, ctx)),
});
