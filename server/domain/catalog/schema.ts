import { z } from "zod";

export const ZCatalogSearchInput = z.object({
  q: z.string().max(200).optional(),
  tier: z.coerce.number().int().min(1).max(3).optional(),
});
export type CatalogSearchInput = z.infer<typeof ZCatalogSearchInput>;
