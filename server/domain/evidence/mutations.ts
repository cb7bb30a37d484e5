import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { ZRequestEvidencePackInput, type RequestEvidencePackInput } from "@/server/domain/evidence/schema";
import { DomainError } from "@/server/errors";
import { sendJobEvents } from "@/server/jobs/send";
import { appendLedgerEvent } from "@/server/ledger/append";

export const EVIDENCE_PACK_EVENT = "ledger/evidence_pack.requested";

/** The longest period one pack may cover; longer audits are several packs. */
const MAX_PERIOD_DAYS = 731;

/**
 * Queues an evidence pack for a period: the row and its ledger event in one transaction, then the job
 * event after commit. The `evidence-pack` job's sweep picks up a pack whose event was lost.
 */
export async function requestEvidencePack(input: RequestEvidencePackInput, ctx: { actor: IdentityActor; db: Db }) {
  assertCan(ctx.actor, "ledger:export");
  const { periodStart, periodEnd, resourceIds, note } = ZRequestEvidencePackInput.parse(input);
  const start = new Date(`${periodStart}T00:00:00.000Z`);
  const end = new Date(new Date(`${periodEnd}T00:00:00.000Z`).getTime() + 86_400_000);
  if (end <= start) throw new DomainError("VALIDATION", "The period ends before it starts.", { field: "periodEnd" });
  if ((end.getTime() - start.getTime()) / 86_400_000 > MAX_PERIOD_DAYS) {
    throw new DomainError("VALIDATION", `A pack covers at most ${MAX_PERIOD_DAYS} days; split longer periods.`, { field: "periodEnd" });
  }
  if (start.getTime() > Date.now()) throw new DomainError("VALIDATION", "The period starts in the future.", { field: "periodStart" });
  const resources = resourceIds.length ? await ctx.db.resource.findMany({ where: { id: { in: resourceIds } }, select: { id: true, name: true } }) : [];
  if (resources.length !== new Set(resourceIds).size) throw new DomainError("VALIDATION", "A chosen resource does not exist.", { field: "resourceIds" });

  const pack = await ctx.db.$transaction(async (tx) => {
    const created = await tx.evidencePack.create({
      data: { requestedById: ctx.actor.id, periodStart: start, periodEnd: end, scope: { resourceIds, ...(note ? { note } : {}) }, stage: "Queued" },
    });
    const scopeText = resources.length ? resources.map((r) => r.name).join(", ") : "all resources";
    await appendLedgerEvent(tx, {
      action: "ledger/evidence_pack.requested",
      actor: ctx.actor,
      subject: { type: "evidence_pack", id: created.id },
      summary: `${ctx.actor.name} requested an evidence pack for ${periodStart} to ${periodEnd} (${scopeText})`,
      data: { periodStart, periodEnd, resourceIds, note: note ?? null },
    });
    return created;
  });
  await sendJobEvents([{ name: EVIDENCE_PACK_EVENT, data: { packId: pack.id }, id: `evidence-pack-${pack.id}` }]);
  return { id: pack.id, status: pack.status };
}
