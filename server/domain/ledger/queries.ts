import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";

/** The newest ledger events (the full search comes with the auditor's ledger). */
export async function listRecentLedgerEvents(ctx: Ctx, limit = 50) {
  assertCan(ctx.actor, "ledger:read");
  const [events, total] = await Promise.all([
    ctx.db.ledgerEvent.findMany({
      orderBy: { seq: "desc" },
      take: limit,
      select: { seq: true, occurredAt: true, action: true, outcome: true, actorLabel: true, actorType: true, summary: true, hash: true },
    }),
    ctx.db.ledgerEvent.count(),
  ]);
  return { events: events.map((e) => ({ ...e, seq: e.seq.toString() })), total };
}
