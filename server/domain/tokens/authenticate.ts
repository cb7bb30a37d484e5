import type { IdentityActor } from "@/server/actor";
import { hashToken } from "@/server/crypto";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { TOKEN_PREFIX } from "@/server/domain/tokens/mutations";
import { DomainError } from "@/server/errors";

/** Writing lastUsedAt on every call would turn each read into a write; once a minute is enough. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Resolves `Authorization: Bearer kc_…` to the token's identity, with the token's scopes. Refusals are
 * specific (unknown, revoked, expired, identity disabled) but never reveal whether a token existed to a
 * caller that holds a wrong one: unknown and malformed look the same.
 */
export async function authenticateApiToken(db: Db, authorization: string | null, ip: string | null): Promise<IdentityActor> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  const secret = match?.[1];
  if (!secret) throw new DomainError("UNAUTHENTICATED", "Send an API token: Authorization: Bearer kc_…");
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) throw new DomainError("UNAUTHENTICATED", "This API token is not valid.");
  const token = await db.apiToken.findUnique({ where: { tokenHash: hashToken(secret) }, include: { identity: true } });
  if (!token) throw new DomainError("UNAUTHENTICATED", "This API token is not valid.");
  if (token.revokedAt) throw new DomainError("UNAUTHENTICATED", "This API token was revoked.");
  const now = Date.now();
  if (token.expiresAt.getTime() <= now) throw new DomainError("UNAUTHENTICATED", "This API token has expired.");
  if (token.identity.status !== "ACTIVE") throw new DomainError("UNAUTHENTICATED", "The identity behind this API token is disabled.");
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now), lastUsedIp: ip?.slice(0, 64) ?? null } });
  }
  return { ...toActor(token.identity), tokenScopes: token.scopes, tokenId: token.id };
}
