import { z } from "zod";

export const ZSetIdentityStatusInput = z.object({
  identityId: z.uuid(),
  status: z.enum(["ACTIVE", "DISABLED"]),
  reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(500),
});
export type SetIdentityStatusInput = z.infer<typeof ZSetIdentityStatusInput>;

export const ZListIdentitiesInput = z.object({
  q: z.string().max(200).optional(),
  kind: z.enum(["HUMAN", "MACHINE"]).optional(),
});
export type ListIdentitiesInput = z.infer<typeof ZListIdentitiesInput>;
