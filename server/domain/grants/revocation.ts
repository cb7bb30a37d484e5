import { systemActor, type Actor } from "@/server/actor";
import type { RevokeOutcome } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { connectorRows, grantSpecById, grantSpecFor, grantSpecsByIds, withConnector, type GrantSpecRow } from "@/server/domain/connectors/instance";
import { claimDueRevocations, claimOverdueRevocationAlerts, markExpiredGrants } from "@/server/domain/grants/claims";
import { notifyGrant, notifyGrants } from "@/server/domain/grants/notify";
import { grantFailureMessage } from "@/server/domain/grants/failure";
import { commitRevocation } from "@/server/domain/grants/revocation-commit";
import { REVOKE_ALERT_AFTER_MS, REVOKE_RETRY, retryDelayMs, SWEEP_BATCH } from "@/server/domain/lifecycle/backoff";
import { DomainError } from "@/server/errors";

export interface RevokeResult {
  grantId: string;
  status: "revoked" | "retrying" | "skipped";
  error?: string;
}

export interface RevokeOptions {
  /** Grants one call claims at most. */
  limit?: number;
  /** Only these grants (a timer, an event); without it, a sweep over every due grant. */
  grantIds?: readonly string[];
  /** Who the ledger names; the revoker job by default. */
  actor?: Actor;
  /** Lease of the claim (tests shorten it to play a worker that dies). */
  leaseMs?: number;
  /** Overdue revocations alert admins after this long (tests shorten it). */
  alertAfterMs?: number;
}


/**
 * The one revocation path. The per-grant timer, the sweeper, release, admin revoke and reconciliation all
 * end here: the grant is REVOKING (by the database clock or by a person), a worker claims it, the
 * connector removes this grant's access (other grants' access stays: targets hold one object per grant),
 * and one conditional update REVOKING → REVOKED writes the single `access/grant.revoked` event.
 * A failure retries every few seconds, forever; admins are alerted once a revocation is overdue.
 */
export async function revokeDueGrants(db: Db, options: RevokeOptions = {}): Promise<RevokeResult[]> {
  const sweep = !options.grantIds;
  await markExpiredGrants(db, options.grantIds);
  if (sweep) {
    // Alerting must never stand in the way of revoking.
    await alertOverdueRevocations(db, options.alertAfterMs).catch((error: unknown) => console.warn(`[keycard:revoke] could not alert on overdue revocations: ${messageOf(error)}`));
  }
  const ids = await claimDueRevocations(db, options.limit ?? SWEEP_BATCH, { ids: options.grantIds, leaseMs: options.leaseMs });
  return revokeClaimedGrants(db, ids, options);
}

/**
 * Revokes grants this worker has claimed. All of them at once: each target's concurrency is bounded by
 * its connector (withConnector), and the ledger writes are grouped (commitRevocation).
 */
export async function revokeClaimedGrants(db: Db, ids: readonly string[], options: Pick<RevokeOptions, "actor" | "alertAfterMs"> = {}): Promise<RevokeResult[]> {
  if (!ids.length) return [];
  const grants = await grantSpecsByIds(db, ids);
  const rows = await connectorRows(db, grants.map((g) => g.resource.connectorId));
  const actor = options.actor ?? systemActor("revoker");
  return Promise.all(grants.map((grant) => revokeOne(db, grant, rows.get(grant.resource.connectorId ?? ""), actor, options.alertAfterMs)));
}

async function revokeOne(db: Db, grant: GrantSpecRow, row: Parameters<typeof withConnector>[0] | undefined, actor: Actor, alertAfterMs?: number): Promise<RevokeResult> {
  if (grant.status !== "REVOKING") return { grantId: grant.id, status: "skipped" };
  let outcome: RevokeOutcome;
  try {
    // A resource whose connector was removed cannot be cleaned: keep retrying and alerting, never drop it.
    if (!row) throw new DomainError("VALIDATION", `${grant.resource.name} has no connector configured.`);
    outcome = await withConnector(row, (connector) => connector.revoke(grantSpecFor(grant)));
  } catch (error) {
    return recordRevokeFailure(db, grant.id, error, alertAfterMs);
  }
  try {
    return { grantId: grant.id, status: (await commitRevocation(db, grant, outcome, actor)) ? "revoked" : "skipped" };
  } catch (error) {
    // The target is clean but the database refused the write: the lease runs out and the next worker
    // repeats the idempotent revoke and the write.
    return { grantId: grant.id, status: "retrying", error: messageOf(error) };
  }
}

/** When a revocation became due: the end, or the release / admin revoke if that came first. */
function dueAt(grant: { endsAt: Date; revokeRequestedAt: Date | null }): Date {
  return grant.revokeRequestedAt && grant.revokeRequestedAt < grant.endsAt ? grant.revokeRequestedAt : grant.endsAt;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}

async function recordRevokeFailure(db: Db, grantId: string, error: unknown, alertAfterMs = REVOKE_ALERT_AFTER_MS): Promise<RevokeResult> {
  const message = grantFailureMessage(error, grantId, "revocation");
  try {
    await db.$transaction(async (tx) => {
      const grant = await grantSpecById(tx, grantId, { lock: true });
      if (grant?.status !== "REVOKING") return;
      const now = await dbNow(tx);
      const due = dueAt(grant);
      const alert = !grant.failureAlertedAt && now.getTime() - due.getTime() >= alertAfterMs;
      await tx.grant.update({
        where: { id: grantId },
        data: {
          lastError: message,
          // Never give up; retry soon (capped) so access ends as soon as the target is back.
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(grant.attempts, REVOKE_RETRY)),
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
          episode: due,
        });
      }
    });
  } catch {
    // The database is failing too: the lease runs out and the next worker retries.
  }
  return { grantId, status: "retrying", error: message };
}

/**
 * Alerts admins about every revocation still not done REVOKE_ALERT_AFTER_MS after it was due — whether
 * its attempts fail, hang, or nobody is attempting it (a dead worker's lease). Marked and notified in one
 * transaction, so an alert is neither lost nor sent twice.
 */
export async function alertOverdueRevocations(db: Db, afterMs = REVOKE_ALERT_AFTER_MS): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const ids = await claimOverdueRevocationAlerts(tx, afterMs);
    if (!ids.length) return [];
    const grants = await grantSpecsByIds(tx, ids);
    await notifyGrants(
      tx,
      "revoke_failing",
      grants.map((grant) => ({
        grantId: grant.id,
        identityId: grant.identity.id,
        resourceName: grant.resource.name,
        accessLevelName: grant.accessLevel.name,
        endsAt: grant.endsAt,
        error: grant.lastError ?? "the revocation has not completed yet (the target may be hanging, or its worker stopped)",
        attempts: grant.attempts,
        episode: dueAt(grant),
      })),
    );
    return ids;
  });
}
