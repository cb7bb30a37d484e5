import type { IdentityActor } from "@/server/actor";
import { hashToken } from "@/server/crypto";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { TOKEN_PREFIX } from "@/server/domain/tokens/mutations";
import { DomainError } from "@/server/errors";
import type { IdentityKind, IdentityStatus, Role } from "@/server/generated/prisma/enums";

interface TokenRow {
  id: string;
  scopes: string[];
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  identityId: string;
  kind: IdentityKind;
  status: IdentityStatus;
  name: string;
  email: string | null;
  roles: Role[];
}

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
  // Token and identity in one round trip: every API call starts here.
  const [token] = await db.$queryRaw<TokenRow[]>`
    SELECT t.id, t.scopes, t."expiresAt", t."revokedAt", t."lastUsedAt", i.id AS "identityId", i.kind::text AS kind,
           i.status::text AS status, i.name, i.email, i.roles::text[] AS roles
      FROM "ApiToken" t JOIN "Identity" i ON i.id = t."identityId"
     WHERE t."tokenHash" = ${hashToken(secret)}`;
  if (!token) throw new DomainError("UNAUTHENTICATED", "This API token is not valid.");
  if (token.revokedAt) throw new DomainError("UNAUTHENTICATED", "This API token was revoked.");
  const now = Date.now();
  if (token.expiresAt.getTime() <= now) throw new DomainError("UNAUTHENTICATED", "This API token has expired.");
  if (token.status !== "ACTIVE") throw new DomainError("UNAUTHENTICATED", "The identity behind this API token is disabled.");
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now), lastUsedIp: ip?.slice(0, 64) ?? null } });
  }
  const identity = { id: token.identityId, kind: token.kind, name: token.name, email: token.email, roles: token.roles };
  return { ...toActor(identity), tokenScopes: token.scopes, tokenId: token.id };
}
