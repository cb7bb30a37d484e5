import { systemActor } from "@/server/actor";
import { isConnectorError } from "@/server/connectors/errors";
import type { GrantOutcome } from "@/server/connectors/types";
import { encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { connectorRows, grantSpecById, grantSpecFor, grantSpecsByIds, withConnector, type ConnectorRowLike, type GrantSpecRow } from "@/server/domain/connectors/instance";
import { announceGrantChange } from "@/server/domain/grants/changes";
import { claimDueProvisions } from "@/server/domain/grants/claims";
import { grantFailureMessage } from "@/server/domain/grants/failure";
import { notifyGrant } from "@/server/domain/grants/notify";
import { recordDrift } from "@/server/domain/grants/reconcile";
import { assertOwnTargetLogin } from "@/server/domain/identities/target-login";
import { MAX_PROVISION_ATTEMPTS, retryDelayMs } from "@/server/domain/lifecycle/backoff";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";
import { formatTime } from "@/server/format";

const actor = systemActor("provisioner");

export interface ProvisionResult {
  grantId: string;
  /** handed_over: released or expired while being provisioned; the revoker may act at once. */
  status: "activated" | "retrying" | "failed" | "skipped" | "handed_over";
  error?: string;
}


/** Provisions every grant whose start has come (and retries due ones). Returns what happened to each. */
export async function provisionDueGrants(db: Db, options: { limit?: number; grantIds?: readonly string[]; leaseMs?: number } = {}): Promise<ProvisionResult[]> {
  const ids = await claimDueProvisions(db, options.limit ?? 100, { ids: options.grantIds, leaseMs: options.leaseMs });
  if (!ids.length) return [];
  const grants = await grantSpecsByIds(db, ids);
  const rows = await connectorRows(db, grants.map((g) => g.resource.connectorId));
  // Side by side; each target's concurrency is bounded by its connector. Each outcome is announced as it
  // commits, so a caller waiting for that grant (the API's ?wait=) answers without polling for it.
  return Promise.all(
    grants.map(async (grant) => {
      const result = await provisionClaimedGrant(db, grant, rows.get(grant.resource.connectorId ?? ""));
      announceGrantChange(grant.id);
      return result;
    }),
  );
}

/**
 * Creates the access in the target, confirms it with verify, then (in one transaction) marks the grant
 * ACTIVE and ledgers it. A crash between the target call and the commit is safe: the claim's lease runs
 * out, the next attempt repeats the idempotent grant (replacing a credential nobody saw).
 */
export async function provisionClaimedGrant(db: Db, grant: GrantSpecRow, row: ConnectorRowLike | undefined): Promise<ProvisionResult> {
  if (grant.status !== "PROVISIONING") return { grantId: grant.id, status: "skipped" };
  // A retry of an ephemeral login whose password was never stored must issue a fresh one.
  const rotateCredential = grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL" && grant.attempts > 1 && !grant.credentialCiphertext;
  const spec = grantSpecFor(grant, { rotateCredential });
  let outcome: GrantOutcome;
  try {
    if (!row) throw new DomainError("VALIDATION", `${grant.resource.name} has no connector configured.`);
    if (grant.accessLevel.mode === "ROLE_ELEVATION") await assertOwnTargetLogin(db, grant.identity);
    outcome = await withConnector(row, async (connector) => {
      const granted = await connector.grant(spec);
      const verified = await connector.verify(spec);
      if (!verified.present) throw new Error(`the target does not show the access after granting it${verified.detail ? ` (${verified.detail})` : ""}`);
      return granted;
    });
  } catch (error) {
    return recordProvisionFailure(db, grant.id, grant.attempts, error);
  }

  const credentialCiphertext = outcome.credential ? encryptSecret(JSON.stringify(outcome.credential), grant.id) : null;
  const result = await db.$transaction(async (tx): Promise<ProvisionResult["status"]> => {
    const current = await grantSpecById(tx, grant.id, { lock: true });
    if (!current) throw new Error(`grant ${grant.id} vanished while being provisioned`);
    if (current.status === "REVOKING") {
      // Released or expired while we were provisioning: hand over, so the revoker removes what we made now.
      await tx.grant.update({ where: { id: grant.id }, data: { nextAttemptAt: new Date(0) } });
      return "handed_over";
    }
    if (current.status === "ACTIVE") {
      // Our lease ran out mid-call and another worker activated it. A rotation of ours replaced the
      // password it stored (a creation never comes after a rotation), so ours is the one that works.
      if (credentialCiphertext && !outcome.created) await tx.grant.update({ where: { id: grant.id }, data: { credentialCiphertext } });
      return "skipped";
    }
    if (current.status !== "PROVISIONING") return "skipped"; // REVOKED or FAILED meanwhile: undone below
    const now = await dbNow(tx);
    await tx.grant.update({
      where: { id: grant.id },
      data: {
        status: "ACTIVE",
        provisionedAt: now,
        verifiedAt: now,
        activatedAt: now,
        targetPrincipal: outcome.principal,
        // What revocation must remove the role from, even if the identity's login in targets changes.
        targetLogin: spec.subject.targetLogin ?? null,
        targetDetails: outcome.details,
        credentialCiphertext: credentialCiphertext ?? current.credentialCiphertext,
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
      },
    });
    await notifyGrant(tx, "activated", { grantId: grant.id, identityId: grant.identity.id, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt });
    await appendLedgerEvent(tx, {
      action: "access/grant.activated",
      actor,
      subject: { type: "grant", id: grant.id },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId: grant.id,
      summary: `${grant.identity.name} now has ${grant.accessLevel.name} on ${grant.resource.name} until ${formatTime(grant.endsAt)}`,
      data: { principal: outcome.principal, details: outcome.details, verified: true, endsAt: grant.endsAt.toISOString(), credentialIssued: Boolean(outcome.credential) },
    });
    return "activated";
  });
  if (result === "skipped") await undoLateProvision(db, grant.id, row);
  return { grantId: grant.id, status: result };
}

/**
 * A provision whose lease ran out while its target call was still running can land after the grant was
 * already revoked (or given up) by another worker. What it created must not outlive the grant: remove it
 * at once, and record it as drift when there was something to remove.
 */
async function undoLateProvision(db: Db, grantId: string, row: ConnectorRowLike | undefined): Promise<void> {
  const grant = await grantSpecById(db, grantId);
  if (!grant || !row || (grant.status !== "REVOKED" && grant.status !== "FAILED")) return;
  try {
    const outcome = await withConnector(row, (connector) => connector.revoke(grantSpecFor(grant)));
    if (!outcome.removed) return;
    await recordDrift(db, actor, grant, {
      summary: `A late provisioning attempt re-created ${grant.identity.name}'s ended ${grant.accessLevel.name} on ${grant.resource.name}; it was removed at once`,
      data: { kind: "late_provision_removed", status: grant.status, principal: outcome.principal, sessionsEnded: outcome.sessionsEnded },
    });
  } catch {
    // The target is unreachable now: reconciliation finds this grant's objects (named by its id) later.
  }
}

async function recordProvisionFailure(db: Db, grantId: string, attempts: number, error: unknown): Promise<ProvisionResult> {
  const message = grantFailureMessage(error, grantId, "provisioning");
  const retryable = !isConnectorError(error) || error.retryable;
  const giveUp = !retryable || attempts >= MAX_PROVISION_ATTEMPTS;
  const status = await db.$transaction(async (tx): Promise<ProvisionResult["status"]> => {
    const grant = await grantSpecById(tx, grantId, { lock: true });
    if (!grant) throw new Error(`grant ${grantId} vanished while being provisioned`);
    const now = await dbNow(tx);
    if (grant.status === "REVOKING") {
      // Released or expired meanwhile: give up our lease so the revoker cleans up whatever we left now.
      await tx.grant.update({ where: { id: grantId }, data: { nextAttemptAt: now } });
      return "handed_over";
    }
    if (grant.status !== "PROVISIONING") return "skipped";
    if (!giveUp) {
      await tx.grant.update({ where: { id: grantId }, data: { lastError: message, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)) } });
      return "retrying";
    }
    // Give up. A FAILED grant must hold nothing: what a partial attempt left is removed just below, and
    // reconciliation removes anything that survives that (target objects are named by grant id).
    await tx.grant.update({ where: { id: grantId }, data: { status: "FAILED", lastError: message, nextAttemptAt: null, revocationReason: "PROVISION_FAILED" } });
    await notifyGrant(tx, "provision_failed", { grantId, identityId: grant.identity.id, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt, error: message });
    await appendLedgerEvent(tx, {
      action: "access/grant.failed",
      actor,
      outcome: "failure",
      subject: { type: "grant", id: grantId },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId,
      summary: `Could not provision ${grant.accessLevel.name} on ${grant.resource.name} for ${grant.identity.name}: ${message}`,
      data: { attempts, error: message, retryable },
    });
    return "failed";
  });
  if (status === "failed") await cleanUpFailedGrant(db, grantId);
  return { grantId, status, error: message };
}

async function cleanUpFailedGrant(db: Db, grantId: string): Promise<void> {
  const grant = await grantSpecById(db, grantId);
  if (!grant || grant.status !== "FAILED") return;
  const rows = await connectorRows(db, [grant.resource.connectorId]);
  const row = rows.get(grant.resource.connectorId ?? "");
  if (!row) return;
  try {
    await withConnector(row, (connector) => connector.revoke(grantSpecFor(grant)));
  } catch {
    // The target is unreachable: reconciliation will find this grant's objects later.
  }
}
