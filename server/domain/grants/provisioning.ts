import { systemActor } from "@/server/actor";
import { isConnectorError } from "@/server/connectors/errors";
import type { GrantOutcome } from "@/server/connectors/types";
import { encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { connectorForResource, grantSpecFor, grantSpecSelect } from "@/server/domain/connectors/instance";
import { claimDueProvisions } from "@/server/domain/grants/claims";
import { notifyGrant } from "@/server/domain/grants/notify";
import { MAX_PROVISION_ATTEMPTS, retryDelayMs } from "@/server/domain/lifecycle/backoff";
import { appendLedgerEvent } from "@/server/ledger";

const actor = systemActor("provisioner");

export interface ProvisionResult {
  grantId: string;
  status: "activated" | "retrying" | "failed" | "skipped";
  error?: string;
}

/** Provisions every grant whose start has come (and retries due ones). Returns what happened to each. */
export async function provisionDueGrants(db: Db, options: { limit?: number; grantId?: string } = {}): Promise<ProvisionResult[]> {
  const ids = await claimDueProvisions(db, options.limit ?? 50, options.grantId);
  const results: ProvisionResult[] = [];
  for (const id of ids) results.push(await provisionClaimedGrant(db, id));
  return results;
}

/**
 * Creates the access in the target, confirms it with verify, then (in one transaction) marks the grant
 * ACTIVE and ledgers it. A crash between the target call and the commit is safe: the claim's lease runs
 * out, the next attempt repeats the idempotent grant (replacing a credential nobody saw).
 */
export async function provisionClaimedGrant(db: Db, grantId: string): Promise<ProvisionResult> {
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: grantSpecSelect });
  if (!grant || grant.status !== "PROVISIONING") return { grantId, status: "skipped" };
  // A retry of an ephemeral login whose password was never stored must issue a fresh one.
  const rotateCredential = grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL" && grant.attempts > 1 && !grant.credentialCiphertext;
  const spec = grantSpecFor(grant, { rotateCredential });
  let outcome: GrantOutcome;
  try {
    const connector = await connectorForResource(db, grant.resourceId);
    outcome = await connector.grant(spec);
    const verified = await connector.verify(spec);
    if (!verified.present) throw new Error(`the target does not show the access after granting it${verified.detail ? ` (${verified.detail})` : ""}`);
  } catch (error) {
    return recordProvisionFailure(db, grant.id, grant.attempts, error);
  }

  const activated = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Grant" WHERE id = ${grantId}::uuid FOR UPDATE`;
    const current = await tx.grant.findUniqueOrThrow({ where: { id: grantId }, select: { status: true, credentialCiphertext: true } });
    if (current.status !== "PROVISIONING") {
      // Released or expired while we were provisioning: do not activate; let the revoker act now.
      await tx.grant.update({ where: { id: grantId }, data: { nextAttemptAt: new Date(0) } });
      return false;
    }
    const now = await dbNow(tx);
    await tx.grant.update({
      where: { id: grantId },
      data: {
        status: "ACTIVE",
        provisionedAt: now,
        verifiedAt: now,
        activatedAt: now,
        targetPrincipal: outcome.principal,
        targetDetails: outcome.details,
        credentialCiphertext: outcome.credential ? encryptSecret(JSON.stringify(outcome.credential), grantId) : current.credentialCiphertext,
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
      },
    });
    await appendLedgerEvent(tx, {
      action: "access/grant.activated",
      actor,
      subject: { type: "grant", id: grantId },
      resourceId: grant.resourceId,
      requestId: grant.requestId,
      grantId,
      summary: `${grant.identity.name} now has ${grant.accessLevel.name} on ${grant.resource.name} until ${grant.endsAt.toISOString()}`,
      data: { principal: outcome.principal, details: outcome.details, verified: true, endsAt: grant.endsAt.toISOString(), credentialIssued: Boolean(outcome.credential) },
    });
    await notifyGrant(tx, "activated", { grantId, identityId: grant.identity.id, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt });
    return true;
  });
  return { grantId, status: activated ? "activated" : "skipped" };
}

async function recordProvisionFailure(db: Db, grantId: string, attempts: number, error: unknown): Promise<ProvisionResult> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  const retryable = !isConnectorError(error) || error.retryable;
  const giveUp = !retryable || attempts >= MAX_PROVISION_ATTEMPTS;
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Grant" WHERE id = ${grantId}::uuid FOR UPDATE`;
    const grant = await tx.grant.findUniqueOrThrow({ where: { id: grantId }, select: grantSpecSelect });
    if (grant.status !== "PROVISIONING") return;
    if (!giveUp) {
      await tx.grant.update({ where: { id: grantId }, data: { lastError: message, nextAttemptAt: new Date(Date.now() + retryDelayMs(attempts)) } });
      return;
    }
    // Give up. A FAILED grant must hold nothing: what a partial attempt left is removed just below, and
    // reconciliation removes anything that survives that (target objects are named by grant id).
    await tx.grant.update({ where: { id: grantId }, data: { status: "FAILED", lastError: message, nextAttemptAt: null, revocationReason: "PROVISION_FAILED" } });
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
    await notifyGrant(tx, "provision_failed", { grantId, identityId: grant.identity.id, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt, error: message });
  });
  if (giveUp) await cleanUpFailedGrant(db, grantId);
  return { grantId, status: giveUp ? "failed" : "retrying", error: message };
}

async function cleanUpFailedGrant(db: Db, grantId: string): Promise<void> {
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: grantSpecSelect });
  if (!grant || grant.status !== "FAILED") return;
  try {
    await (await connectorForResource(db, grant.resourceId)).revoke(grantSpecFor(grant));
  } catch {
    // The target is unreachable: reconciliation will find this grant's objects later.
  }
}
