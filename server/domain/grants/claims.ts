import type { DbOrTx } from "@/server/db";
import { CLAIM_LEASE_MS } from "@/server/domain/lifecycle/backoff";

/**
 * Work on grants is claimed with a lease (nextAttemptAt pushed into the future) under FOR UPDATE SKIP
 * LOCKED, so several workers (Inngest steps, the local runner, the sweeper) never work on one grant at
 * once, and a worker that dies mid-call loses its claim when the lease runs out — the next one retries,
 * which is safe because connectors are idempotent per grant id. All times are the database's.
 */
const lease = `${Math.round(CLAIM_LEASE_MS / 1000)} seconds`;

export async function claimDueProvisions(db: DbOrTx, limit: number, onlyId?: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" SET status = 'PROVISIONING', attempts = attempts + 1,
      "nextAttemptAt" = clock_timestamp() + ${lease}::interval, "updatedAt" = clock_timestamp()
    WHERE id IN (
      SELECT id FROM "Grant"
      WHERE ((status = 'SCHEDULED' AND "startsAt" <= clock_timestamp())
          OR (status = 'PROVISIONING' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= clock_timestamp())))
        AND "endsAt" > clock_timestamp()
        AND (${onlyId ?? null}::uuid IS NULL OR id = ${onlyId ?? null}::uuid)
      ORDER BY "startsAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  return rows.map((row) => row.id);
}

/**
 * Every grant whose window has closed while it still holds (or may hold) access becomes REVOKING, by the
 * database clock. A grant still inside a provisioning lease keeps that lease, so its revoke waits until the
 * provisioner is done (or dead) and cannot race it.
 */
export async function markExpiredGrants(db: DbOrTx, onlyId?: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" SET status = 'REVOKING', "revocationReason" = 'EXPIRED', "revokeRequestedAt" = clock_timestamp(),
      attempts = 0, "failureAlertedAt" = NULL,
      "nextAttemptAt" = CASE WHEN status = 'PROVISIONING' THEN GREATEST("nextAttemptAt", clock_timestamp()) ELSE clock_timestamp() END,
      "updatedAt" = clock_timestamp()
    WHERE status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE') AND "endsAt" <= clock_timestamp()
      AND (${onlyId ?? null}::uuid IS NULL OR id = ${onlyId ?? null}::uuid)
    RETURNING id`;
  return rows.map((row) => row.id);
}

export async function claimDueRevocations(db: DbOrTx, limit: number, onlyId?: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" SET attempts = attempts + 1, "nextAttemptAt" = clock_timestamp() + ${lease}::interval, "updatedAt" = clock_timestamp()
    WHERE id IN (
      SELECT id FROM "Grant"
      WHERE status = 'REVOKING' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= clock_timestamp())
        AND (${onlyId ?? null}::uuid IS NULL OR id = ${onlyId ?? null}::uuid)
      ORDER BY "revokeRequestedAt" NULLS FIRST
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  return rows.map((row) => row.id);
}
