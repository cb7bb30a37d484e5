import { systemActor } from "@/server/actor";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { eligibleApprovers } from "@/server/domain/approvals/eligibility";
import { requestRef, type StoredDecision } from "@/server/domain/requests/records";
import { rerouteLocked } from "@/server/domain/requests/reroute";
import { resolveApprovers, sourcesOf } from "@/server/domain/requests/routing";
import { appendLedgerEvent } from "@/server/ledger";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { requestEscalated, requestExpired, requestHandled, requestReminder } from "@/server/notifications/messages";

const actor = systemActor("request-sla");

const include = {
  requester: { select: { id: true, name: true, ownerId: true } },
  resource: { select: { id: true, name: true, ownerId: true, ownerGroupId: true, fallbackGroupId: true, fallbackGroup: { select: { name: true } } } },
  accessLevel: { select: { name: true } },
  approvers: { select: { identityId: true, stage: true } },
  decisions: { select: { approverId: true } },
} as const;

/**
 * The approvers' clock on pending requests, run by a scheduled function: expire what timed out (the
 * requester is told, other approvers see it was handled), escalate what passed its SLA to the fallback
 * approvers (ledgered), and remind approvers of what waits. Each request is handled under its row lock,
 * so a decision at the same instant and this job never both win.
 */
export async function runRequestSla(db: Db): Promise<{ expired: number; escalated: number; reminded: number }> {
  // Only requests with something due: expiry, escalation, or a reminder whose interval (stored with the
  // request's policy decision) has passed — so a large inbox costs one indexed query per tick.
  const due = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "AccessRequest"
    WHERE status = 'PENDING' AND (
      "expiresAt" <= clock_timestamp()
      OR ("slaDueAt" <= clock_timestamp() AND "escalatedAt" IS NULL)
      OR COALESCE("lastRemindedAt", "createdAt")
         + make_interval(mins => GREATEST(1, COALESCE((decision->>'reminderMinutes')::int, 60))) <= clock_timestamp()
    )
    ORDER BY "createdAt"
    LIMIT 500`;
  const counts = { expired: 0, escalated: 0, reminded: 0 };
  for (const { id } of due) {
    const outcome = await handleOne(db, id);
    if (outcome) counts[outcome] += 1;
  }
  return counts;
}

async function handleOne(db: Db, requestId: string): Promise<"expired" | "escalated" | "reminded" | null> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "AccessRequest" WHERE id = ${requestId}::uuid FOR UPDATE`;
    const request = await tx.accessRequest.findUnique({ where: { id: requestId }, include });
    if (!request || request.status !== "PENDING") return null;
    const now = await dbNow(tx);
    const stored = request.decision as unknown as StoredDecision;
    const ref = requestRef(request, request.requester, request.resource.name, request.accessLevel.name);
    const routedNow = request.approvers.filter((a) => a.stage === request.currentStage && !request.decisions.some((d) => d.approverId === a.identityId)).map((a) => a.identityId);

    if (request.expiresAt && request.expiresAt <= now) {
      await tx.accessRequest.update({ where: { id: request.id }, data: { status: "EXPIRED", decidedAt: now } });
      await appendLedgerEvent(tx, {
        action: "access/request.expired",
        actor,
        outcome: "failure",
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `${request.requester.name}'s request for ${request.accessLevel.name} on ${request.resource.name} expired unreviewed`,
        data: { expiresAt: request.expiresAt.toISOString(), stage: request.currentStage },
      });
      await enqueueNotifications(tx, [...requestExpired({ request: ref }), ...requestHandled({ request: ref, handledBy: null, outcome: "expired", approverIds: routedNow })]);
      return "expired";
    }

    if (request.slaDueAt && request.slaDueAt <= now && !request.escalatedAt && stored.escalateTo.length) {
      const stages = stored.stages.map((stage, index) => (index === request.currentStage ? { ...stage, sources: [...new Set([...stage.sources, ...stored.escalateTo])] } : stage));
      const routing = { resource: request.resource, requester: { id: request.requester.id, ownerId: request.requester.ownerId } };
      const { resolved, machineIds, requester } = await resolveApprovers(tx, routing, sourcesOf(stages));
      const eligible = eligibleApprovers({ stages, resolved, requester, machineIds })[request.currentStage] ?? new Set<string>();
      const already = new Set(request.approvers.filter((a) => a.stage === request.currentStage).map((a) => a.identityId));
      const added = [...eligible].filter((id) => !already.has(id));
      await tx.requestApprover.createMany({ data: added.map((identityId) => ({ requestId: request.id, identityId, stage: request.currentStage, reason: "FALLBACK" as const })), skipDuplicates: true });
      await tx.accessRequest.update({ where: { id: request.id }, data: { escalatedAt: now } });
      await appendLedgerEvent(tx, {
        action: "access/request.escalated",
        actor,
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `${request.requester.name}'s request was not decided in time and is escalated to ${request.resource.fallbackGroup?.name ?? "fallback approvers"}`,
        data: { slaDueAt: request.slaDueAt.toISOString(), added: added.length, escalateTo: stored.escalateTo },
      });
      await enqueueNotifications(tx, requestEscalated({ request: ref, fallbackApproverIds: added, fallbackName: request.resource.fallbackGroup?.name ?? null }));
      return "escalated";
    }

    const waitingMs = now.getTime() - request.createdAt.getTime();
    const remindEveryMs = Math.max(1, stored.reminderMinutes) * 60_000;
    const lastReminder = request.lastRemindedAt?.getTime() ?? request.createdAt.getTime();
    if (waitingMs >= remindEveryMs && now.getTime() - lastReminder >= remindEveryMs) {
      // Recorded even when nobody is left to remind, so the request is not picked up again every tick.
      await tx.accessRequest.update({ where: { id: request.id }, data: { lastRemindedAt: now } });
      // Group changes since the routing are caught up first: newcomers get the request itself, and only
      // the people who may still decide are reminded.
      const rerouted = await rerouteLocked(tx, request.id);
      const remind = routedNow.filter((id) => !rerouted.removed.includes(id));
      if (!remind.length) return null;
      const reminder = Math.floor(waitingMs / remindEveryMs);
      await enqueueNotifications(tx, requestReminder({ request: ref, approverIds: remind, reminder, waitingMinutes: waitingMs / 60_000, escalatesAt: request.escalatedAt ? null : request.slaDueAt }));
      return "reminded";
    }
    return null;
  });
}
