import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { systemActor } from "@/server/actor";
import type { Db } from "@/server/db";
import { collectDrift, collectPolicyVersions, collectPopulation, countUngrantedRequests, type PopulationRow } from "@/server/domain/evidence/collect";
import { evidenceDir, evidenceFilePath, scopeResources } from "@/server/domain/evidence/queries";
import { computeFigures, renderSummaryHtml, type EvidenceFigures } from "@/server/domain/evidence/summary";
import { seqBoundsForTime } from "@/server/domain/ledger/filters";
import { appendLedgerEvent } from "@/server/ledger/append";
import { verificationStart } from "@/server/ledger/archive";
import { checkpointCovering } from "@/server/ledger/checkpoint";
import { csvLine } from "@/server/csv";
import { jsonlRow } from "@/server/ledger/export/formats";
import { MANIFEST_TYPE, signManifest } from "@/server/ledger/export/manifest";
import { readRows } from "@/server/ledger/rows";
import { ledgerSigningKey, trustedKeyIds } from "@/server/ledger/signing";
import { verifyChain, type ChainVerification } from "@/server/ledger/verify";

/**
 * Builds an evidence pack (the `evidence-pack` job runs this): verify the ledger, collect the access
 * population, the policy versions in force, break-glass reviews, drift and the period's ledger events,
 * write a summary and a signed manifest, and zip it all into `<KEYCARD_DATA_DIR>/evidence/<id>.zip`.
 * Progress goes to the pack's row as it goes. Files are staged in a temporary folder first, because
 * the manifest needs every digest before it can be signed and zipped.
 */

/** A pack left RUNNING this long was abandoned (its process died): it may be claimed again. */
const STALE_AFTER_MS = 30 * 60_000;

