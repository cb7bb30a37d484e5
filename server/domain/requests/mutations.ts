import type { IdentityActor } from "@/server/actor";
import { systemActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Tx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { canDecide, canStillBeApproved, eligibleApprovers, nextState, type ApprovalContext } from "@/server/domain/approvals/eligibility";
import type { Ctx } from "@/server/domain/context";
import { scheduleGrantForRequest } from "@/server/domain/grants/schedule";
import { assertRequestOpen, checkRequestTransition } from "@/server/domain/lifecycle/transitions";
import { evaluatePolicy, type PolicyDecision } from "@/server/domain/policies/engine";
import type { ApproverSource } from "@/server/domain/policies/schema";
import { loadPolicyInput } from "@/server/domain/requests/policy-context";
import { requestRef, storedDecision, type StoredDecision } from "@/server/domain/requests/records";
import { resolveApprovers, sourcesOf } from "@/server/domain/requests/routing";
import type { CreateRequestInput, DecideRequestInput, RequestIdInput } from "@/server/domain/requests/schema";
import { assertRequesterLogin } from "@/server/domain/identities/target-login";
import { DomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { sendJobEvents, type JobEvent } from "@/server/jobs/send";
import { appendLedgerEvent } from "@/server/ledger";
import type { JsonValue } from "@/server/ledger/canonical";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { kickDelivery } from "@/server/notifications/kick";
import { requestCreated, requestDecided, requestHandled } from "@/server/notifications/messages";

const policyActor = systemActor("policy");

function requirePerson(ctx: Ctx): IdentityActor {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person or a machine identity can do this.");
  return ctx.actor;
}

/** Violations are the requester's to fix: refuse with the first one's message and all of them as details. */
function refuseViolations(decision: PolicyDecision): void {
  const [first] = decision.violations;
  if (first) throw new DomainError("VALIDATION", first.message, { field: first.field, violations: decision.violations });
}

export interface RequestCreated {
  id: string;
  status: "PENDING" | "APPROVED" | "DENIED";
  grantId: string | null;
  decision: StoredDecision;
  /** True when an earlier call with the same idempotency key created it. */
  replayed: boolean;
}

/**
 * A requester asks for access. The policy decides (auto-approve, approvers, or deny) with the reasons
 * the form already showed; the request, its routing, its grant when auto-approved, the ledger events
 * and the notifications are written in one transaction. Nothing is written when the input is invalid.
 */
export async function createRequest(input: CreateRequestInput, ctx: Ctx): Promise<RequestCreated> {
  const actor = requirePerson(ctx);
  assertCan(actor, "access:request");
  if (input.clientRequestId) {
    const existing = await ctx.db.accessRequest.findUnique({
      where: { requesterId_clientRequestId: { requesterId: actor.id, clientRequestId: input.clientRequestId } },
      select: { id: true, status: true, decision: true, grant: { select: { id: true } } },
    });
    if (existing) return { id: existing.id, status: existing.status as RequestCreated["status"], grantId: existing.grant?.id ?? null, decision: existing.decision as unknown as StoredDecision, replayed: true };
  }

  const events: JobEvent[] = [];
  const created = await createInTransaction(input, ctx, actor, events).catch(async (error: unknown) => {
    // Two concurrent calls with one idempotency key: the loser returns the winner's request.
    if (input.clientRequestId && (error as { code?: string }).code === "P2002") {
      const existing = await ctx.db.accessRequest.findUnique({
        where: { requesterId_clientRequestId: { requesterId: actor.id, clientRequestId: input.clientRequestId } },
        select: { id: true, status: true, decision: true, grant: { select: { id: true } } },
      });
      if (existing) return { id: existing.id, status: existing.status as RequestCreated["status"], grantId: existing.grant?.id ?? null, decision: existing.decision as unknown as StoredDecision, replayed: true };
    }
    throw error;
  });
  await sendJobEvents(events);
  kickDelivery();
  return created;
}

function createInTransaction(input: CreateRequestInput, ctx: Ctx, actor: IdentityActor, events: JobEvent[]): Promise<RequestCreated> {
  return ctx.db.$transaction(async (tx) => {
    const now = await dbNow(tx);
    const startsAt = input.startsAt ?? now;
    const loaded = await loadPolicyInput(tx, {
      requesterId: actor.id,
      resourceId: input.resourceId,
      accessLevelId: input.accessLevelId,
      durationMinutes: input.durationMinutes,
      startsAt,
      now,
      kind: "STANDARD",
      justification: input.justification,
      ticketRef: input.ticketRef,
    });
    const decision = evaluatePolicy(loaded.input);
    refuseViolations(decision);
    // Say it now rather than after the approvals: provisioning would refuse a login someone else shares.
    if (decision.outcome !== "deny") await assertRequesterLogin(tx, loaded.accessLevel.mode, actor.id);

    let context: ApprovalContext | null = null;
    if (decision.outcome === "approval") {
      const routing = { resource: loaded.resource, requester: { id: actor.id, ownerId: loaded.requester.ownerId } };
      const { resolved, machineIds, requester } = await resolveApprovers(tx, routing, sourcesOf(decision.stages, decision.escalateTo));
      context = { stages: decision.stages, resolved, requester, machineIds };
      // Even with escalation, nobody but the requester could approve: say so now instead of letting it rot.
      const withEscalation: ApprovalContext = { ...context, stages: decision.stages.map((s) => ({ ...s, sources: [...new Set([...s.sources, ...decision.escalateTo])] })) };
      if (!canStillBeApproved(withEscalation, [])) {
        throw new DomainError("VALIDATION", "Nobody but you is able to approve this request (the approver groups are empty or only contain you). Ask an admin to fix the resource's owners.");
      }
    }

    const status = decision.outcome === "auto_approve" ? "APPROVED" : decision.outcome === "deny" ? "DENIED" : "PENDING";
    const stored = storedDecision(decision, loaded.version.version);
    const request = await tx.accessRequest.create({
      data: {
        kind: "STANDARD",
        status,
        requesterId: actor.id,
        resourceId: loaded.resource.id,
        accessLevelId: loaded.accessLevel.id,
        justification: input.justification,
        ticketRef: input.ticketRef ?? null,
        startsAt,
        durationMinutes: input.durationMinutes,
        clientRequestId: input.clientRequestId ?? null,
        policyVersionId: loaded.version.id,
        decision: stored as unknown as Prisma.InputJsonValue,
        riskScore: decision.risk.score,
        slaDueAt: status === "PENDING" ? new Date(now.getTime() + decision.slaMinutes * 60_000) : null,
        expiresAt: status === "PENDING" ? new Date(now.getTime() + decision.timeoutMinutes * 60_000) : null,
        decidedAt: status === "PENDING" ? null : now,
      },
    });
    const ref = requestRef(request, { id: actor.id, name: actor.name }, loaded.resource.name, loaded.accessLevel.name);
    await appendLedgerEvent(tx, {
      action: "access/request.created",
      actor,
      subject: { type: "request", id: request.id },
      resourceId: request.resourceId,
      requestId: request.id,
      summary: `${actor.name} requested ${loaded.accessLevel.name} on ${loaded.resource.name} for ${input.durationMinutes} min: ${input.justification}`,
      data: {
        justification: input.justification,
        ticketRef: input.ticketRef ?? null,
        durationMinutes: input.durationMinutes,
        startsAt: startsAt.toISOString(),
        outcome: decision.outcome,
        reasons: decision.reasons,
        riskScore: decision.risk.score,
        policyVersion: loaded.version.version,
        policyId: loaded.policy.id,
      },
    });

    let grantId: string | null = null;
    if (status === "APPROVED") {
      await appendLedgerEvent(tx, {
        action: "access/request.approved",
        actor: policyActor,
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `Policy approved ${actor.name}'s request automatically: ${decision.reasons[0] ?? "auto-approve"}`,
        data: { by: "policy", reasons: decision.reasons, matched: decision.matched },
      });
      grantId = await scheduleGrantForRequest(tx, { request, actor: policyActor, now, events });
      await enqueueNotifications(tx, requestDecided({ request: ref, outcome: "approved", decidedBy: null }));
    } else if (status === "DENIED") {
      await appendLedgerEvent(tx, {
        action: "access/request.denied",
        actor: policyActor,
        outcome: "denied",
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `Policy denied ${actor.name}'s request: ${decision.reasons[0] ?? "denied"}`,
        data: { by: "policy", reasons: decision.reasons, matched: decision.matched },
      });
    } else if (context) {
      const firstStage = eligibleApprovers(context)[0] ?? new Set<string>();
      await tx.requestApprover.createMany({ data: [...firstStage].map((identityId) => ({ requestId: request.id, identityId, stage: 0 })), skipDuplicates: true });
      await enqueueNotifications(tx, requestCreated({ request: ref, approverIds: [...firstStage], stage: 0 }));
    }
    return { id: request.id, status, grantId, decision: stored, replayed: false } satisfies RequestCreated;
  });
}

/** Requests are decided one at a time: the row lock makes two simultaneous decisions see each other. */
export async function lockRequest(tx: Tx, requestId: string) {
  await tx.$queryRaw`SELECT id FROM "AccessRequest" WHERE id = ${requestId}::uuid FOR UPDATE`;
  const request = await tx.accessRequest.findUnique({
    where: { id: requestId },
    include: {
      decisions: { select: { approverId: true, stage: true, decision: true, durationMinutes: true } },
      requester: { select: { id: true, name: true, ownerId: true } },
      resource: { select: { id: true, name: true, ownerId: true, ownerGroupId: true, fallbackGroupId: true } },
      accessLevel: { select: { name: true } },
      approvers: { select: { identityId: true, stage: true } },
    },
  });
  if (!request) throw new DomainError("NOT_FOUND", "No such request.");
  return request;
}

export type LockedRequest = Awaited<ReturnType<typeof lockRequest>>;

/** The approval context of a pending request, resolved against group membership as it is now. */
export async function approvalContextOf(tx: Tx, request: LockedRequest): Promise<ApprovalContext> {
  const stored = request.decision as unknown as StoredDecision;
  const escalation: ApproverSource[] = request.escalatedAt ? stored.escalateTo : [];
  const stages = stored.stages.map((stage, index) =>
    index === request.currentStage && escalation.length ? { ...stage, sources: [...new Set([...stage.sources, ...escalation])] } : stage,
  );
  const routing = { resource: request.resource, requester: { id: request.requester.id, ownerId: request.requester.ownerId } };
  const { resolved, machineIds, requester } = await resolveApprovers(tx, routing, sourcesOf(stages));
  return { stages, resolved, requester, machineIds };
}

/**
 * An approver approves or denies. Separation of duties and N-of-M are decided by the pure eligibility
 * rules against the approver groups as they are now; the request row lock serialises concurrent
 * decisions, so exactly one outcome is recorded however many approvers click at once.
 */
export async function decideRequest(input: DecideRequestInput, ctx: Ctx) {
  const actor = requirePerson(ctx);
  assertCan(actor, "requests:decide");
  const events: JobEvent[] = [];
  const result = await ctx.db.$transaction(async (tx) => {
    const request = await lockRequest(tx, input.requestId);
    assertRequestOpen(request.status);
    const now = await dbNow(tx);
    if (request.expiresAt && request.expiresAt <= now) throw new DomainError("INVALID_TRANSITION", "This request expired before it was reviewed.");
    if (input.durationMinutes && input.durationMinutes > request.durationMinutes) {
      throw new DomainError("VALIDATION", "An approver may shorten the duration, never lengthen it.", { field: "durationMinutes" });
    }

    const context = await approvalContextOf(tx, request);
    const recorded = request.decisions.map((d) => ({ approverId: d.approverId, stage: d.stage, decision: d.decision }));
    const allowed = canDecide(context, recorded, actor.id);
    if (!allowed.allowed) {
      const code = allowed.code === "ALREADY_DECIDED" ? "CONFLICT" : allowed.code === "FINAL" ? "INVALID_TRANSITION" : "FORBIDDEN";
      throw new DomainError(code, allowed.reason, { refusal: allowed.code });
    }

    await tx.approvalDecision.create({
      data: { requestId: request.id, approverId: actor.id, stage: allowed.stage, decision: input.decision, comment: input.comment || null, durationMinutes: input.durationMinutes ?? null },
    });
    await appendLedgerEvent(tx, {
      action: "access/decision.recorded",
      actor,
      outcome: input.decision === "APPROVE" ? "success" : "denied",
      subject: { type: "request", id: request.id },
      resourceId: request.resourceId,
      requestId: request.id,
      summary: `${actor.name} ${input.decision === "APPROVE" ? "approved" : "denied"} ${request.requester.name}'s request for ${request.accessLevel.name} on ${request.resource.name}${input.comment ? `: ${input.comment}` : ""}`,
      data: { decision: input.decision, stage: allowed.stage, comment: input.comment ?? null, durationMinutes: input.durationMinutes ?? null },
    });

    const decisions = [...recorded, { approverId: actor.id, stage: allowed.stage, decision: input.decision }];
    const state = nextState(context, decisions);
    const ref = requestRef(request, request.requester, request.resource.name, request.accessLevel.name);
    const otherApprovers = request.approvers.map((a) => a.identityId).filter((id) => id !== actor.id);
    if (state.status === "approved") {
      // The shortest duration any approver allowed.
      const shortened = [input.durationMinutes, ...request.decisions.map((d) => d.durationMinutes)].filter((m): m is number => typeof m === "number");
      const durationMinutes = Math.min(request.durationMinutes, ...shortened);
      const approved = await tx.accessRequest.update({ where: { id: request.id }, data: { status: "APPROVED", decidedAt: now, durationMinutes } });
      await appendLedgerEvent(tx, {
        action: "access/request.approved",
        actor,
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `${request.requester.name}'s request for ${request.accessLevel.name} on ${request.resource.name} is approved (${durationMinutes} min)`,
        data: { approvers: decisions.filter((d) => d.decision === "APPROVE").map((d) => d.approverId), durationMinutes },
      });
      const grantId = await scheduleGrantForRequest(tx, { request: approved, actor, now, events });
      await enqueueNotifications(tx, [
        ...requestDecided({ request: ref, outcome: "approved", decidedBy: { id: actor.id, name: actor.name }, comment: input.comment, approvedMinutes: durationMinutes }),
        ...requestHandled({ request: ref, handledBy: { id: actor.id, name: actor.name }, outcome: "approved", approverIds: otherApprovers }),
      ]);
      return { status: "APPROVED" as const, grantId };
    }
    if (state.status === "denied") {
      await tx.accessRequest.update({ where: { id: request.id }, data: { status: "DENIED", decidedAt: now } });
      await appendLedgerEvent(tx, {
        action: "access/request.denied",
        actor,
        outcome: "denied",
        subject: { type: "request", id: request.id },
        resourceId: request.resourceId,
        requestId: request.id,
        summary: `${actor.name} denied ${request.requester.name}'s request for ${request.accessLevel.name} on ${request.resource.name}: ${input.comment ?? ""}`,
        data: { comment: input.comment ?? null },
      });
      await enqueueNotifications(tx, [
        ...requestDecided({ request: ref, outcome: "denied", decidedBy: { id: actor.id, name: actor.name }, comment: input.comment }),
        ...requestHandled({ request: ref, handledBy: { id: actor.id, name: actor.name }, outcome: "denied", approverIds: otherApprovers }),
      ]);
      return { status: "DENIED" as const, grantId: null };
    }
    if (state.stage !== request.currentStage) {
      // The stage passed: route to the next stage's approvers.
      await tx.accessRequest.update({ where: { id: request.id }, data: { currentStage: state.stage, slaDueAt: new Date(now.getTime() + (request.decision as unknown as StoredDecision).slaMinutes * 60_000), escalatedAt: null, lastRemindedAt: null } });
      const next = eligibleApprovers(context)[state.stage] ?? new Set<string>();
      const fresh = [...next].filter((id) => !decisions.some((d) => d.approverId === id));
      await tx.requestApprover.createMany({ data: fresh.map((identityId) => ({ requestId: request.id, identityId, stage: state.stage })), skipDuplicates: true });
      await enqueueNotifications(tx, requestCreated({ request: ref, approverIds: fresh, stage: state.stage }));
    }
    return { status: "PENDING" as const, grantId: null, remaining: state.remaining, stage: state.stageName };
  });
  await sendJobEvents(events);
  kickDelivery();
  return result;
}

/** A pending request the caller has locked becomes CANCELLED, with its ledger event. */
export async function cancelLockedRequest(
  tx: Tx,
  request: { id: string; resourceId: string },
  actor: IdentityActor,
  summary: string,
  data?: { [key: string]: JsonValue },
): Promise<void> {
  const now = await dbNow(tx);
  await tx.accessRequest.update({ where: { id: request.id }, data: { status: "CANCELLED", decidedAt: now } });
  await appendLedgerEvent(tx, {
    action: "access/request.cancelled",
    actor,
    subject: { type: "request", id: request.id },
    resourceId: request.resourceId,
    requestId: request.id,
    summary,
    ...(data ? { data } : {}),
  });
}

/** The requester withdraws a request nobody has decided yet. */
export async function cancelRequest(input: RequestIdInput, ctx: Ctx) {
  const actor = requirePerson(ctx);
  assertCan(actor, "access:request");
  return ctx.db.$transaction(async (tx) => {
    const request = await lockRequest(tx, input.requestId);
    if (request.requesterId !== actor.id) throw new DomainError("NOT_FOUND", "No such request.");
    if (checkRequestTransition(request.status, "CANCELLED") === "noop") return { status: request.status };
    await cancelLockedRequest(tx, request, actor, `${actor.name} cancelled the request for ${request.accessLevel.name} on ${request.resource.name}`);
    const ref = requestRef(request, request.requester, request.resource.name, request.accessLevel.name);
    await enqueueNotifications(tx, requestHandled({ request: ref, handledBy: { id: actor.id, name: actor.name }, outcome: "cancelled", approverIds: request.approvers.map((a) => a.identityId) }));
    return { status: "CANCELLED" as const };
  });
}

