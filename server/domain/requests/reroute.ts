import type { Db, Tx } from "@/server/db";
import { eligibleApprovers } from "@/server/domain/approvals/eligibility";
import { approvalContextOf, lockRequest } from "@/server/domain/requests/mutations";
import { requestRef } from "@/server/domain/requests/records";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { requestCreated } from "@/server/notifications/messages";

/**
 * Who a pending request is routed to (its RequestApprover rows: the inbox, reminders and "handled by
 * others") is written when it is created or escalated, while who may decide is judged live. When the
 * approver groups or on-call shifts behind the open stage change, the two drift apart: a new approver
 * could decide but never sees the request, a removed one keeps seeing it and is refused. This brings the
 * open stage's rows back to the people eligible now — the newcomers are told, like anyone it was routed
 * to — and keeps the rows of those who already decided (they are history). Under the request's row lock.
 */
export async function rerouteLocked(tx: Tx, requestId: string): Promise<{ added: string[]; removed: string[] }> {
  const request = await lockRequest(tx, requestId);
  if (request.status !== "PENDING") return { added: [], removed: [] };
  const context = await approvalContextOf(tx, request);
  const eligible = eligibleApprovers(context)[request.currentStage] ?? new Set<string>();
  const decided = new Set(request.decisions.map((d) => d.approverId));
  const routedIds = new Set(request.approvers.filter((a) => a.stage === request.currentStage).map((a) => a.identityId));
  const added = [...eligible].filter((id) => !routedIds.has(id) && !decided.has(id));
  const removed = [...routedIds].filter((id) => !eligible.has(id) && !decided.has(id));
  if (removed.length) await tx.requestApprover.deleteMany({ where: { requestId, stage: request.currentStage, identityId: { in: removed } } });
  if (added.length) {
    await tx.requestApprover.createMany({ data: added.map((identityId) => ({ requestId, identityId, stage: request.currentStage })), skipDuplicates: true });
    const ref = requestRef(request, request.requester, request.resource.name, request.accessLevel.name);
    await enqueueNotifications(tx, requestCreated({ request: ref, approverIds: added, stage: request.currentStage }));
  }
  return { added, removed };
}

/** Minutes around now in which an on-call shift that started or ended re-routes the requests it concerns. */
const SHIFT_CHANGE_WINDOW_MINUTES = 3;

/**
 * On-call hand-overs: pending requests whose stages or escalation name `oncall:<group>` of a group whose
 * shift started or ended in the last few minutes are re-routed (run every tick of the SLA job; re-routing
 * is idempotent, so the overlapping windows only repeat no-ops).
 */
export async function rerouteOnCallHandovers(db: Db): Promise<number> {
  const requests = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT r.id FROM "AccessRequest" r
      JOIN "Group" g ON strpos(r.decision::text, '"oncall:' || g.slug || '"') > 0
     WHERE r.status = 'PENDING'
       AND EXISTS (SELECT 1 FROM "OnCallShift" s WHERE s."groupId" = g.id
                    AND (s."startsAt" BETWEEN clock_timestamp() - make_interval(mins => ${SHIFT_CHANGE_WINDOW_MINUTES}) AND clock_timestamp()
                      OR s."endsAt" BETWEEN clock_timestamp() - make_interval(mins => ${SHIFT_CHANGE_WINDOW_MINUTES}) AND clock_timestamp()))
     LIMIT 500`;
  return rerouteEach(db, requests);
}

/**
 * After a group's members, leads or on-call shifts change (committed): every pending request routed
 * through the group — it owns or backs up the resource, a stage names it or its rotation, or its lead
 * approves for a member (`changedId`'s own requests included, whose team lead may have changed).
 */
export async function rerouteForGroup(db: Db, groupId: string, changedId: string): Promise<number> {
  try {
    return await rerouteRequestsOfGroup(db, groupId, changedId);
  } catch (error) {
    // The change itself is committed and must not read as failed; each request's next reminder re-routes it.
    console.error(`[keycard] re-routing the requests of group ${groupId} failed; their next reminder catches up:`, error);
    return 0;
  }
}

async function rerouteRequestsOfGroup(db: Db, groupId: string, changedId: string): Promise<number> {
  const requests = await db.$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "AccessRequest" r
      JOIN "Resource" x ON x.id = r."resourceId"
      JOIN "Group" g ON g.id = ${groupId}::uuid
      JOIN "Identity" who ON who.id = r."requesterId"
     WHERE r.status = 'PENDING'
       AND (x."ownerGroupId" = g.id OR x."fallbackGroupId" = g.id
         OR strpos(r.decision::text, '"group:' || g.slug || '"') > 0
         OR strpos(r.decision::text, '"oncall:' || g.slug || '"') > 0
         OR (strpos(r.decision::text, '"team_lead"') > 0
             AND (coalesce(who."ownerId", who.id) = ${changedId}::uuid
               OR EXISTS (SELECT 1 FROM "GroupMembership" m WHERE m."groupId" = g.id AND m."identityId" = coalesce(who."ownerId", who.id)))))
     ORDER BY r."createdAt"
     LIMIT 2000`;
  return rerouteEach(db, requests);
}

/** Re-routes each request in its own transaction; how many changed. */
async function rerouteEach(db: Db, requests: readonly { id: string }[]): Promise<number> {
  let changed = 0;
  for (const { id } of requests) {
    const result = await db.$transaction((tx) => rerouteLocked(tx, id));
    if (result.added.length || result.removed.length) changed += 1;
  }
  return changed;
}
