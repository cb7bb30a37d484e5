import { z } from "zod";
import { tokenScopes } from "@/server/auth/permissions";

const scopeNames = Object.keys(tokenScopes) as [keyof typeof tokenScopes, ...(keyof typeof tokenScopes)[]];

export const ZCreateApiTokenInput = z.object({
  identityId: z.uuid(),
  name: z.string().trim().min(3, "Name the token (at least 3 characters).").max(80),
  scopes: z.array(z.enum(scopeNames)).min(1, "Pick at least one scope.").max(scopeNames.length),
  /** Tokens always expire: at most a year. */
  expiresInDays: z.number().int().min(1).max(365),
});
export type CreateApiTokenInput = z.infer<typeof ZCreateApiTokenInput>;

export const ZRevokeApiTokenInput = z.object({ tokenId: z.uuid() });
export type RevokeApiTokenInput = z.infer<typeof ZRevokeApiTokenInput>;
