import { defineEndpoint, noParams } from "@/server/api/handler";
import { presentResource, ZResourceList } from "@/server/api/views";
import { listRequestableResources } from "@/server/domain/catalog/queries";
import { ZCatalogSearchInput } from "@/server/domain/catalog/schema";

export const listResources = defineEndpoint({
  operationId: "listResources",
  method: "GET",
  path: "/resources",
  tag: "Resources",
  summary: "List requestable resources and their access levels",
  description: "Search by name, slug, description, tag or owner (`q`) and filter by sensitivity tier. At most 200 results, most sensitive tier first.",
  scopes: ["resources:read"],
  params: noParams,
  query: ZCatalogSearchInput.strict(),
  responses: { 200: { description: "The requestable resources", schema: ZResourceList } },
  errors: [400, 403],
  async handle({ ctx, query }) {
    const resources = await listRequestableResources(query, ctx);
    return { status: 200, body: { resources: resources.map(presentResource) } };
  },
});
