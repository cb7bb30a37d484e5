import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Tx } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { endGrantsOfDisabledIdentity, wakeRevoker } from "@/server/domain/grants/mutations";
import { cancelLockedRequest } from "@/server/domain/requests/mutations";
import type { SetIdentityStatusInput } from "@/server/domain/identities/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";

/**
 * Disables or re-enables a person or machine. A disabled identity loses everything at once: its portal
 * session and API tokens stop working on the next call (both resolve the identity every time), its
 * pending requests are cancelled, and every live grant is revoked in its target — in the transaction
 * that disables it, so no approval or activation can slip in between.
 */
export async function setIdentityStatus(input: SetIdentityStatusInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const actor = ctx.actor;
  if (actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only an admin can change an identity's status.");
  if (actor.id === input.identityId && input.status === "DISABLED") {
    throw new DomainError("VALIDATION", "You cannot disable yourself; ask another admin.");
  }
  let revoking: string[] = [];
  const result = await ctx.db.$transaction(async (tx) => {
    // Locked: two admins changing the same identity at once apply one after the other.
    await tx.$queryRaw`SELECT id FROM "Identity" WHERE id = ${input.identityId}::uuid FOR UPDATE`;
    const identity = await tx.identity.findUnique({ where: { id: input.identityId } });
    if (!identity) throw new DomainError("NOT_FOUND", "No such identity.");
    if (identity.status === input.status) return identity;
    const updated = await tx.identity.update({
      where: { id: identity.id },
      data: { status: input.status, disabledAt: input.status === "DISABLED" ? new Date() : null },
    });
    await appendLedgerEvent(tx, {
      action: input.status === "DISABLED" ? "identity/identity.disabled" : "identity/identity.enabled",
      actor: ctx.actor,
      subject: { type: "identity", id: identity.id },
      summary: `${identity.name} ${input.status === "DISABLED" ? "disabled" : "re-enabled"}: ${input.reason}`,
      data: { reason: input.reason, kind: identity.kind },
    });
    if (input.status === "DISABLED") {
      // Requests first: locking them waits out a decision in flight, whose grant is then seen below.
      await cancelPendingRequestsOf(tx, identity, actor);
      revoking = await endGrantsOfDisabledIdentity(tx, identity.id, actor, input.reason);
    }
    return updated;
  });
  await wakeRevoker(revoking);
  return result;
}

async function cancelPendingRequestsOf(tx: Tx, identity: { id: string; name: string }, actor: IdentityActor): Promise<void> {
  const pending = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM "AccessRequest" WHERE "requesterId" = ${identity.id}::uuid AND status = 'PENDING' ORDER BY id FOR UPDATE`;
  if (pending.length === 0) return;
  const requests = await tx.accessRequest.findMany({
    where: { id: { in: pending.map((p) => p.id) } },
    include: { resource: { select: { name: true } }, accessLevel: { select: { name: true } } },
    orderBy: { id: "asc" },
  });
  for (const request of requests) {
    const summary = `${actor.name} cancelled ${identity.name}'s request for ${request.accessLevel.name} on ${request.resource.name}: ${identity.name} was disabled`;
    await cancelLockedRequest(tx, request, actor, summary, { reason: "identity_disabled" });
  }
}
