import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import { decryptSecret } from "@/server/crypto";
import type { Tx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { checkGrantTransition } from "@/server/domain/lifecycle/transitions";
import type { GrantIdInput } from "@/server/domain/requests/schema";
import { DomainError } from "@/server/errors";
import type { Grant } from "@/server/generated/prisma/client";
import type { RevocationReason } from "@/server/generated/prisma/enums";
import { sendJobEvents } from "@/server/jobs/send";
import { appendLedgerEvent } from "@/server/ledger";

function requirePerson(ctx: Ctx): IdentityActor {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person or a machine identity can do this.");
  return ctx.actor;
}

type LockedGrant = Grant & { identity: { id: string; name: string }; resource: { name: string }; accessLevel: { name: string } };

/** The grant, row-locked, with the names its ledger events need: one statement (it was five). */
async function lockGrant(tx: Tx, grantId: string): Promise<LockedGrant> {
  const [grant] = await tx.$queryRaw<LockedGrant[]>`
    SELECT g.*, json_build_object('id', i.id, 'name', i.name) AS identity, json_build_object('name', r.name) AS resource,
           json_build_object('name', a.name) AS "accessLevel"
      FROM "Grant" g JOIN "Identity" i ON i.id = g."identityId" JOIN "Resource" r ON r.id = g."resourceId"
      JOIN "AccessLevel" a ON a.id = g."accessLevelId"
     WHERE g.id = ${grantId}::uuid
       FOR UPDATE OF g`;
  if (!grant) throw new DomainError("NOT_FOUND", "No such grant.");
  return grant;
}

/**
 * Ends a grant early: the holder's "I'm done", an admin's revoke, or its holder being disabled. A grant
 * that has not started yet simply never starts; otherwise it becomes REVOKING and the revoker removes it
 * from the target at once (the same path as expiry, so it is ledgered as revoked exactly once).
 */
async function endGrantEarly(grantId: string, ctx: Ctx, reason: RevocationReason, note: string | null) {
  const actor = requirePerson(ctx);
  const result = await ctx.db.$transaction(async (tx) => {
    const grant = await lockGrant(tx, grantId);
    if (reason === "RELEASED" && grant.identityId !== actor.id) throw new DomainError("NOT_FOUND", "No such grant.");
    return { status: await endLockedGrant(tx, grant, actor, reason, note) };
  });
  if (result.status === "REVOKING") await wakeRevoker([grantId]);
  return result;
}

/** Revokes grants a policy change no longer allows (the caller says which and why; each is ledgered). */
export async function revokeForPolicyChange(grantIds: readonly string[], ctx: Ctx, note: string): Promise<number> {
  assertCan(ctx.actor, "grants:revoke");
  let ended = 0;
  for (const grantId of grantIds) {
    const result = await endGrantEarly(grantId, ctx, "POLICY_CHANGE", note);
    if (result.status === "REVOKING" || result.status === "REVOKED") ended += 1;
  }
  return ended;
}

/** Starts the revoker on grants that just became REVOKING (the sweeper is the backstop if this is lost). */
export async function wakeRevoker(grantIds: readonly string[]): Promise<void> {
  if (grantIds.length === 0) return;
  await sendJobEvents(grantIds.map((grantId) => ({ name: "access/grant.revoke_requested", data: { grantId }, id: `grant-revoke-${grantId}` })));
}

/** The status change and its ledger events, inside the caller's transaction on a grant it has locked. */
async function endLockedGrant(tx: Tx, grant: LockedGrant, actor: IdentityActor, reason: RevocationReason, note: string | null) {
  if (grant.status === "REVOKING" || grant.status === "REVOKED") return grant.status;
  const now = await dbNow(tx);
  const target = grant.status === "SCHEDULED" ? "REVOKED" : "REVOKING";
  checkGrantTransition(grant.status, target);
  await tx.grant.update({
    where: { id: grant.id },
    data: {
      status: target,
      revocationReason: reason,
      revokeRequestedAt: now,
      // A new revocation episode: attempts and the overdue alert start afresh.
      ...(target === "REVOKED" ? { revokedAt: now } : { attempts: 0, failureAlertedAt: null, nextAttemptAt: grant.status === "PROVISIONING" ? grant.nextAttemptAt : now }),
    },
  });
  const who = reason === "RELEASED" ? `${actor.name} released` : `${actor.name} revoked`;
  const why = reason === "IDENTITY_DISABLED" ? `: ${grant.identity.name} was disabled${note ? ` (${note})` : ""}` : note ? `: ${note}` : "";
  await appendLedgerEvent(tx, {
    action: reason === "RELEASED" ? "access/grant.released" : "access/grant.revoke_requested",
    actor,
    subject: { type: "grant", id: grant.id },
    resourceId: grant.resourceId,
    requestId: grant.requestId,
    grantId: grant.id,
    summary: `${who} ${grant.accessLevel.name} on ${grant.resource.name}${reason === "RELEASED" ? "" : ` held by ${grant.identity.name}`}${why}`,
    data: { reason, note, previousStatus: grant.status, endsAt: grant.endsAt.toISOString() },
  });
  if (target === "REVOKED") {
    // Never provisioned: nothing to remove, so this is the grant's one revocation event.
    await appendLedgerEvent(tx, {
      action: "access/grant.revoked",
      actor,
      subject: { type: "grant", id: grant.id },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId: grant.id,
      summary: `${grant.accessLevel.name} on ${grant.resource.name} cancelled before it started`,
      data: { reason, removed: false, sessionsEnded: 0, lagMs: null },
    });
  }
  return target;
}

/**
 * Every live grant of an identity that is being disabled ends now, in the transaction that disables it.
 * Returns the grants the revoker must remove from their targets (wake it after commit).
 */
export async function endGrantsOfDisabledIdentity(tx: Tx, identityId: string, actor: IdentityActor, note: string): Promise<string[]> {
  const live = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM "Grant"
     WHERE "identityId" = ${identityId}::uuid AND status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE') ORDER BY id`;
  const revoking: string[] = [];
  for (const { id } of live) {
    const status = await endLockedGrant(tx, await lockGrant(tx, id), actor, "IDENTITY_DISABLED", note);
    if (status === "REVOKING") revoking.push(id);
  }
  return revoking;
}

export async function releaseGrant(input: GrantIdInput, ctx: Ctx) {
  assertCan(ctx.actor, "access:request");
  return endGrantEarly(input.grantId, ctx, "RELEASED", null);
}

export async function revokeGrantAsAdmin(input: GrantIdInput & { reason: string }, ctx: Ctx) {
  assertCan(ctx.actor, "grants:revoke");
  return endGrantEarly(input.grantId, ctx, "ADMIN", input.reason);
}

/**
 * The one-time credential of an ephemeral login: shown to its holder once, then erased (the ledger
 * records that it was revealed, never the secret).
 */
export async function revealCredential(input: GrantIdInput, ctx: Ctx) {
  const actor = requirePerson(ctx);
  return ctx.db.$transaction(async (tx) => {
    const grant = await lockGrant(tx, input.grantId);
    if (grant.identityId !== actor.id) throw new DomainError("NOT_FOUND", "No such grant.");
    if (grant.status !== "ACTIVE") throw new DomainError("INVALID_TRANSITION", "Credentials are only available while the grant is active.");
    if (!grant.credentialCiphertext) {
      throw new DomainError("CONFLICT", grant.credentialRevealedAt ? "These credentials were already shown once and are not stored any more." : "This grant has no credentials to show.");
    }
    const credential = JSON.parse(decryptSecret(grant.credentialCiphertext, grant.id)) as Record<string, unknown>;
    await tx.grant.update({ where: { id: grant.id }, data: { credentialCiphertext: null, credentialRevealedAt: new Date() } });
    await appendLedgerEvent(tx, {
      action: "access/grant.credential_revealed",
      actor,
      subject: { type: "grant", id: grant.id },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId: grant.id,
      summary: `${actor.name} viewed the one-time credentials for ${grant.accessLevel.name} on ${grant.resource.name}`,
      data: { username: typeof credential.username === "string" ? credential.username : null },
    });
    return credential;
  });
}

