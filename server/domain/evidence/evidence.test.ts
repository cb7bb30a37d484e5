import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import fs from "node:fs";
import yauzl from "yauzl";
import type { IdentityActor } from "@/server/actor";
import { systemActor } from "@/server/actor";
import { generateEvidencePack } from "@/server/domain/evidence/generate";
import { requestEvidencePack } from "@/server/domain/evidence/mutations";
import { getEvidencePackFile, listEvidencePacks } from "@/server/domain/evidence/queries";
import { evidencePack } from "@/server/jobs/functions/evidence-pack";
import { appendLedgerEvent } from "@/server/ledger";
import { parseCsv, restoreCell } from "@/server/csv";
import type { ExportManifest } from "@/server/ledger/export/manifest";
import { verifyExport } from "@/server/ledger/export/offline-verify";
import { insertSyntheticEvents } from "@/server/ledger/testing";
import { main as verifyExportCommand } from "@/scripts/ledger/verify-export";
import { createPerson } from "@/server/test/fixtures";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let auditor: IdentityActor;
let alice: IdentityActor;
let bob: IdentityActor;
let admin: IdentityActor;
const ids: Record<string, string> = {};
const at = (iso: string) => new Date(iso);

/** A grant with its request, approvals and ledger events, as the access lifecycle would have left them. */
async function grant(options: {
  who: IdentityActor;
  resource: "orders" | "payments";
  level: string;
  justification: string;
  startsAt: string;
  endsAt: string;
  revokedAt?: string;
  approvers?: IdentityActor[];
  breakGlass?: boolean;
  review?: { outcome: string; by: IdentityActor; at: string };
}) {
  const db = database.prisma;
  const resourceId = ids[options.resource]!;
  const accessLevelId = ids[`${options.resource}:${options.level}`]!;
  const request = await db.accessRequest.create({
    data: {
      kind: options.breakGlass ? "BREAK_GLASS" : "STANDARD",
      status: "APPROVED",
      requesterId: options.who.id,
      resourceId,
      accessLevelId,
      justification: options.justification,
      ticketRef: "INC-1",
      startsAt: at(options.startsAt),
      durationMinutes: 60,
      decision: { mode: options.approvers?.length ? "approval" : "auto" },
      createdAt: at(options.startsAt),
      decidedAt: at(options.startsAt),
    },
  });
  for (const approver of options.approvers ?? []) {
    await db.approvalDecision.create({ data: { requestId: request.id, approverId: approver.id, stage: 0, decision: "APPROVE", comment: `ok from ${approver.name}` } });
  }
  const created = await db.grant.create({
    data: {
      requestId: request.id,
      identityId: options.who.id,
      resourceId,
      accessLevelId,
      status: options.revokedAt ? "REVOKED" : "ACTIVE",
      breakGlass: Boolean(options.breakGlass),
      startsAt: at(options.startsAt),
      endsAt: at(options.endsAt),
      activatedAt: at(options.startsAt),
      revokedAt: options.revokedAt ? at(options.revokedAt) : null,
      revocationReason: options.revokedAt ? "EXPIRED" : null,
    },
  });
  if (options.breakGlass) {
    await db.breakGlassReview.create({
      data: { grantId: created.id, dueAt: at(options.endsAt), status: options.review ? "COMPLETED" : "OPEN", reviewerId: options.review?.by.id, outcome: options.review?.outcome, completedAt: options.review ? at(options.review.at) : null },
    });
  }
  await db.$transaction((tx) =>
    appendLedgerEvent(tx, { action: "access/grant.activated", actor: systemActor("provisioner"), subject: { type: "grant", id: created.id }, resourceId, requestId: request.id, grantId: created.id, summary: `${options.level} for ${options.who.name}` }),
  );
  return created;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.prisma;
  auditor = await createPerson(db, ["AUDITOR"], "Audrey Auditor");
  alice = await createPerson(db, ["REQUESTER"], "Alice");
  bob = await createPerson(db, ["APPROVER"], "Bob");
  admin = await createPerson(db, ["ADMIN"], "Ada Admin");
  for (const slug of ["orders", "payments"] as const) {
    const resource = await db.resource.create({ data: { slug, name: `${slug} database`, tier: 1 } });
    ids[slug] = resource.id;
    for (const key of ["read", "write"]) ids[`${slug}:${key}`] = (await db.accessLevel.create({ data: { resourceId: resource.id, key, name: key } })).id;
  }
  const policy = await db.policy.create({ data: { name: "Orders policy", resourceId: ids.orders } });
  await db.policyVersion.create({ data: { policyId: policy.id, version: 1, rules: { approvals: 1 }, createdAt: at("2026-01-01T00:00:00Z") } });
  await db.policyVersion.create({ data: { policyId: policy.id, version: 2, rules: { approvals: 2 }, createdAt: at("2026-03-15T00:00:00Z"), note: "two approvers" } });
  await db.policyVersion.create({ data: { policyId: policy.id, version: 3, rules: { approvals: 3 }, createdAt: at("2026-06-01T00:00:00Z") } });
  await insertSyntheticEvents(db, { count: 200, from: at("2026-02-01T00:00:00Z"), until: at("2026-04-30T00:00:00Z") });

  // In March: two grants on orders (one late revocation), one on payments, one break-glass reviewed.
  await grant({ who: alice, resource: "orders", level: "write", justification: "=fix INC-1 \"quoted\", with comma", startsAt: "2026-03-02T10:00:00Z", endsAt: "2026-03-02T11:00:00Z", revokedAt: "2026-03-02T11:00:20Z", approvers: [bob] });
  await grant({ who: alice, resource: "orders", level: "read", justification: "read-only check", startsAt: "2026-03-20T10:00:00Z", endsAt: "2026-03-20T11:00:00Z", revokedAt: "2026-03-20T11:30:00Z" });
  await grant({ who: bob, resource: "payments", level: "read", justification: "payments audit", startsAt: "2026-03-10T10:00:00Z", endsAt: "2026-03-10T12:00:00Z", revokedAt: "2026-03-10T12:00:05Z", approvers: [admin] });
  await grant({ who: bob, resource: "orders", level: "write", justification: "outage", startsAt: "2026-03-25T03:00:00Z", endsAt: "2026-03-25T04:00:00Z", revokedAt: "2026-03-25T04:00:02Z", breakGlass: true, review: { outcome: "justified", by: admin, at: "2026-03-26T09:00:00Z" } });
  // Outside the period.
  await grant({ who: alice, resource: "orders", level: "read", justification: "in May", startsAt: "2026-05-02T10:00:00Z", endsAt: "2026-05-02T11:00:00Z", revokedAt: "2026-05-02T11:00:01Z" });
});
afterAll(async () => {
  await database.destroy();
});

