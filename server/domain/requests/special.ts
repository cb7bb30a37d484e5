import type { IdentityActor } from "@/server/actor";
import { systemActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { adminRecipientIds } from "@/server/notifications/recipients";
import { scheduleGrantForRequest } from "@/server/domain/grants/schedule";
import { eligibleApprovers, type ApprovalContext } from "@/server/domain/approvals/eligibility";
import { assertRequesterLogin } from "@/server/domain/identities/target-login";
import { evaluatePolicy } from "@/server/domain/policies/engine";
import { loadPolicyInput } from "@/server/domain/requests/policy-context";
import { requestRef, storedDecision } from "@/server/domain/requests/records";
import { resolveApprovers, sourcesOf } from "@/server/domain/requests/routing";
import type { BreakGlassInput, ExtendGrantInput } from "@/server/domain/requests/schema";
import { DomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { sendJobEvents, type JobEvent } from "@/server/jobs/send";
import { appendLedgerEvent } from "@/server/ledger";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { kickDelivery } from "@/server/notifications/kick";
import { breakGlassActivated, requestCreated, requestDecided } from "@/server/notifications/messages";

/** How long an admin has to complete a break-glass post-incident review. */
export const BREAK_GLASS_REVIEW_HOURS = 72;

function requirePerson(ctx: Ctx): IdentityActor {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person or a machine identity can do this.");
  return ctx.actor;
}

/**
 * Emergency access: granted at once for a short window without approval, where the resource's policy
 * allows it. Security is alerted immediately (email + webhooks + admins in-app), the ledger marks it, and
 * a post-incident review opens that an admin other than the requester must complete.
 */
export async function breakGlass(input: BreakGlassInput, ctx: Ctx) {
  const actor = requirePerson(ctx);
  assertCan(actor, "access:break_glass");
  if (actor.kind !== "HUMAN") throw new DomainError("FORBIDDEN", "Break-glass is for people, not machine identities.");
  const events: JobEvent[] = [];
  const result = await ctx.db.$transaction(async (tx) => {
    const now = await dbNow(tx);
    const loaded = await loadPolicyInput(tx, {
      requesterId: actor.id,
      resourceId: input.resourceId,
      accessLevelId: input.accessLevelId,
      durationMinutes: input.durationMinutes,
      startsAt: now,
      now,
      kind: "BREAK_GLASS",
      justification: input.reason,
      ticketRef: input.ticketRef,
    });
    const decision = evaluatePolicy(loaded.input);
    const [violation] = decision.violations;
    if (violation) throw new DomainError("VALIDATION", violation.message, { field: violation.field === "justification" ? "reason" : violation.field, violations: decision.violations });
    if (decision.outcome === "deny") throw new DomainError("FORBIDDEN", decision.reasons[0] ?? "Break-glass is not allowed for this resource.");
    // In an emergency above all: a login provisioning would refuse is said now, not after the alert.
    await assertRequesterLogin(tx, loaded.accessLevel.mode, actor.id);

    const request = await tx.accessRequest.create({
      data: {
        kind: "BREAK_GLASS",
        status: "APPROVED",
        requesterId: actor.id,
        resourceId: loaded.resource.id,
        accessLevelId: loaded.accessLevel.id,
        justification: input.reason,
        ticketRef: input.ticketRef ?? null,
        startsAt: now,
        durationMinutes: input.durationMinutes,
        policyVersionId: loaded.version.id,
        decision: storedDecision(decision, loaded.version.version) as unknown as Prisma.InputJsonValue,
        riskScore: decision.risk.score,
        decidedAt: now,
      },
    });
    await appendLedgerEvent(tx, {
      action: "access/break_glass.activated",
      actor,
      outcome: "success",
      subject: { type: "request", id: request.id },
      resourceId: request.resourceId,
      requestId: request.id,
      summary: `BREAK-GLASS: ${actor.name} took ${loaded.accessLevel.name} on ${loaded.resource.name} for ${input.durationMinutes} min without approval: ${input.reason}`,
      data: { reason: input.reason, ticketRef: input.ticketRef ?? null, durationMinutes: input.durationMinutes, riskScore: decision.risk.score, policyVersion: loaded.version.version },
    });
    const grantId = await scheduleGrantForRequest(tx, { request, actor, now, events });
    const dueAt = new Date(now.getTime() + BREAK_GLASS_REVIEW_HOURS * 3600_000);
    const review = await tx.breakGlassReview.create({ data: { grantId, dueAt } });
    const grant = await tx.grant.findUniqueOrThrow({ where: { id: grantId }, select: { endsAt: true } });
    await enqueueNotifications(
      tx,
      breakGlassActivated({
        grant: { id: grantId, requestId: request.id, holder: { id: actor.id, name: actor.name }, resourceName: loaded.resource.name, accessLevelName: loaded.accessLevel.name, endsAt: grant.endsAt, breakGlass: true },
        reason: input.reason,
        reviewDueAt: dueAt,
        adminIds: await adminRecipientIds(tx),
      }),
    );
    return { requestId: request.id, grantId, reviewId: review.id, endsAt: grant.endsAt };
  });
  await sendJobEvents(events);
  kickDelivery();
  return result;
}

/**
 * Asks for more time on an active grant: a fresh policy decision for the extra minutes. When approved
 * (by policy or approvers) the same grant's end moves, so there is no gap and no overlap in the target.
 */
export async function requestExtension(input: ExtendGrantInput, ctx: Ctx) {
  const actor = requirePerson(ctx);
  assertCan(actor, "access:request");
  const events: JobEvent[] = [];
  const result = await ctx.db.$transaction(async (tx) => {
    const grant = await tx.grant.findUnique({ where: { id: input.grantId }, include: { resource: { select: { name: true } }, accessLevel: { select: { name: true } } } });
    if (!grant || grant.identityId !== actor.id) throw new DomainError("NOT_FOUND", "No such grant.");
    if (grant.status !== "ACTIVE") throw new DomainError("INVALID_TRANSITION", "Only an active grant can be extended.");
    const pending = await tx.accessRequest.count({ where: { extendsGrantId: grant.id, status: "PENDING" } });
    if (pending) throw new DomainError("CONFLICT", "An extension of this grant is already waiting for approval.");
    const now = await dbNow(tx);
    const loaded = await loadPolicyInput(tx, {
      requesterId: actor.id,
      resourceId: grant.resourceId,
      accessLevelId: grant.accessLevelId,
      durationMinutes: input.additionalMinutes,
      // The extension starts where the grant ends; policy checks it as a window of its own.
      startsAt: grant.endsAt > now ? grant.endsAt : now,
      now,
      kind: "EXTENSION",
      justification: input.justification,
      ticketRef: input.ticketRef,
    });
    const decision = evaluatePolicy(loaded.input);
    const [violation] = decision.violations;
    if (violation) throw new DomainError("VALIDATION", violation.message, { field: violation.field === "durationMinutes" ? "additionalMinutes" : violation.field, violations: decision.violations });
    if (decision.outcome === "deny") throw new DomainError("FORBIDDEN", decision.reasons[0] ?? "The policy does not allow this extension.");

    const status = decision.outcome === "auto_approve" ? "APPROVED" : "PENDING";
    const request = await tx.accessRequest.create({
      data: {
        kind: "EXTENSION",
        status,
        requesterId: actor.id,
        resourceId: grant.resourceId,
        accessLevelId: grant.accessLevelId,
        extendsGrantId: grant.id,
        justification: input.justification,
        ticketRef: input.ticketRef ?? null,
        startsAt: grant.endsAt,
        durationMinutes: input.additionalMinutes,
        policyVersionId: loaded.version.id,
        decision: storedDecision(decision, loaded.version.version) as unknown as Prisma.InputJsonValue,
        riskScore: decision.risk.score,
        slaDueAt: status === "PENDING" ? new Date(now.getTime() + decision.slaMinutes * 60_000) : null,
        // An extension nobody decides before the grant ends is moot.
        expiresAt: status === "PENDING" ? new Date(Math.min(now.getTime() + decision.timeoutMinutes * 60_000, grant.endsAt.getTime())) : null,
        decidedAt: status === "APPROVED" ? now : null,
      },
    });
    await appendLedgerEvent(tx, {
      action: "access/request.created",
      actor,
      subject: { type: "request", id: request.id },
      resourceId: grant.resourceId,
      requestId: request.id,
      grantId: grant.id,
      summary: `${actor.name} asked to extend ${grant.accessLevel.name} on ${grant.resource.name} by ${input.additionalMinutes} min: ${input.justification}`,
      data: { kind: "EXTENSION", justification: input.justification, additionalMinutes: input.additionalMinutes, outcome: decision.outcome, reasons: decision.reasons },
    });
    const ref = requestRef(request, { id: actor.id, name: actor.name }, grant.resource.name, grant.accessLevel.name);
    if (status === "APPROVED") {
      await appendLedgerEvent(tx, {
        action: "access/request.approved",
        actor: systemActor("policy"),
        subject: { type: "request", id: request.id },
        resourceId: grant.resourceId,
        requestId: request.id,
        grantId: grant.id,
        summary: `Policy approved the extension automatically: ${decision.reasons[0] ?? "auto-approve"}`,
        data: { by: "policy", reasons: decision.reasons },
      });
      await scheduleGrantForRequest(tx, { request, actor: systemActor("policy"), now, events });
      await enqueueNotifications(tx, requestDecided({ request: ref, outcome: "approved", decidedBy: null }));
    } else {
      const routing = { resource: loaded.resource, requester: { id: actor.id, ownerId: loaded.requester.ownerId } };
      const { resolved, machineIds, requester } = await resolveApprovers(tx, routing, sourcesOf(decision.stages));
      const context: ApprovalContext = { stages: decision.stages, resolved, requester, machineIds };
      const first = eligibleApprovers(context)[0] ?? new Set<string>();
      await tx.requestApprover.createMany({ data: [...first].map((identityId) => ({ requestId: request.id, identityId, stage: 0 })), skipDuplicates: true });
      await enqueueNotifications(tx, requestCreated({ request: ref, approverIds: [...first], stage: 0 }));
    }
    return { requestId: request.id, status, reasons: decision.reasons };
  });
  await sendJobEvents(events);
  kickDelivery();
  return result;
}
