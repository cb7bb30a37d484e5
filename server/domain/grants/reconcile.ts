import { systemActor } from "@/server/actor";
import type { InventoryEntry } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { connectorFromRow, grantSpecFor, grantSpecSelect } from "@/server/domain/connectors/instance";
import { appendLedgerEvent } from "@/server/ledger";

const actor = systemActor("reconciler");

export interface ReconcileReport {
  connectors: number;
  unreachable: string[];
  /** Access present in a target although its grant is over (re-added by hand, or a revoke that silently failed). */
  removed: string[];
  /** Active grants whose access was missing from the target, put back. */
  restored: string[];
}

/**
 * Compares what Keycard says should exist with what each target actually holds (its inventory). Access
 * belonging to a grant that is over is removed and recorded as drift; an active grant missing from the
 * target is re-applied and recorded. Privileges Keycard did not create are left for the standing-privilege
 * report. A target that cannot be read is reported and skipped (nothing is concluded from silence).
 */
export async function reconcileGrants(db: Db, options: { connectorId?: string } = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { connectors: 0, unreachable: [], removed: [], restored: [] };
  const connectors = await db.connector.findMany({ where: { ...(options.connectorId ? { id: options.connectorId } : {}), resources: { some: {} } } });
  for (const row of connectors) {
    report.connectors += 1;
    let inventory: InventoryEntry[];
    try {
      inventory = await connectorFromRow(row).inventory();
      await db.connector.update({ where: { id: row.id }, data: { health: "HEALTHY", lastCheckedAt: new Date(), lastError: null } });
    } catch (error) {
      const message = (error as Error).message.slice(0, 500);
      await db.connector.update({ where: { id: row.id }, data: { health: "FAILING", lastCheckedAt: new Date(), lastError: message } });
      report.unreachable.push(row.name);
      continue;
    }
    const grantIds = [...new Set(inventory.map((entry) => entry.keycardGrantId).filter((id): id is string => Boolean(id)))];
    const grants = grantIds.length ? await db.grant.findMany({ where: { id: { in: grantIds } }, select: grantSpecSelect }) : [];
    const byId = new Map(grants.map((g) => [g.id, g]));

    for (const grantId of grantIds) {
      const grant = byId.get(grantId);
      // In-flight grants (provisioning, revoking) belong to their workers; only settled ones are drift.
      if (!grant || !["REVOKED", "FAILED"].includes(grant.status)) continue;
      const spec = grantSpecFor(grant);
      try {
        const outcome = await connectorFromRow(row).revoke(spec);
        await db.$transaction((tx) =>
          appendLedgerEvent(tx, {
            action: "access/grant.drift_found",
            actor,
            outcome: "failure",
            subject: { type: "grant", id: grant.id },
            resourceId: grant.resourceId,
            requestId: grant.requestId,
            grantId: grant.id,
            summary: `Drift on ${row.name}: ${grant.identity.name}'s ended ${grant.accessLevel.name} on ${grant.resource.name} was present again and was removed`,
            data: { kind: "present_after_end", status: grant.status, principal: outcome.principal, removed: outcome.removed, sessionsEnded: outcome.sessionsEnded },
          }),
        );
        report.removed.push(grant.id);
      } catch {
        // Unreachable for the revoke: the next reconciliation tries again.
      }
    }

    const active = await db.grant.findMany({ where: { status: "ACTIVE", resource: { connectorId: row.id } }, select: grantSpecSelect, take: 5000 });
    for (const grant of active) {
      const connector = connectorFromRow(row);
      try {
        const state = await connector.verify(grantSpecFor(grant));
        if (state.present) continue;
        await connector.grant(grantSpecFor(grant));
        await db.$transaction((tx) =>
          appendLedgerEvent(tx, {
            action: "access/grant.drift_found",
            actor,
            outcome: "failure",
            subject: { type: "grant", id: grant.id },
            resourceId: grant.resourceId,
            requestId: grant.requestId,
            grantId: grant.id,
            summary: `Drift on ${row.name}: ${grant.identity.name}'s active ${grant.accessLevel.name} on ${grant.resource.name} was missing and was restored`,
            data: { kind: "missing_while_active", detail: state.detail ?? null },
          }),
        );
        report.restored.push(grant.id);
      } catch {
        // Try again next time.
      }
    }
  }
  return report;
}

/** After an extension, re-applies the grant so targets that hold the end themselves (VALID UNTIL) move it. */
export async function reapplyGrant(db: Db, grantId: string): Promise<boolean> {
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: grantSpecSelect });
  if (!grant || grant.status !== "ACTIVE") return false;
  const resource = await db.resource.findUnique({ where: { id: grant.resourceId }, select: { connector: true } });
  if (!resource?.connector) return false;
  await connectorFromRow(resource.connector).grant(grantSpecFor(grant));
  return true;
}
