import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Tx } from "@/server/db";
import { lockByName } from "@/server/db/locks";
import type { Ctx } from "@/server/domain/context";
import { endGrantsOfDisabledIdentity, wakeRevoker } from "@/server/domain/grants/mutations";
import { cancelLockedRequest } from "@/server/domain/requests/mutations";
import type { CreateMachineIdentityInput, SetIdentityStatusInput, SetTargetLoginInput } from "@/server/domain/identities/schema";
import { otherClaimantsOf } from "@/server/domain/identities/target-login";
import { targetLoginFor } from "@/server/domain/connectors/instance";
import { HELD_GRANT_STATUSES } from "@/server/domain/lifecycle/transitions";
import { formatTime } from "@/server/format";
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

/**
 * A machine identity (a pipeline, a job, a bot) that requests access through the HTTP API with a token.
 * It has an owner, a person who answers for it: the owner never decides the machine's requests, the
 * machine is judged with its owner's team, and it only ever gets the requester role.
 */
export async function createMachineIdentity(input: CreateMachineIdentityInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  return ctx.db.$transaction(async (tx) => {
    const owner = await tx.identity.findUnique({ where: { id: input.ownerId }, select: { id: true, name: true, kind: true, status: true } });
    if (!owner || owner.kind !== "HUMAN") throw new DomainError("NOT_FOUND", "The owner must be a person.", { field: "ownerId" });
    if (owner.status !== "ACTIVE") throw new DomainError("VALIDATION", `${owner.name} is disabled and cannot own a machine.`, { field: "ownerId" });
    // Names are how people recognise machines in the inbox and the ledger: one of each. The lock makes
    // the check hold for two admins creating the same name at once (no index can say "unique among
    // machines, in any case" in the schema's terms).
    await lockByName(tx, `machine-name:${input.name.toLowerCase()}`);
    const clash = await tx.identity.findFirst({ where: { kind: "MACHINE", name: { equals: input.name, mode: "insensitive" } }, select: { id: true } });
    if (clash) throw new DomainError("CONFLICT", `A machine identity named "${input.name}" already exists.`, { field: "name" });
    const machine = await tx.identity.create({
      data: { kind: "MACHINE", name: input.name, title: input.purpose, ownerId: owner.id, roles: ["REQUESTER"] },
      select: { id: true, name: true },
    });
    await appendLedgerEvent(tx, {
      action: "identity/identity.created",
      actor: ctx.actor,
      subject: { type: "identity", id: machine.id },
      summary: `Machine identity ${machine.name} created, owned by ${owner.name}: ${input.purpose}`,
      data: { kind: "MACHINE", ownerId: owner.id, purpose: input.purpose, roles: ["REQUESTER"] },
    });
    return machine;
  });
}

/**
 * Gives an identity its own login in targets (role elevation), or clears it back to the one its email
 * derives. It must be nobody else's, and it cannot change while the identity holds elevated roles: new
 * grants store the login they were provisioned to, but grants from before that follow the identity.
 */
export async function setTargetLogin(input: SetTargetLoginInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  // Separation of duties: pointing one's own elevations at another account is for another admin to do.
  if (ctx.actor.type === "identity" && ctx.actor.id === input.identityId) throw new DomainError("FORBIDDEN", "Another admin must change your own login in targets.");
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Identity" WHERE id = ${input.identityId}::uuid FOR UPDATE`;
    const identity = await tx.identity.findUnique({ where: { id: input.identityId }, select: { id: true, name: true, email: true, targetLogin: true } });
    if (!identity) throw new DomainError("NOT_FOUND", "No such identity.");
    const before = targetLoginFor(identity);
    const after = targetLoginFor({ ...identity, targetLogin: input.targetLogin });
    if (identity.targetLogin === input.targetLogin) return { targetLogin: after, changed: false };
    if (before !== after) {
      const elevated = await tx.grant.findFirst({
        where: { identityId: identity.id, status: { in: [...HELD_GRANT_STATUSES] }, accessLevel: { mode: "ROLE_ELEVATION" } },
        select: { endsAt: true, resource: { select: { name: true } } },
        orderBy: { endsAt: "desc" },
      });
      if (elevated) {
        throw new DomainError("CONFLICT", `${identity.name} holds an elevated role on ${elevated.resource.name} under "${before}" until ${formatTime(elevated.endsAt)}: change the login after their elevated grants end.`, { field: "targetLogin" });
      }
    }
    // Two admins giving two identities the same login at once (one set, one derived again) take turns.
    await lockByName(tx, `target-login:${after}`);
    const others = await otherClaimantsOf(tx, after, identity.id);
    if (others.length) throw new DomainError("CONFLICT", `"${after}" is already ${others.map((o) => o.name).join(", ")}'s login in targets.`, { field: "targetLogin" });
    await tx.identity.update({ where: { id: identity.id }, data: { targetLogin: input.targetLogin } });
    await appendLedgerEvent(tx, {
      action: "identity/identity.updated",
      actor: ctx.actor,
      subject: { type: "identity", id: identity.id },
      summary: input.targetLogin
        ? `${identity.name}'s login in targets set to ${after} (was ${before})`
        : `${identity.name}'s login in targets is derived from their email again: ${after} (was ${before})`,
      data: { targetLogin: { from: identity.targetLogin, to: input.targetLogin }, effective: { from: before, to: after } },
    });
    return { targetLogin: after, changed: true };
  });
}
