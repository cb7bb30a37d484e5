import { db } from "@/server/db";
import { EVIDENCE_PACK_EVENT } from "@/server/domain/evidence/mutations";
import { generateEvidencePack } from "@/server/domain/evidence/generate";
import { defineJob } from "@/server/jobs/define";

/**
 * Generates an evidence pack: at once for the pack named by `ledger/evidence_pack.requested`, and on a
 * schedule for any pack still queued (its event was lost) or abandoned mid-way (its process died).
 */
export const evidencePack = defineJob(
  { id: "evidence-pack", event: { event: EVIDENCE_PACK_EVENT }, cron: "*/5 * * * *", retries: 1 },
  async ({ step, event }) => {
    const packId = typeof event.data.packId === "string" ? event.data.packId : undefined;
    const ids = packId
      ? [packId]
      : await step.run("find-waiting", async () =>
          (
            await db().evidencePack.findMany({
              where: { OR: [{ status: "QUEUED", createdAt: { lt: new Date(Date.now() - 60_000) } }, { status: "RUNNING", startedAt: { lt: new Date(Date.now() - 30 * 60_000) } }] },
              select: { id: true },
              orderBy: { createdAt: "asc" },
              take: 5,
            })
          ).map((pack) => pack.id),
        );
    const results: Record<string, string> = {};
    for (const id of ids) {
      results[id] = (await step.run(`generate-${id}`, () => generateEvidencePack(db(), id))).status;
    }
    return results;
  },
);
