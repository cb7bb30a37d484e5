import type { DbOrTx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { Prisma } from "@/server/generated/prisma/client";
import { CLAIM_LEASE_MS, REVOKE_ALERT_AFTER_MS } from "@/server/domain/lifecycle/backoff";

/**
 * Work on grants is claimed with a lease (nextAttemptAt pushed into the future) under FOR UPDATE SKIP
 * LOCKED, so several workers (Inngest steps, the local runner, the sweeper, several portal instances)
 * never work on one grant at once, and a worker that dies mid-call loses its claim when the lease runs
 * out — the next one retries, which is safe because connectors are idempotent per grant id.
 *
 * All times are the database's. Grant columns are `timestamp(3)` holding UTC (Prisma's convention), so
 * the clock is read as UTC wall time: comparing them with a bare clock_timestamp() would silently shift
 * every deadline by the session's time-zone offset on a server not running in UTC.
 */
export const dbClock = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

function leaseSql(leaseMs: number | undefined) {
  return Prisma.sql`(${dbClock} + ${Math.max(0, Math.round(leaseMs ?? CLAIM_LEASE_MS))}::int * interval '1 millisecond')`;
}

/** `AND id IN (…)` when the caller names grants (a timer, an event), nothing for a sweep. */
function onlyIds(ids: readonly string[] | undefined) {
  if (!ids) return Prisma.empty;
  if (ids.length === 0) return Prisma.sql`AND false`;
  return Prisma.sql`AND id IN (${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))})`;
}

export interface ClaimOptions {
  /** Only these grants (default: any due grant). */
  ids?: readonly string[];
  /** Lease length; tests shorten it to play a worker that dies. */
  leaseMs?: number;
}

export async function claimDueProvisions(db: DbOrTx, limit: number, options: ClaimOptions = {}): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" SET status = 'PROVISIONING', attempts = attempts + 1,
      "nextAttemptAt" = ${leaseSql(options.leaseMs)}, "updatedAt" = ${dbClock}
    WHERE id IN (
      SELECT id FROM "Grant"
      WHERE ((status = 'SCHEDULED' AND "startsAt" <= ${dbClock})
          OR (status = 'PROVISIONING' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${dbClock})))
        AND "endsAt" > ${dbClock}
        ${onlyIds(options.ids)}
      ORDER BY "startsAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  return rows.map((row) => row.id);
}

/**
 * Every grant whose window has closed while it still holds (or may hold) access becomes REVOKING, by the
 * database clock. A grant still inside a provisioning lease keeps that lease, so its revoke waits until the
 * provisioner is done (it then hands over at once) or dead, and cannot race it.
 *
 * Rows are locked in id order and locked rows are skipped: sweepers on several instances and batches of
 * timers run this at the same moment, and an UPDATE that waited for rows in scan order would deadlock
 * with them. A skipped row is busy (an extension, a release, another marker) and is taken by the next
 * sweep or by its timer, which re-checks a few milliseconds later; an extension that commits first wins.
 */
export async function markExpiredGrants(db: DbOrTx, ids?: readonly string[]): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" AS g SET status = 'REVOKING', "revocationReason" = 'EXPIRED', "revokeRequestedAt" = ${dbClock},
      attempts = 0, "failureAlertedAt" = NULL,
      "nextAttemptAt" = CASE WHEN g.status = 'PROVISIONING' THEN GREATEST(g."nextAttemptAt", ${dbClock}) ELSE ${dbClock} END,
      "updatedAt" = ${dbClock}
    FROM (
      SELECT id FROM "Grant"
      WHERE status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE') AND "endsAt" <= ${dbClock}
        ${onlyIds(ids)}
      ORDER BY id
      FOR UPDATE SKIP LOCKED) AS due
    WHERE g.id = due.id
    RETURNING g.id`;
  return rows.map((row) => row.id);
}

export async function claimDueRevocations(db: DbOrTx, limit: number, options: ClaimOptions = {}): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" SET attempts = attempts + 1, "nextAttemptAt" = ${leaseSql(options.leaseMs)}, "updatedAt" = ${dbClock}
    WHERE id IN (
      SELECT id FROM "Grant"
      WHERE status = 'REVOKING' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${dbClock})
        ${onlyIds(options.ids)}
      ORDER BY "revokeRequestedAt" NULLS FIRST
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  return rows.map((row) => row.id);
}

/**
 * Revocations still not done REVOKE_ALERT_AFTER_MS after they were due (the end, or the release/revoke
 * request if earlier) are marked alerted, once per episode, and returned so admins can be told. This
 * does not depend on a failure being recorded: a worker that hangs or dies mid-call is caught too.
 */
export async function claimOverdueRevocationAlerts(db: DbOrTx, afterMs = REVOKE_ALERT_AFTER_MS): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" AS g SET "failureAlertedAt" = ${dbClock}
    FROM (
      SELECT id FROM "Grant"
      WHERE status = 'REVOKING' AND "failureAlertedAt" IS NULL
        AND LEAST(COALESCE("revokeRequestedAt", "endsAt"), "endsAt") <= ${dbClock} - ${Math.round(afterMs)}::int * interval '1 millisecond'
      ORDER BY id
      FOR UPDATE SKIP LOCKED) AS overdue
    WHERE g.id = overdue.id
    RETURNING g.id`;
  return rows.map((row) => row.id);
}

/** The database clock and a grant's state, (timers decide when to wake from it). */
export async function grantClock(db: DbOrTx, ids: readonly string[]): Promise<{ now: Date; grants: Map<string, { status: string; endsAt: Date }> }> {
  const rows = ids.length ? await db.grant.findMany({ where: { id: { in: [...ids] } }, select: { id: true, status: true, endsAt: true } }) : [];
  // Read after the rows: a grant seen as not yet ended is compared with a clock that is no earlier.
  const now = await dbNow(db);
  return { now, grants: new Map(rows.map((row) => [row.id, { status: row.status, endsAt: row.endsAt }])) };
}
