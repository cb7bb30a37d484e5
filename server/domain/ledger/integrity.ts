import { systemActor, type Actor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import type { Db } from "@/server/db";
import { countLedger } from "@/server/domain/ledger/queries";
import { appendLedgerEvent } from "@/server/ledger/append";
import { verificationStart } from "@/server/ledger/archive";
import { latestCheckpoint, signCheckpoint, type CheckpointVerification } from "@/server/ledger/checkpoint";
import { ledgerSigningKey, SigningKeyError, trustedKeyIds } from "@/server/ledger/signing";
import { verifyChain, type ChainVerification } from "@/server/ledger/verify";

/**
 * The ledger's integrity as the ledger page shows it, the auditor's "verify now", and the hourly
 * checkpoint: verify, then sign the head.
 */

export interface VerificationView {
  ok: boolean;
  events: number;
  fromSeq: string;
  untilSeq: string | null;
  durationMs: number;
  checkpoints: number;
  brokenAtSeq: string | null;
  problem: string | null;
  detail: string;
}

export function toVerificationView(result: ChainVerification): VerificationView {
  return {
    ok: result.ok,
    events: result.events,
    fromSeq: result.fromSeq.toString(),
    untilSeq: result.untilSeq?.toString() ?? null,
    durationMs: result.durationMs,
    checkpoints: result.checkpoints,
    brokenAtSeq: result.ok ? null : result.brokenAtSeq.toString(),
    problem: result.ok ? null : result.problem,
    detail: result.ok
      ? `${result.events.toLocaleString("en")} events re-hashed and linked${result.checkpoints ? `; ${result.checkpoints} signed checkpoint${result.checkpoints === 1 ? "" : "s"} valid` : ""}`
      : result.detail,
  };
}

export interface LedgerStatus {
  events: { count: number; exact: boolean };
  head: { seq: string; occurredAt: Date } | null;
  lastCheckpoint: { seq: string; occurredAt: Date; headSeq: string; keyId: string } | null;
  /** The newest checkpoint signed after a successful verification (hourly job or "verify now"). */
  lastVerified: { seq: string; occurredAt: Date; verification: CheckpointVerification } | null;
  /** A failed verification recorded after the last successful one. */
  broken: { seq: string; occurredAt: Date; summary: string } | null;
  publicKey: { keyId: string; base64: string; pem: string; source: "env" | "data-dir" } | { error: string };
}

export async function getLedgerStatus(ctx: Ctx): Promise<LedgerStatus> {
  assertCan(ctx.actor, "ledger:read");
  const [events, head, checkpoint, verified, broken] = await Promise.all([
    countLedger({}, ctx),
    ctx.db.ledgerEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, occurredAt: true } }),
    latestCheckpoint(ctx.db),
    ctx.db.$queryRawUnsafe<{ seq: bigint; occurredAt: Date; verification: CheckpointVerification }[]>(
      `SELECT seq, "occurredAt", data->'verification' AS verification FROM "LedgerEvent"
        WHERE action = 'ledger/checkpoint.signed' AND data->'verification' IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    ),
    ctx.db.ledgerEvent.findFirst({ where: { action: "ledger/chain.broken" }, orderBy: { seq: "desc" }, select: { seq: true, occurredAt: true, summary: true } }),
  ]);
  const lastVerified = verified[0] ?? null;
  let publicKey: LedgerStatus["publicKey"];
  try {
    const key = ledgerSigningKey();
    publicKey = { keyId: key.keyId, base64: key.publicKeyBase64, pem: key.publicKeyPem, source: key.source };
  } catch (error) {
    publicKey = { error: error instanceof SigningKeyError ? error.message : "The signing key could not be read." };
  }
  return {
    events,
    head: head ? { seq: head.seq.toString(), occurredAt: head.occurredAt } : null,
    lastCheckpoint: checkpoint ? { seq: checkpoint.seq.toString(), occurredAt: checkpoint.occurredAt, headSeq: checkpoint.statement.headSeq, keyId: checkpoint.statement.keyId } : null,
    lastVerified: lastVerified ? { seq: lastVerified.seq.toString(), occurredAt: lastVerified.occurredAt, verification: lastVerified.verification } : null,
    broken: broken && (!lastVerified || broken.seq > lastVerified.seq) ? { seq: broken.seq.toString(), occurredAt: broken.occurredAt, summary: broken.summary } : null,
    publicKey,
  };
}

/** The ledger's public key, for admins and third parties who check exports offline. */
export function getLedgerPublicKey(ctx: Ctx) {
  assertCan(ctx.actor, "ledger:read");
  const key = ledgerSigningKey();
  return { keyId: key.keyId, base64: key.publicKeyBase64, pem: key.publicKeyPem, algorithm: "Ed25519" as const };
}

/**
 * Verifies the whole chain now. Success signs a checkpoint over the verified chain (as the hourly job
 * does, so the page's status reflects it); a failure is recorded in the ledger (who found it, where).
 */
export async function verifyLedgerNow(ctx: Ctx): Promise<VerificationView> {
  assertCan(ctx.actor, "ledger:read");
  const start = verificationStart();
  const result = await verifyChain(ctx.db, { ...start, trustedKeyIds: trustedKeyIds() });
  if (!result.ok) await recordBrokenChain(ctx.db, ctx.actor, result);
  else if (result.untilSeq !== null) {
    await signCheckpoint(ctx.db, {
      actor: ctx.actor,
      reason: "after verifying the whole chain",
      verification: { ok: true, scope: "full", fromSeq: start.fromSeq.toString(), untilSeq: result.untilSeq.toString(), events: result.events, durationMs: result.durationMs },
    });
  }
  return toVerificationView(result);
}

async function recordBrokenChain(db: Db, actor: Actor, result: Extract<ChainVerification, { ok: false }>) {
  await db.$transaction((tx) =>
    appendLedgerEvent(tx, {
      action: "ledger/chain.broken",
      actor,
      outcome: "failure",
      subject: { type: "ledger", id: result.brokenAtSeq.toString() },
      summary: `Ledger verification failed at event #${result.brokenAtSeq} (${result.problem}): ${result.detail}`,
      data: { brokenAtSeq: result.brokenAtSeq.toString(), problem: result.problem, detail: result.detail, events: result.events },
    }),
  );
}

