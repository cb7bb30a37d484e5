import { systemActor, type Actor } from "@/server/actor";
import type { RevokeOutcome } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { connectorForResource, grantSpecFor, grantSpecSelect } from "@/server/domain/connectors/instance";
import { claimDueRevocations, markExpiredGrants } from "@/server/domain/grants/claims";
import { notifyGrant } from "@/server/domain/grants/notify";
import { REVOKE_ALERT_AFTER_MS, retryDelayMs } from "@/server/domain/lifecycle/backoff";
import { appendLedgerEvent } from "@/server/ledger";

export interface RevokeResult {
  grantId: string;
  status: "revoked" | "retrying" | "skipped";
  error?: string;
}

/**
 * The one revocation path. The per-grant timer, the sweeper, release, admin revoke and reconciliation all
 * end here: the grant is REVOKING (by the database clock or by a person), a worker claims it, the
 * connector removes this grant's access (other grants' access stays: targets hold one object per grant),
 * and one conditional update REVOKING → REVOKED writes the single `access/grant.revoked` event.
 * A failure retries every few seconds, forever, and alerts admins once after REVOKE_ALERT_AFTER_MS.
 */
export async function revokeDueGrants(db: Db, options: { limit?: number; grantId?: string; actor?: Actor } = {}): Promise<RevokeResult[]> {
  await markExpiredGrants(db, options.grantId);
  const ids = await claimDueRevocations(db, options.limit ?? 100, options.grantId);
  // Targets are independent and revocation lag matters: work on several grants at once.
  const results: RevokeResult[] = [];
  const queue = [...ids];
  const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
    for (let id = queue.shift(); id; id = queue.shift()) results.push(await revokeClaimedGrant(db, id, options.actor));
  });
  await Promise.all(workers);
  return results;
}

export async function revokeClaimedGrant(db: Db, grantId: string, byActor?: Actor): Promise<RevokeResult> {
  const actor = byActor ?? systemActor("revoker");
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: grantSpecSelect });
  if (!grant || grant.status !== "REVOKING") return { grantId, status: "skipped" };
  let outcome: RevokeOutcome;
  try {
    const connector = await connectorForResource(db, grant.resourceId);
    outcome = await connector.revoke(grantSpecFor(grant));
  } catch (error) {
    return recordRevokeFailure(db, grantId, error);
  }
  const revoked = await db.$transaction(async (tx) => {
    const now = await dbNow(tx);
    const updated = await tx.grant.updateMany({
      where: { id: grantId, status: "REVOKING" },
      data: { status: "REVOKED", revokedAt: now, credentialCiphertext: null, attempts: 0, nextAttemptAt: null, lastError: null },
    });
    if (updated.count !== 1) return false; // someone else completed it: the ledger already has its event
    const reason = grant.revocationReason ?? "EXPIRED";
    const lagMs = reason === "EXPIRED" ? Math.max(0, now.getTime() - grant.endsAt.getTime()) : null;
    await appendLedgerEvent(tx, {
      action: "access/grant.revoked",
      actor,
      subject: { type: "grant", id: grantId },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId,
      summary: `${grant.accessLevel.name} on ${grant.resource.name} removed from ${grant.identity.name} (${reason.toLowerCase().replaceAll("_", " ")})`,
      data: {
        reason,
        principal: outcome.principal,
        removed: outcome.removed,
        sessionsEnded: outcome.sessionsEnded,
        lagMs,
        endsAt: grant.endsAt.toISOString(),
        details: outcome.details,
      },
    });
    await notifyGrant(tx, "revoked", { grantId, identityId: grant.identity.id, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt, reason });
    return true;
  });
  return { grantId, status: revoked ? "revoked" : "skipped" };
}

async function recordRevokeFailure(db: Db, grantId: string, error: unknown): Promise<RevokeResult> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Grant" WHERE id = ${grantId}::uuid FOR UPDATE`;
    const grant = await tx.grant.findUniqueOrThrow({ where: { id: grantId }, select: grantSpecSelect });
    if (grant.status !== "REVOKING") return;
    const now = await dbNow(tx);
    const since = grant.revokeRequestedAt ?? now;
    const alert = !grant.failureAlertedAt && now.getTime() - since.getTime() >= REVOKE_ALERT_AFTER_MS;
    await tx.grant.update({
      where: { id: grantId },
      data: {
        lastError: message,
        // Never give up; retry soon (capped) so access ends as soon as the target is back.
        nextAttemptAt: new Date(now.getTime() + retryDelayMs(grant.attempts, { baseMs: 1_000, capMs: 15_000 })),
        ...(alert ? { failureAlertedAt: now } : {}),
      },
    });
    if (alert) {
      await notifyGrant(tx, "revoke_failing", {
        grantId,
        identityId: grant.identity.id,
        resourceName: grant.resource.name,
        accessLevelName: grant.accessLevel.name,
        endsAt: grant.endsAt,
        error: message,
        attempts: grant.attempts,
      });
    }
  });
  return { grantId, status: "retrying", error: message };
}

/** The per-grant timer's step: if the grant's window has closed (database clock), revoke it now. */
export async function expireGrantIfDue(db: Db, grantId: string): Promise<{ done: boolean; endsAt: Date | null }> {
  await revokeDueGrants(db, { grantId, limit: 1 });
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: { status: true, endsAt: true } });
  if (!grant || grant.status === "REVOKED" || grant.status === "FAILED") return { done: true, endsAt: null };
  // Still active: extended since the timer started (sleep again until the new end), or a revoke that
  // is failing (the sweeper keeps retrying it).
  return { done: grant.status === "REVOKING", endsAt: grant.endsAt };
}