export async function generateEvidencePack(db: Db, packId: string): Promise<{ status: "READY" | "FAILED" | "SKIPPED"; sha256?: string }> {
  const claimed = await db.evidencePack.updateMany({
    where: { id: packId, OR: [{ status: "QUEUED" }, { status: "RUNNING", startedAt: { lt: new Date(Date.now() - STALE_AFTER_MS) } }] },
    data: { status: "RUNNING", startedAt: new Date(), progress: 1, stage: "Starting", attempts: { increment: 1 }, error: null },
  });
  if (claimed.count === 0) return { status: "SKIPPED" };
  const staging = path.join(evidenceDir(), `${packId}.staging`);
  try {
    const sha256 = await build(db, packId, staging);
    return { status: "READY", sha256 };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.evidencePack.update({ where: { id: packId }, data: { status: "FAILED", error: message.slice(0, 2000), stage: "Failed" } });
    return { status: "FAILED" };
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

interface StagedFile {
  name: string;
  what: string;
  sha256: string;
  bytes: number;
  rows?: number;
}

async function build(db: Db, packId: string, staging: string): Promise<string> {
  const pack = await db.evidencePack.findUniqueOrThrow({ where: { id: packId }, include: { requestedBy: { select: { name: true, email: true } } } });
  const resourceIds = scopeResources(pack.scope);
  const period = { start: pack.periodStart, end: pack.periodEnd, resourceIds };
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const periodLabel = { start: day(pack.periodStart), end: day(new Date(pack.periodEnd.getTime() - 86_400_000)) };
  await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.mkdir(staging, { recursive: true });
  let lastReport = 0;
  const progress = async (value: number, stage: string, force = false) => {
    // At most one progress write a second: the bar is for people, not a log.
    if (!force && Date.now() - lastReport < 1_000) return;
    lastReport = Date.now();
    await db.evidencePack.update({ where: { id: packId }, data: { progress: Math.min(99, Math.round(value)), stage } });
  };
  const files: StagedFile[] = [];
  const stage = async (name: string, what: string, content: string, rows?: number) => {
    const bytes = Buffer.from(content, "utf8");
    await fs.promises.writeFile(path.join(staging, name), bytes);
    files.push({ name, what, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length, rows });
  };

  // 1. The ledger's integrity, end to end, before anything is taken from it.
  await progress(2, "Verifying the ledger", true);
  const [head] = await db.$queryRawUnsafe<{ seq: string | null }[]>(`SELECT max(seq)::text AS seq FROM "LedgerEvent"`);
  const headSeq = BigInt(head?.seq ?? "0");
  const verification = await verifyChain(db, {
    ...verificationStart(),
    trustedKeyIds: trustedKeyIds(),
    untilSeq: headSeq,
    onProgress: (seq) => {
      progress(2 + (28 * Number(seq)) / Math.max(1, Number(headSeq)), `Verifying the ledger (${seq.toLocaleString("en")} of ${headSeq.toLocaleString("en")} events)`).catch(() => undefined);
    },
  });
  await stage("verification.json", "Result of verifying the whole hash chain when the pack was made", `${JSON.stringify(verification, bigintJson, 2)}\n`);

  // 2. The access population and what governed it.
  await progress(32, "Collecting the access population", true);
  const population = await collectPopulation(db, period);
  await stage("access-population.csv", "Every grant in the period: requester, resource, level, justification, ticket, approvers, times, revocation and lag, break-glass", populationCsv(population), population.length);
  await progress(40, "Collecting policy versions, break-glass reviews and drift", true);
  const policies = await collectPolicyVersions(db, period);
  await stage("policy-versions.json", "Every policy version in force during the period, with its rules", `${JSON.stringify(policies, null, 2)}\n`, policies.length);
  const breakGlass = population.filter((g) => g.breakGlass);
  await stage("break-glass-reviews.csv", "Break-glass grants and their mandatory reviews", breakGlassCsv(breakGlass), breakGlass.length);
  const bounds = await seqBoundsForTime(db, { from: pack.periodStart, until: pack.periodEnd });
  const range = bounds ? { low: bounds.low ?? 1n, high: bounds.high ?? headSeq } : null;
  const drift = range ? await collectDrift(db, range, resourceIds) : [];
  await stage(
    "drift.csv",
    "Access found in targets outside Keycard (drift) and what reconciliation did",
    csvLine(["seq", "occurred_at", "resource", "grant_id", "outcome", "summary", "data"]) +
      drift.map((d) => csvLine([d.seq, d.occurredAt.toISOString(), d.resource, d.grantId, d.outcome, d.summary, JSON.stringify(d.data)])).join(""),
    drift.length,
  );
  const ungranted = await countUngrantedRequests(db, period);

  // 3. The period's ledger events, re-hashable one by one (and chain-checkable when unscoped).
  await progress(50, "Writing the period's ledger events", true);
  const events = await writeLedgerEvents(db, path.join(staging, "ledger-events.jsonl"), range, resourceIds, (done) =>
    progress(50 + (35 * done) / Math.max(1, Number(range ? range.high - range.low + 1n : 1n)), `Writing the period's ledger events (${done.toLocaleString("en")})`),
  );

  // 4. Summary and signed manifest.
  await progress(88, "Signing the manifest", true);
  const actor = systemActor("evidence-pack");
  const checkpoint = await checkpointCovering(db, headSeq, actor);
  const key = ledgerSigningKey();
  const figures = computeFigures({ population, policies, drift, ungranted, ledgerEvents: events.rows, periodEnd: pack.periodEnd });
  const scopeText = resourceIds.length ? (await db.resource.findMany({ where: { id: { in: resourceIds } }, select: { name: true } })).map((r) => r.name).join(", ") : "all resources";
  const generatedAt = new Date().toISOString();
  const generatedBy = pack.requestedBy.email ?? pack.requestedBy.name;
  const eventsFile: StagedFile = { name: "ledger-events.jsonl", what: "The period's ledger events (JSON Lines), each re-hashable", ...events };
  const summaryHtml = renderSummaryHtml(figures, {
    packId,
    periodStart: periodLabel.start,
    periodEnd: periodLabel.end,
    scope: scopeText,
    generatedAt,
    generatedBy,
    verification: { ok: verification.ok, events: verification.events, detail: verificationText(verification) },
    checkpoint: { seq: checkpoint.seq.toString(), headSeq: checkpoint.statement.headSeq, keyId: checkpoint.statement.keyId, signedAt: checkpoint.statement.signedAt },
    publicKeyBase64: key.publicKeyBase64,
    files: [...files, eventsFile],
  });
  await stage("summary.html", "This summary", summaryHtml);
  const manifest = signManifest(
    {
      type: MANIFEST_TYPE,
      v: 1,
      exportId: packId,
      file: "ledger-events.jsonl",
      format: "jsonl",
      bom: false,
      createdAt: generatedAt,
      createdBy: generatedBy,
      filters: { from: periodLabel.start, to: periodLabel.end, ...(resourceIds.length ? { resources: resourceIds } : {}) },
      rows: events.rows,
      bytes: events.bytes,
      sha256: events.sha256,
      chain: { headSeq: headSeq.toString(), firstSeq: events.firstSeq, lastSeq: events.lastSeq, firstHash: events.firstHash, lastHash: events.lastHash, contiguous: resourceIds.length === 0 },
      checkpoint: { seq: checkpoint.seq.toString(), statement: checkpoint.statement, signature: checkpoint.signature, publicKey: checkpoint.publicKey },
      publicKey: { keyId: key.keyId, base64: key.publicKeyBase64, pem: key.publicKeyPem },
      files: files.map(({ name, sha256, bytes, rows }) => ({ name, sha256, bytes, ...(rows === undefined ? {} : { rows }) })),
    },
    key,
  );
  await fs.promises.writeFile(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.promises.writeFile(path.join(staging, "public-key.pem"), key.publicKeyPem);

  // 5. The zip, written beside its final name and renamed into place only when complete.
  await progress(95, "Writing the zip", true);
  const target = evidenceFilePath(packId);
  const partial = `${target}.partial`;
  const zip = new yazl.ZipFile();
  const mtime = new Date(generatedAt);
  for (const name of ["summary.html", "manifest.json", "public-key.pem", "access-population.csv", "break-glass-reviews.csv", "policy-versions.json", "drift.csv", "verification.json", "ledger-events.jsonl"]) {
    // The staging folder is made at run time: nothing in the project for the build to trace here.
    zip.addFile(path.join(/*turbopackIgnore: true*/ staging, name), name, { mtime });
  }
  zip.end();
  const zipHash = createHash("sha256");
  let size = 0;
  zip.outputStream.on("data", (chunk: Buffer) => {
    zipHash.update(chunk);
    size += chunk.length;
  });
  await pipeline(zip.outputStream, fs.createWriteStream(partial));
  await fs.promises.rename(partial, target);
  const sha256 = zipHash.digest("hex");

  const summary = { ...figuresSummary(figures), verified: verification.ok, verificationDetail: verificationText(verification) };
  await db.$transaction(async (tx) => {
    await tx.evidencePack.update({ where: { id: packId }, data: { status: "READY", progress: 100, stage: "Ready", sha256, sizeBytes: size, summary, completedAt: new Date() } });
    await appendLedgerEvent(tx, {
      action: "ledger/evidence_pack.generated",
      actor,
      subject: { type: "evidence_pack", id: packId },
      summary: `Evidence pack for ${periodLabel.start} to ${periodLabel.end} generated: ${figures.grants} grants, ledger ${verification.ok ? "verified" : "NOT verified"} (SHA-256 ${sha256.slice(0, 12)}…)`,
      data: { packId, sha256, sizeBytes: size, manifestSignature: manifest.signature, files: manifest.files ?? [], verified: verification.ok },
    });
  });
  return sha256;
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function verificationText(result: ChainVerification): string {
  return result.ok
    ? `all ${result.events.toLocaleString("en")} events re-hashed and linked${result.lastCheckpoint ? `, ${result.checkpoints} signed checkpoints valid` : ""}`
    : `broken at event #${result.brokenAtSeq} (${result.problem}): ${result.detail}`;
}

function figuresSummary(figures: EvidenceFigures): Record<string, number | null> {
  return {
    grants: figures.grants,
    people: figures.people,
    resources: figures.resources,
    breakGlass: figures.breakGlass,
    breakGlassOpen: figures.breakGlassOpen,
    lateRevocations: figures.lateRevocations,
    revocationLagP95Seconds: figures.revocationLagP95Seconds,
    ledgerEvents: figures.ledgerEvents,
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const POPULATION_COLUMNS = [
  "grant_id", "request_id", "status", "requester", "requester_email", "requester_kind", "resource", "resource_tier", "access_level",
  "request_kind", "justification", "ticket", "requested_at", "approved_by", "approvals", "decided_at", "starts_at", "ends_at",
  "activated_at", "revoke_requested_at", "revoked_at", "revocation_reason", "revocation_lag_seconds", "break_glass",
  "review_status", "review_outcome", "reviewer", "reviewed_at",
] as const;

export function populationCsv(rows: PopulationRow[]): string {
  let out = csvLine(POPULATION_COLUMNS);
  for (const g of rows) {
    out += csvLine([
      g.grantId, g.requestId, g.status, g.requester, g.requesterEmail, g.requesterKind, g.resource, String(g.resourceTier), g.accessLevel,
      g.requestKind, g.justification, g.ticketRef, iso(g.requestedAt), g.approvedBy,
      g.approvals.map((a) => `${a.name} ${a.decision.toLowerCase()} ${a.at}${a.comment ? `: ${a.comment}` : ""}`).join(" | "),
      iso(g.decidedAt), iso(g.startsAt), iso(g.endsAt), iso(g.activatedAt), iso(g.revokeRequestedAt), iso(g.revokedAt), g.revocationReason,
      g.revocationLagSeconds === null ? null : String(g.revocationLagSeconds), g.breakGlass ? "yes" : "no",
      g.reviewStatus, g.reviewOutcome, g.reviewer, iso(g.reviewedAt),
    ]);
  }
  return out;
}

function breakGlassCsv(rows: PopulationRow[]): string {
  let out = csvLine(["grant_id", "requester", "resource", "access_level", "reason", "starts_at", "revoked_at", "review_status", "review_due_at", "reviewer", "review_outcome", "review_notes", "reviewed_at"]);
  for (const g of rows) {
    out += csvLine([g.grantId, g.requester, g.resource, g.accessLevel, g.justification, iso(g.startsAt), iso(g.revokedAt), g.reviewStatus ?? "MISSING", iso(g.reviewDueAt), g.reviewer, g.reviewOutcome, g.reviewNotes, iso(g.reviewedAt)]);
  }
  return out;
}

async function writeLedgerEvents(
  db: Db,
  file: string,
  range: { low: bigint; high: bigint } | null,
  resourceIds: string[],
  onProgress: (done: number) => Promise<void>,
): Promise<{ sha256: string; bytes: number; rows: number; firstSeq: string | null; lastSeq: string | null; firstHash: string | null; lastHash: string | null }> {
  const out = fs.createWriteStream(file);
  const hash = createHash("sha256");
  let bytes = 0;
  let rows = 0;
  let first: { seq: string; hash: string } | null = null;
  let last: { seq: string; hash: string } | null = null;
  if (range) {
    const where = resourceIds.length ? { sql: `"resourceId" = ANY($1::uuid[])`, params: [resourceIds] } : undefined;
    for await (const batch of readRows(db, { fromSeq: range.low, untilSeq: range.high, where })) {
      let text = "";
      for (const row of batch) text += jsonlRow(row);
      const chunk = Buffer.from(text, "utf8");
      hash.update(chunk);
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      first ??= { seq: batch[0]!.seq, hash: batch[0]!.hash };
      last = { seq: batch[batch.length - 1]!.seq, hash: batch[batch.length - 1]!.hash };
      rows += batch.length;
      await onProgress(rows);
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { sha256: hash.digest("hex"), bytes, rows, firstSeq: first?.seq ?? null, lastSeq: last?.seq ?? null, firstHash: first?.hash ?? null, lastHash: last?.hash ?? null };
}
