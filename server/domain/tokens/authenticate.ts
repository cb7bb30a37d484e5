import type { IdentityActor } from "@/server/actor";
import { hashToken } from "@/server/crypto";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { TOKEN_PREFIX } from "@/server/domain/tokens/mutations";
import { rateWindow, type RateLimit } from "@/server/domain/tokens/rate-limit";
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
  callsInWindow: number | null;
}

/** Writing lastUsedAt on every call would turn each read into a write; once a minute is enough. */
const LAST_USED_GRANULARITY_MS = 60_000;

/** The call counted against the token's rate-limit window, with the window's verdict still to be judged. */
export interface AuthenticatedCall {
  actor: IdentityActor;
  /** Calls made with this token in the current window, this one included. */
  callsInWindow: number;
  resetSeconds: number;
}

/** Rate-limit keys of API tokens: one window per token. */
const RATE_KEY_PREFIX = "api-token:";

/**
 * Resolves `Authorization: Bearer kc_…` to the token's identity, with the token's scopes, and counts the
 * call in the token's rate-limit window — one statement, since every API call starts here. Only a valid
 * token's calls are counted. Refusals are specific (unknown, revoked, expired, identity disabled) but
 * never reveal whether a token existed to a caller that holds a wrong one: unknown and malformed look the
 * same.
 */
export async function authenticateApiToken(db: Db, authorization: string | null, ip: string | null, rate: RateLimit): Promise<AuthenticatedCall> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  const secret = match?.[1];
  if (!secret) throw new DomainError("UNAUTHENTICATED", "Send an API token: Authorization: Bearer kc_…");
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) throw new DomainError("UNAUTHENTICATED", "This API token is not valid.");
  const now = Date.now();
  const { windowStart, resetSeconds } = rateWindow(rate, now);
  const [token] = await db.$queryRaw<TokenRow[]>`
    WITH token AS (
      SELECT t.id, t.scopes, t."expiresAt", t."revokedAt", t."lastUsedAt", i.id AS "identityId", i.kind::text AS kind,
             i.status::text AS status, i.name, i.email, i.roles::text[] AS roles
        FROM "ApiToken" t JOIN "Identity" i ON i.id = t."identityId"
       WHERE t."tokenHash" = ${hashToken(secret)}),
    counted AS (
      INSERT INTO "RateLimitWindow" (key, "windowStart", count)
      SELECT ${RATE_KEY_PREFIX} || token.id, ${windowStart}, 1 FROM token
       WHERE token."revokedAt" IS NULL AND token."expiresAt" > ${new Date(now)} AND token.status = 'ACTIVE'
      ON CONFLICT (key, "windowStart") DO UPDATE SET count = "RateLimitWindow".count + 1
      RETURNING count)
    SELECT token.*, (SELECT count FROM counted) AS "callsInWindow" FROM token`;
  if (!token) throw new DomainError("UNAUTHENTICATED", "This API token is not valid.");
  if (token.revokedAt) throw new DomainError("UNAUTHENTICATED", "This API token was revoked.");
  if (token.expiresAt.getTime() <= now) throw new DomainError("UNAUTHENTICATED", "This API token has expired.");
  if (token.status !== "ACTIVE") throw new DomainError("UNAUTHENTICATED", "The identity behind this API token is disabled.");
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now), lastUsedIp: ip?.slice(0, 64) ?? null } });
  }
  const identity = { id: token.identityId, kind: token.kind, name: token.name, email: token.email, roles: token.roles };
  return { actor: { ...toActor(identity), tokenScopes: token.scopes, tokenId: token.id }, callsInWindow: token.callsInWindow ?? 1, resetSeconds };
}
