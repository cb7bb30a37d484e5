import { randomBytes } from "node:crypto";
import { assertCan, can } from "@/server/auth/permissions";
import { hashToken } from "@/server/crypto";
import type { Ctx } from "@/server/domain/context";
import type { CreateApiTokenInput, RevokeApiTokenInput } from "@/server/domain/tokens/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";

export const TOKEN_PREFIX = "kc_";

/**
 * Creates an API token for a machine (by an admin) or for oneself. The secret (256 random bits) is
 * returned once, to its creator, and only its SHA-256 is stored; lists show the first characters to
 * recognise it. Whoever holds a token acts as its identity, so a token for a person is made by that person
 * only: an admin minting one for someone else could decide requests in their name, or request as them and
 * approve it (separation of duties). A machine's token creators are kept from deciding its requests
 * (approvals/eligibility.ts).
 */
export async function createApiToken(input: CreateApiTokenInput, ctx: Ctx) {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person can create tokens.");
  const creatorId = ctx.actor.id;
  if (input.identityId !== creatorId) assertCan(ctx.actor, "admin:manage");
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const token = await ctx.db.$transaction(async (tx) => {
    const identity = await tx.identity.findUnique({ where: { id: input.identityId } });
    if (!identity) throw new DomainError("NOT_FOUND", "No such identity.");
    if (identity.kind === "HUMAN" && identity.id !== creatorId) {
      throw new DomainError("FORBIDDEN", `A token acts as its person, so only ${identity.name} can create one for themselves.`, { field: "identityId" });
    }
    if (identity.status !== "ACTIVE") throw new DomainError("VALIDATION", "This identity is disabled; enable it before issuing tokens.");
    const created = await tx.apiToken.create({
      data: {
        name: input.name,
        identityId: identity.id,
        prefix: secret.slice(0, 11),
        tokenHash: hashToken(secret),
        scopes: input.scopes,
        expiresAt: new Date(Date.now() + input.expiresInDays * 24 * 3600_000),
        createdById: creatorId,
      },
      select: { id: true, name: true, prefix: true, scopes: true, expiresAt: true },
    });
    await appendLedgerEvent(tx, {
      action: "identity/token.created",
      actor: ctx.actor,
      subject: { type: "api_token", id: created.id },
      summary: `API token "${input.name}" created for ${identity.name} (${input.scopes.join(", ")})`,
      data: { identityId: identity.id, scopes: input.scopes, expiresAt: created.expiresAt.toISOString(), prefix: created.prefix },
    });
    return created;
  });
  return { ...token, secret };
}

/** Admins revoke any token; a person revokes their own. */
export async function revokeApiToken(input: RevokeApiTokenInput, ctx: Ctx) {
  return ctx.db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: input.tokenId }, include: { identity: { select: { name: true } } } });
    const own = ctx.actor.type === "identity" && token?.identityId === ctx.actor.id;
    // Someone else's token is "not found" to a non-admin, not "forbidden": ids are not an oracle.
    if (!own && !can(ctx.actor, "admin:manage")) throw new DomainError("NOT_FOUND", "No such token.");
    if (!token) throw new DomainError("NOT_FOUND", "No such token.");
    if (token.revokedAt) return { id: token.id, revokedAt: token.revokedAt };
    const revoked = await tx.apiToken.update({ where: { id: token.id }, data: { revokedAt: new Date() }, select: { id: true, revokedAt: true } });
    await appendLedgerEvent(tx, {
      action: "identity/token.revoked",
      actor: ctx.actor,
      subject: { type: "api_token", id: token.id },
      summary: `API token "${token.name}" of ${token.identity.name} revoked`,
      data: { identityId: token.identityId, prefix: token.prefix },
    });
    return revoked;
  });
}