/** How often the checkpoint job re-verifies the whole chain rather than only what came since the last one. */
const FULL_VERIFICATION_EVERY_MS = 24 * 3600_000;

/**
 * The hourly checkpoint: verify (incrementally from the last verified checkpoint, or the whole chain
 * once a day), then sign the head. Nothing is signed over a chain that does not verify; the failure is
 * recorded instead. An idle ledger gets no new checkpoint.
 */
export async function runLedgerCheckpoint(db: Db, now = new Date()) {
  const actor = systemActor("ledger-checkpoint");
  const [head, last] = await Promise.all([db.ledgerEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }), latestCheckpoint(db)]);
  if (!head) return { signed: false, reason: "the ledger is empty" };
  if (last && last.seq === head.seq) return { signed: false, reason: "no events since the last checkpoint" };

  const lastFull = await db.ledgerEvent.findFirst({
    where: { action: "ledger/checkpoint.signed", data: { path: ["verification", "scope"], equals: "full" } },
    orderBy: { seq: "desc" },
    select: { occurredAt: true },
  });
  const [lastVerified] = await db.$queryRawUnsafe<{ verification: CheckpointVerification }[]>(
    `SELECT data->'verification' AS verification FROM "LedgerEvent"
      WHERE action = 'ledger/checkpoint.signed' AND data->'verification' IS NOT NULL ORDER BY seq DESC LIMIT 1`,
  );
  const incrementalFrom = lastVerified ? BigInt(lastVerified.verification.untilSeq) + 1n : null;
  const full = !lastFull || now.getTime() - lastFull.occurredAt.getTime() >= FULL_VERIFICATION_EVERY_MS || incrementalFrom === null;
  const start = verificationStart();
  const fromSeq = full ? start.fromSeq : incrementalFrom!;
  const result = await verifyChain(db, { fromSeq, anchorHash: full ? start.anchorHash : undefined, untilSeq: head.seq, trustedKeyIds: trustedKeyIds() });
  if (!result.ok) {
    await recordBrokenChain(db, actor, result);
    return { signed: false, reason: "verification failed", verification: toVerificationView(result) };
  }
  const checkpoint = await signCheckpoint(db, {
    actor,
    verification: { ok: true, scope: full ? "full" : "incremental", fromSeq: fromSeq.toString(), untilSeq: head.seq.toString(), events: result.events, durationMs: result.durationMs },
  });
  return { signed: true, checkpointSeq: checkpoint.seq.toString(), headSeq: checkpoint.statement.headSeq, scope: full ? "full" : "incremental", verification: toVerificationView(result) };
}
