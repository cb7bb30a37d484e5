import type { Actor } from "@/server/actor";
import type { RevokeOutcome } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { dbClock } from "@/server/domain/grants/claims";
import { notifyGrants } from "@/server/domain/grants/notify";
import { Prisma, type RevocationReason } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";

/** What the commit needs to know about a grant whose access is gone from the target. */
export interface RevokedGrant {
  id: string;
  endsAt: Date;
  requestId: string;
  resourceId: string;
  revocationReason: RevocationReason | null;
  identity: { id: string; name: string };
  accessLevel: { name: string };
  resource: { name: string };
}

interface PendingCommit {
  grant: RevokedGrant;
  outcome: RevokeOutcome;
  actor: Actor;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Ledger events one transaction appends at most. Grouping saves commits, but a revocation that finishes
 * while a big group is committing waits for all of it: a moderate cap keeps the early ones early.
 */
const MAX_BATCH = 64;

/**
 * Transactions committing at once. Two: while one holds the ledger's lock for its appends, the next
 * already marks its grants REVOKED and writes its notifications, then waits only for the lock.
 */
const IN_FLIGHT = 2;

interface Queue {
  items: PendingCommit[];
  inFlight: number;
}

const queues = new WeakMap<Db, Queue>();

/**
 * Records that a grant's access is gone: REVOKING → REVOKED and its single `access/grant.revoked` event,
 * in one transaction. Resolves false when someone else recorded it first (their event is the one).
 *
 * Commits are grouped: while a transaction is committing, the revocations finished meanwhile queue up
 * and go together in the next. Every ledger append is serialised by the ledger's lock, so a burst of a
 * thousand grants ending in the same second would otherwise wait on a thousand commits in a row; grouped,
 * it waits on a handful. Exactly-once does not depend on the grouping: the UPDATE is conditional on
 * REVOKING, per grant, under the row lock.
 */
export function commitRevocation(db: Db, grant: RevokedGrant, outcome: RevokeOutcome, actor: Actor): Promise<boolean> {
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = { items: [], inFlight: 0 }));
  const pending = new Promise<boolean>((resolve, reject) => queue.items.push({ grant, outcome, actor, resolve, reject }));
  pump(db, queue);
  return pending;
}

function pump(db: Db, queue: Queue): void {
  while (queue.items.length && queue.inFlight < IN_FLIGHT) {
    const batch = queue.items.splice(0, MAX_BATCH);
    queue.inFlight += 1;
    void commitGroup(db, batch).finally(() => {
      queue.inFlight -= 1;
      pump(db, queue);
    });
  }
}

async function commitGroup(db: Db, batch: PendingCommit[]): Promise<void> {
  try {
    const committed = await commitBatch(db, batch);
    for (const item of batch) item.resolve(committed.has(item.grant.id));
  } catch (error) {
    if (batch.length === 1) {
      batch[0]?.reject(error);
      return;
    }
    // One bad row must not hold back the others: commit them one by one.
    for (const item of batch) {
      try {
        item.resolve((await commitBatch(db, [item])).has(item.grant.id));
      } catch (single) {
        item.reject(single);
      }
    }
  }
}

async function commitBatch(db: Db, batch: PendingCommit[]): Promise<Set<string>> {
  return db.$transaction(
    async (tx) => {
      const ids = Prisma.join(batch.map((item) => Prisma.sql`${item.grant.id}::uuid`));
      // Rows are locked in id order (two workers finishing overlapping batches never deadlock), and all
      // of them before the ledger's lock, like every other writer of grants.
      const updated = await tx.$queryRaw<{ id: string; lag_ms: number }[]>`
        UPDATE "Grant" AS g SET status = 'REVOKED', "revokedAt" = ${dbClock}, "credentialCiphertext" = NULL, attempts = 0,
          "nextAttemptAt" = NULL, "lastError" = NULL, "updatedAt" = ${dbClock}
        FROM (SELECT id FROM "Grant" WHERE id IN (${ids}) ORDER BY id FOR UPDATE) AS locked
        WHERE g.id = locked.id AND g.status = 'REVOKING'
        RETURNING g.id, (EXTRACT(EPOCH FROM (g."revokedAt" - g."endsAt")) * 1000)::float8 AS lag_ms`;
      const lagById = new Map(updated.map((row) => [row.id, Number(row.lag_ms)]));
      const done = batch.filter((item) => lagById.has(item.grant.id));
      // Notifications first: the ledger's lock, taken by the first append, is then held only for the
      // appends and the commit.
      await notifyGrants(
        tx,
        "revoked",
        done.map(({ grant }) => ({
          grantId: grant.id,
          identityId: grant.identity.id,
          holderName: grant.identity.name,
          resourceName: grant.resource.name,
          accessLevelName: grant.accessLevel.name,
          endsAt: grant.endsAt,
          reason: grant.revocationReason ?? "EXPIRED",
        })),
      );
      for (const { grant, outcome, actor } of done) {
        const reason = grant.revocationReason ?? "EXPIRED";
        await appendLedgerEvent(tx, {
          action: "access/grant.revoked",
          actor,
          subject: { type: "grant", id: grant.id },
          resourceId: grant.resourceId,
          requestId: grant.requestId,
          grantId: grant.id,
          summary: `${grant.accessLevel.name} on ${grant.resource.name} removed from ${grant.identity.name} (${reason.toLowerCase().replaceAll("_", " ")}${
            outcome.sessionsEnded ? `; ${outcome.sessionsEnded} live session${outcome.sessionsEnded === 1 ? "" : "s"} ended` : ""
          })`,
          data: {
            reason,
            principal: outcome.principal,
            removed: outcome.removed,
            sessionsEnded: outcome.sessionsEnded,
            // From the end to the commit, by the database clock; only meaningful for an expiry.
            lagMs: reason === "EXPIRED" ? Math.max(0, Math.round(lagById.get(grant.id) ?? 0)) : null,
            endsAt: grant.endsAt.toISOString(),
            details: outcome.details,
          },
        });
      }
      return new Set(lagById.keys());
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}
