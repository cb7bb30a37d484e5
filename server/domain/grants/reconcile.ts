import { systemActor, type Actor } from "@/server/actor";
import type { InventoryEntry } from "@/server/connectors/types";
import { encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { grantSpecById, grantSpecFor, grantSpecSelect, withConnector, type ConnectorRowLike, type GrantSpecRow } from "@/server/domain/connectors/instance";
import { appendLedgerEvent } from "@/server/ledger";

const reconciler = systemActor("reconciler");

/** Active grants this close to their end are left to the revoker, never re-applied. */
const END_MARGIN_MS = 5_000;

export interface ReconcileReport {
  connectors: number;
  unreachable: string[];
  /** Access present in a target although its grant is over (re-added by hand, or a revoke that silently failed). */
  removed: string[];
  /** Active grants whose access was missing from the target, put back. */
  restored: string[];
  /** Active grants checked with verify. */
  checked: number;
}



/**
 * Compares what Keycard says should exist with what each target actually holds (its inventory). Access
 * belonging to a grant that is over is removed and recorded as drift; an active grant missing from the
 * target is re-applied and recorded. Privileges Keycard did not create are left for the standing-privilege
 * report. A target that cannot be read is reported and skipped (nothing is concluded from silence).
 */
export async function reconcileGrants(db: Db, options: { connectorId?: string; actor?: Actor } = {}): Promise<ReconcileReport> {
  const actor = options.actor ?? reconciler;
  const report: ReconcileReport = { connectors: 0, unreachable: [], removed: [], restored: [], checked: 0 };
  const connectors = await db.connector.findMany({ where: { ...(options.connectorId ? { id: options.connectorId } : {}), resources: { some: {} } } });
  for (const row of connectors) {
    report.connectors += 1;
    let inventory: InventoryEntry[];
    try {
      inventory = await withConnector(row, (connector) => connector.inventory());
      await db.connector.update({ where: { id: row.id }, data: { health: "HEALTHY", lastCheckedAt: await dbNow(db), lastError: null } });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      await db.connector.update({ where: { id: row.id }, data: { health: "FAILING", lastCheckedAt: await dbNow(db), lastError: message } });
      report.unreachable.push(row.name);
      continue;
    }
    await removeEndedAccess(db, row, inventory, actor, report);
    await restoreMissingAccess(db, row, actor, report);
  }
  return report;
}

async function removeEndedAccess(db: Db, row: ConnectorRowLike & { name: string }, inventory: InventoryEntry[], actor: Actor, report: ReconcileReport) {
  const grantIds = [...new Set(inventory.map((entry) => entry.keycardGrantId).filter((id): id is string => Boolean(id)))];
  if (!grantIds.length) return;
  // In-flight grants (provisioning, revoking) belong to their workers; only settled ones are drift.
  const ended = await db.grant.findMany({ where: { id: { in: grantIds }, status: { in: ["REVOKED", "FAILED"] } }, select: grantSpecSelect });
  await Promise.all(
    ended.map(async (grant) => {
      try {
        const outcome = await withConnector(row, (connector) => connector.revoke(grantSpecFor(grant)));
        await recordDrift(db, actor, grant, {
          summary: `Drift on ${row.name}: ${grant.identity.name}'s ended ${grant.accessLevel.name} on ${grant.resource.name} was present again and was removed`,
          data: { kind: "present_after_end", connectorId: row.id, status: grant.status, principal: outcome.principal, removed: outcome.removed, sessionsEnded: outcome.sessionsEnded },
        });
        report.removed.push(grant.id);
      } catch {
        // Unreachable for the revoke: the next reconciliation tries again.
      }
    }),
  );
}

async function restoreMissingAccess(db: Db, row: ConnectorRowLike & { name: string }, actor: Actor, report: ReconcileReport) {
  const horizon = new Date((await dbNow(db)).getTime() + END_MARGIN_MS);
  const active = await db.grant.findMany({ where: { status: "ACTIVE", endsAt: { gt: horizon }, resource: { connectorId: row.id } }, select: grantSpecSelect, take: 5000 });
  report.checked += active.length;
  await Promise.all(
    active.map(async (grant) => {
      try {
        const state = await withConnector(row, (connector) => connector.verify(grantSpecFor(grant)));
        if (state.present) return;
        const applied = await applyGrant(db, grant, row);
        if (applied.state !== "applied") return;
        await recordDrift(db, actor, grant, {
          summary: `Drift on ${row.name}: ${grant.identity.name}'s active ${grant.accessLevel.name} on ${grant.resource.name} was missing and was restored`,
          data: { kind: "missing_while_active", connectorId: row.id, detail: state.detail ?? null, credentialReissued: applied.credentialReissued },
        });
        report.restored.push(grant.id);
      } catch {
        // Try again next time.
      }
    }),
  );
}

/** One `access/grant.drift_found` event: access found where the grant says it should not be (or missing). */
export async function recordDrift(db: Db, actor: Actor, grant: GrantSpecRow, event: { summary: string; data: Record<string, string | number | boolean | null> }) {
  await db.$transaction((tx) =>
    appendLedgerEvent(tx, {
      action: "access/grant.drift_found",
      actor,
      outcome: "failure",
      subject: { type: "grant", id: grant.id },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId: grant.id,
      summary: event.summary,
      data: event.data,
    }),
  );
}

/**
 * (Re-)applies an active grant in its target, then checks it is still active. A revoke can complete
 * between reading "ACTIVE" and the target call; without the check, the call would re-create access after
 * its grant ended (the classic "sync re-adds expired users"). If the grant ended meanwhile, what was just
 * applied is removed again at once. A credential issued because the login had to be re-created replaces
 * the holder's old one, which no longer works: it is stored so they can see it (once).
 */
async function applyGrant(db: Db, grant: GrantSpecRow, row: ConnectorRowLike): Promise<{ state: "applied" | "undone"; credentialReissued: boolean }> {
  const spec = grantSpecFor(grant);
  const outcome = await withConnector(row, (connector) => connector.grant(spec));
  const stillActive = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Grant" WHERE id = ${grant.id}::uuid FOR UPDATE`;
    const current = await tx.grant.findUniqueOrThrow({ where: { id: grant.id }, select: { status: true } });
    if (current.status !== "ACTIVE") return false;
    if (outcome.credential) {
      await tx.grant.update({ where: { id: grant.id }, data: { credentialCiphertext: encryptSecret(JSON.stringify(outcome.credential), grant.id) } });
    }
    return true;
  });
  if (stillActive) return { state: "applied", credentialReissued: Boolean(outcome.credential) };
  await withConnector(row, (connector) => connector.revoke(spec));
  return { state: "undone", credentialReissued: false };
}

/** After an extension, re-applies the grant so targets that hold the end themselves (VALID UNTIL) move it. */
export async function reapplyGrant(db: Db, grantId: string): Promise<boolean> {
  const grant = await grantSpecById(db, grantId);
  if (!grant || grant.status !== "ACTIVE") return false;
  const resource = await db.resource.findUnique({ where: { id: grant.resourceId }, select: { connector: true } });
  if (!resource?.connector) return false;
  return (await applyGrant(db, grant, resource.connector)).state === "applied";
}
