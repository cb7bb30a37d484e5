import fs from "node:fs";
import path from "node:path";
import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { ZEvidencePackIdInput } from "@/server/domain/evidence/schema";
import { DomainError } from "@/server/errors";

/** Where packs are written: `<KEYCARD_DATA_DIR>/evidence/`. Production mounts a shared volume there. */
export function evidenceDir(): string {
  return path.join(process.env.KEYCARD_DATA_DIR || ".data", "evidence");
}

export function evidenceFilePath(packId: string): string {
  return path.join(evidenceDir(), `${packId}.zip`);
}

export function evidenceFileName(pack: { id: string; periodStart: Date; periodEnd: Date }): string {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const lastDay = new Date(pack.periodEnd.getTime() - 86_400_000);
  return `keycard-evidence-${day(pack.periodStart)}_${day(lastDay)}-${pack.id.slice(0, 8)}.zip`;
}

export interface EvidencePackItem {
  id: string;
  status: "QUEUED" | "RUNNING" | "READY" | "FAILED";
  progress: number;
  stage: string | null;
  periodStart: Date;
  /** The last day included (the stored end is exclusive). */
  periodLastDay: Date;
  resources: string[];
  requestedBy: string;
  createdAt: Date;
  completedAt: Date | null;
  sha256: string | null;
  sizeBytes: number | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  fileName: string;
}

/** The newest evidence packs, for the ledger page's list (it polls while one is being generated). */
export async function listEvidencePacks(ctx: Ctx, limit = 20): Promise<EvidencePackItem[]> {
  assertCan(ctx.actor, "ledger:export");
  const packs = await ctx.db.evidencePack.findMany({
    orderBy: { createdAt: "desc" },
    take: limit,
    include: { requestedBy: { select: { name: true } } },
  });
  const resourceIds = [...new Set(packs.flatMap((pack) => scopeResources(pack.scope)))];
  const resources = resourceIds.length ? await ctx.db.resource.findMany({ where: { id: { in: resourceIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(resources.map((r) => [r.id, r.name]));
  return packs.map((pack) => ({
    id: pack.id,
    status: pack.status,
    progress: pack.progress,
    stage: pack.stage,
    periodStart: pack.periodStart,
    periodLastDay: new Date(pack.periodEnd.getTime() - 86_400_000),
    resources: scopeResources(pack.scope).map((id) => names.get(id) ?? id),
    requestedBy: pack.requestedBy.name,
    createdAt: pack.createdAt,
    completedAt: pack.completedAt,
    sha256: pack.sha256,
    sizeBytes: pack.sizeBytes,
    summary: (pack.summary as Record<string, unknown> | null) ?? null,
    error: pack.error,
    fileName: evidenceFileName(pack),
  }));
}

export function scopeResources(scope: unknown): string[] {
  const ids = (scope as { resourceIds?: unknown } | null)?.resourceIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/** A finished pack's file, for the download route. */
export async function getEvidencePackFile(input: { packId: string }, ctx: Ctx): Promise<{ path: string; fileName: string; sizeBytes: number; sha256: string }> {
  assertCan(ctx.actor, "ledger:export");
  const { packId } = ZEvidencePackIdInput.parse(input);
  const pack = await ctx.db.evidencePack.findUnique({ where: { id: packId } });
  if (!pack) throw new DomainError("NOT_FOUND", "There is no such evidence pack.");
  if (pack.status !== "READY" || !pack.sha256) {
    throw new DomainError("CONFLICT", pack.status === "FAILED" ? "This evidence pack failed; request a new one." : "This evidence pack is still being generated.");
  }
  const file = evidenceFilePath(pack.id);
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat) {
    throw new DomainError("NOT_FOUND", "The evidence pack's file is not on this server: its data folder was lost or is not shared between instances. Request it again.");
  }
  return { path: file, fileName: evidenceFileName(pack), sizeBytes: stat.size, sha256: pack.sha256 };
}