function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(files));
      zip.readEntry();
    });
  });
}

const csvRecords = (buffer: Buffer) => {
  const [header, ...rows] = [...parseCsv(buffer.toString("utf8"))];
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, restoreCell(row[i]!)])));
};

describe("evidence packs", () => {
  let packId: string;
  let files: Map<string, Buffer>;

  it("queues a pack for a period and records the request in the ledger", async () => {
    const pack = await requestEvidencePack({ periodStart: "2026-03-01", periodEnd: "2026-03-31" }, { actor: auditor, db: database.prisma });
    packId = pack.id;
    expect(pack.status).toBe("QUEUED");
    const event = await database.prisma.ledgerEvent.findFirst({ where: { action: "ledger/evidence_pack.requested", subjectId: pack.id } });
    expect(event?.actorId).toBe(auditor.id);
  });

  it("generates the zip in a job, with progress, and offers it for download", async () => {
    const output = await evidencePack.run({ step: { run: (_id, fn) => fn(), sleepUntil: async () => undefined }, event: { name: "ledger/evidence_pack.requested", data: { packId } }, runner: "local" });
    expect(output).toEqual({ [packId]: "READY" });
    const [listed] = await listEvidencePacks({ actor: auditor, db: database.prisma });
    expect(listed).toMatchObject({ id: packId, status: "READY", progress: 100, summary: expect.objectContaining({ grants: 4, breakGlass: 1, verified: true }) });
    const file = await getEvidencePackFile({ packId }, { actor: auditor, db: database.prisma });
    expect(createHash("sha256").update(fs.readFileSync(file.path)).digest("hex")).toBe(listed!.sha256);
    files = await readZip(file.path);
    expect([...files.keys()].sort()).toEqual(
      ["access-population.csv", "break-glass-reviews.csv", "drift.csv", "ledger-events.jsonl", "manifest.json", "policy-versions.json", "public-key.pem", "summary.html", "verification.json"].sort(),
    );
    // A second run of the same event is a no-op (jobs are retried).
    expect(await generateEvidencePack(database.prisma, packId)).toEqual({ status: "SKIPPED" });
  });

  it("holds the access population: every grant in the period with who, what, why, approvers, times and revocation lag", () => {
    const population = csvRecords(files.get("access-population.csv")!);
    expect(population).toHaveLength(4);
    const first = population.find((g) => g.justification?.startsWith("=fix"))!;
    expect(first).toMatchObject({ requester: alice.name, resource: "orders database", access_level: "write", ticket: "INC-1", approved_by: bob.name, revocation_lag_seconds: "20", break_glass: "no" });
    expect(first.justification).toBe("=fix INC-1 \"quoted\", with comma");
    expect(population.find((g) => g.justification === "read-only check")).toMatchObject({ approved_by: "policy", revocation_lag_seconds: "1800" });
    expect(population.find((g) => g.break_glass === "yes")).toMatchObject({ review_status: "COMPLETED", review_outcome: "justified", reviewer: admin.name });
  });

  it("holds the policy versions in force, break-glass reviews, verification and a readable summary", () => {
    const policies = JSON.parse(files.get("policy-versions.json")!.toString()) as { version: number }[];
    expect(policies.map((p) => p.version)).toEqual([1, 2]);
    expect(csvRecords(files.get("break-glass-reviews.csv")!)).toHaveLength(1);
    expect(JSON.parse(files.get("verification.json")!.toString())).toMatchObject({ ok: true });
    const html = files.get("summary.html")!.toString();
    expect(html).toContain("Access evidence: 2026-03-01 to 2026-03-31");
    expect(html).toMatch(/Late revocations<\/dt><dd>1</);
    expect(html).toContain("SOC 2");
  });

  it("has a signed manifest over every file that verifies offline, and the command says so", async () => {
    const manifest = JSON.parse(files.get("manifest.json")!.toString()) as ExportManifest;
    expect((await verifyExport(files.get("ledger-events.jsonl")!, manifest)).ok).toBe(true);
    for (const listed of manifest.files ?? []) {
      expect(createHash("sha256").update(files.get(listed.name)!).digest("hex")).toBe(listed.sha256);
    }
    const file = await getEvidencePackFile({ packId }, { actor: auditor, db: database.prisma });
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await verifyExportCommand([file.path])).toBe(0);
      expect(await verifyExportCommand([file.path, "--public-key", manifest.publicKey.base64])).toBe(0);
    } finally {
      console.log = log;
    }
  });

  it("scopes a pack to chosen resources", async () => {
    const pack = await requestEvidencePack({ periodStart: "2026-03-01", periodEnd: "2026-03-31", resourceIds: [ids.payments!] }, { actor: auditor, db: database.prisma });
    expect(await generateEvidencePack(database.prisma, pack.id)).toMatchObject({ status: "READY" });
    const scoped = await readZip((await getEvidencePackFile({ packId: pack.id }, { actor: auditor, db: database.prisma })).path);
    expect(csvRecords(scoped.get("access-population.csv")!).map((g) => g.resource)).toEqual(["payments database"]);
    expect(JSON.parse(scoped.get("policy-versions.json")!.toString())).toEqual([]);
  });

  it("refuses bad periods and people who may not export", async () => {
    const ctx = { actor: auditor, db: database.prisma };
    await expect(requestEvidencePack({ periodStart: "2026-03-31", periodEnd: "2026-03-01" }, ctx)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(requestEvidencePack({ periodStart: "2020-01-01", periodEnd: "2026-03-01" }, ctx)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(requestEvidencePack({ periodStart: "2026-02-30", periodEnd: "2026-03-01" }, ctx)).rejects.toThrow(/does not exist/);
    await expect(requestEvidencePack({ periodStart: "2026-03-01", periodEnd: "2026-03-02" }, { actor: alice, db: database.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(getEvidencePackFile({ packId }, { actor: alice, db: database.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
