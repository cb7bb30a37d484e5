import type { Actor } from "@/server/actor";
import type { Tx } from "@/server/db";
import type { AccessRequest } from "@/server/generated/prisma/client";
import { dbNow } from "@/server/db/clock";
import { DomainError } from "@/server/errors";
import type { JobEvent } from "@/server/jobs/send";
import { appendLedgerEvent } from "@/server/ledger";
import { formatTime } from "@/server/format";

/**
 * An approved request becomes a grant (SCHEDULED; the provisioner activates it at its start), or — for
 * an extension — moves the end of the grant it extends, so there is no gap and no overlap in the target.
 * Called inside the approving transaction; the provisioning event is sent after commit.
 */
export async function scheduleGrantForRequest(
  tx: Tx,
  args: { request: AccessRequest; actor: Actor; now: Date; events: JobEvent[] },
): Promise<string> {
  const { request, actor, now, events } = args;
  if (request.kind === "EXTENSION") return extendGrant(tx, args);
  const startsAt = request.startsAt > now ? request.startsAt : now;
  const endsAt = new Date(startsAt.getTime() + request.durationMinutes * 60_000);
  const grant = await tx.grant.create({
    data: {
      requestId: request.id,
      identityId: request.requesterId,
      resourceId: request.resourceId,
      accessLevelId: request.accessLevelId,
      status: "SCHEDULED",
      breakGlass: request.kind === "BREAK_GLASS",
      startsAt,
      endsAt,
    },
  });
  await appendLedgerEvent(tx, {
    action: "access/grant.scheduled",
    actor,
    subject: { type: "grant", id: grant.id },
    resourceId: request.resourceId,
    requestId: request.id,
    grantId: grant.id,
    summary: `Grant scheduled from ${formatTime(startsAt)} to ${formatTime(endsAt)}`,
    data: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), breakGlass: grant.breakGlass },
  });
  events.push({ name: "access/grant.scheduled", data: { grantId: grant.id, startsAt: startsAt.toISOString() }, id: `grant-scheduled-${grant.id}` });
  return grant.id;
}

async function extendGrant(tx: Tx, args: { request: AccessRequest; actor: Actor; events: JobEvent[] }): Promise<string> {
  const { request, actor, events } = args;
  if (!request.extendsGrantId) throw new Error("extension request without a grant");
  await tx.$queryRaw`SELECT id FROM "Grant" WHERE id = ${request.extendsGrantId}::uuid FOR UPDATE`;
  const grant = await tx.grant.findUniqueOrThrow({ where: { id: request.extendsGrantId } });
  // The clock is read after the lock: waiting for it (a revoke in flight) must not let an extension
  // revive a grant that ended while we waited.
  const now = await dbNow(tx);
  if (!["ACTIVE", "SCHEDULED", "PROVISIONING"].includes(grant.status) || grant.endsAt <= now) {
    throw new DomainError("INVALID_TRANSITION", "The grant ended before the extension was approved; request access again.");
  }
  const endsAt = new Date(grant.endsAt.getTime() + request.durationMinutes * 60_000);
  await tx.grant.update({ where: { id: grant.id }, data: { endsAt, expiryWarnedAt: null } });
  await appendLedgerEvent(tx, {
    action: "access/grant.extended",
    actor,
    subject: { type: "grant", id: grant.id },
    resourceId: grant.resourceId,
    requestId: request.id,
    grantId: grant.id,
    summary: `Grant extended by ${request.durationMinutes} min, now ending ${formatTime(endsAt)}`,
    data: { previousEndsAt: grant.endsAt.toISOString(), endsAt: endsAt.toISOString(), extensionRequestId: request.id },
  });
  // The target may hold the end too (PostgreSQL VALID UNTIL): re-apply the grant with the new end.
  events.push({ name: "access/grant.extended", data: { grantId: grant.id, endsAt: endsAt.toISOString() }, id: `grant-extended-${request.id}` });
  return grant.id;
}
