import { assertCan, can } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { eligibleApprovers } from "@/server/domain/approvals/eligibility";
import { elevatedLoginOf } from "@/server/domain/connectors/instance";
import type { Ctx, PersonCtx } from "@/server/domain/context";
import { canViewGrant } from "@/server/domain/grants/queries";
import { requesterLoginProblem } from "@/server/domain/identities/target-login";
import { describeStages } from "@/server/domain/policies/describe";
import { evaluatePolicy, type RequestKind } from "@/server/domain/policies/engine";
import { loadPolicyInput } from "@/server/domain/requests/policy-context";
import type { StoredDecision } from "@/server/domain/requests/records";
import { resolveApprovers, sourcesOf } from "@/server/domain/requests/routing";
import type { PreviewExtensionInput, PreviewRequestInput } from "@/server/domain/requests/schema";
import { DomainError } from "@/server/errors";

/** The policy decision for a would-be request by `requesterId`, with the approvers it would go to by name. */
export async function evaluateRequestFor(db: Db, requesterId: string, input: PreviewRequestInput, kind: RequestKind = input.breakGlass ? "BREAK_GLASS" : "STANDARD") {
  const now = await dbNow(db);
  const loaded = await loadPolicyInput(db, {
    requesterId,
    resourceId: input.resourceId,
    accessLevelId: input.accessLevelId,
    durationMinutes: input.durationMinutes ?? 60,
    startsAt: input.startsAt ?? now,
    now,
    kind,
    justification: input.justification ?? "",
    ticketRef: input.ticketRef,
  });
  const decision = evaluatePolicy(loaded.input);
  // Role elevation uses the requester's own login: one they share would be refused on submit.
  // (An extension keeps the login its grant was provisioned to: nothing to say there.)
  const blocker = kind === "EXTENSION" ? null : await requesterLoginProblem(db, loaded.accessLevel.mode, requesterId);
  let approvers: { stage: string; required: number; people: string[] }[] = [];
  if (decision.ruleOutcome === "approval") {
    const routing = { resource: loaded.resource, requester: { id: requesterId, ownerId: loaded.requester.ownerId } };
    const { resolved, machineIds, requester } = await resolveApprovers(db, routing, sourcesOf(decision.stages));
    const sets = eligibleApprovers({ stages: decision.stages, resolved, requester, machineIds });
    const ids = [...new Set(sets.flatMap((set) => [...set]))];
    const names = new Map((await db.identity.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((p) => [p.id, p.name]));
    approvers = decision.stages.map((stage, index) => ({
      stage: stage.name,
      required: stage.required,
      people: [...(sets[index] ?? [])].map((id) => names.get(id) ?? "someone").sort(),
    }));
  }
  return {
    outcome: decision.outcome,
    ruleOutcome: decision.ruleOutcome,
    matched: decision.matched,
    reasons: decision.reasons,
    violations: decision.violations,
    blocker,
    maxDurationMinutes: decision.maxDurationMinutes,
    durationPresets: decision.durationPresets,
    risk: decision.risk,
    businessHours: decision.businessHours,
    stagesSummary: decision.stages.length ? describeStages(decision.stages) : null,
    approvers,
    ticketRequired: loaded.input.rules.ticket.required,
    ticketExample: loaded.input.rules.ticket.example ?? null,
    justificationMinLength: loaded.input.rules.justification.minLength,
    breakGlassAllowed: loaded.input.rules.breakGlass.allowed,
    breakGlassMaxMinutes: loaded.input.rules.breakGlass.maxDurationMinutes,
    policy: loaded.policy.name,
    policyVersion: loaded.version.version,
  };
}

/**
 * "What will happen if I submit this?" — the policy decision for the form as it is filled in: outcome,
 * approvers (by name), maximum duration and presets, risk and its reasons, and what to fix. Read-only.
 */
export async function previewRequest(input: PreviewRequestInput, ctx: PersonCtx) {
  assertCan(ctx.actor, input.breakGlass ? "access:break_glass" : "access:request");
  return evaluateRequestFor(ctx.db, ctx.actor.id, input);
}

/**
 * What the policy would decide on an extension of my active grant (the extra minutes as a window of their
 * own, from the grant's end), with the approvers by name: shown before the requester asks. Read-only.
 */
export async function previewExtension(input: PreviewExtensionInput, ctx: PersonCtx) {
  assertCan(ctx.actor, "access:request");
  const grant = await ctx.db.grant.findUnique({ where: { id: input.grantId }, select: { identityId: true, status: true, resourceId: true, accessLevelId: true, endsAt: true } });
  if (!grant || grant.identityId !== ctx.actor.id) throw new DomainError("NOT_FOUND", "No such grant.");
  if (grant.status !== "ACTIVE") throw new DomainError("INVALID_TRANSITION", "Only an active grant can be extended.");
  const now = await dbNow(ctx.db);
  return evaluateRequestFor(
    ctx.db,
    ctx.actor.id,
    { resourceId: grant.resourceId, accessLevelId: grant.accessLevelId, durationMinutes: input.additionalMinutes, startsAt: grant.endsAt > now ? grant.endsAt : now, justification: input.justification, ticketRef: input.ticketRef },
    "EXTENSION",
  );
}

/**
 * One request, for its requester, the approvers it was routed to, auditors and admins — nobody else
 * (another user's request id is "not found", not "forbidden": ids do not leak).
 */
export async function getRequestDetail(requestId: string, ctx: PersonCtx) {
  const request = await ctx.db.accessRequest.findUnique({
    where: { id: requestId },
    include: {
      requester: { select: { id: true, name: true, email: true, title: true, targetLogin: true } },
      resource: { select: { id: true, name: true, tier: true, slug: true } },
      accessLevel: { select: { name: true, key: true, mode: true } },
      extendsGrant: { select: { targetLogin: true } },
      decisions: { include: { approver: { select: { name: true } } }, orderBy: { createdAt: "asc" } },
      approvers: { select: { identityId: true, stage: true, identity: { select: { name: true } } } },
      grant: { select: { id: true, status: true, startsAt: true, endsAt: true, revokedAt: true } },
      policyVersion: { select: { version: true, policy: { select: { name: true } } } },
    },
  });
  const me = ctx.actor.id;
  const visible =
    request &&
    (request.requesterId === me || request.approvers.some((a) => a.identityId === me) || request.decisions.some((d) => d.approverId === me) || can(ctx.actor, "ledger:read"));
  if (!request || !visible) throw new DomainError("NOT_FOUND", "No such request.");
  const decision = request.decision as unknown as StoredDecision;
  const myTurn = request.status === "PENDING" && request.approvers.some((a) => a.identityId === me && a.stage === request.currentStage) && !request.decisions.some((d) => d.approverId === me);
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    requester: { id: request.requester.id, name: request.requester.name, email: request.requester.email, title: request.requester.title },
    resource: request.resource,
    accessLevel: { ...request.accessLevel, login: elevatedLoginOf(request.accessLevel.mode, request.requester, request.extendsGrant?.targetLogin ?? null) },
    justification: request.justification,
    ticketRef: request.ticketRef,
    startsAt: request.startsAt,
    durationMinutes: request.durationMinutes,
    createdAt: request.createdAt,
    decidedAt: request.decidedAt,
    expiresAt: request.expiresAt,
    riskScore: request.riskScore,
    decision,
    currentStage: request.currentStage,
    stageName: decision.stages[request.currentStage]?.name ?? null,
    decisions: request.decisions.map((d) => ({ approver: d.approver.name, decision: d.decision, comment: d.comment, stage: d.stage, durationMinutes: d.durationMinutes, at: d.createdAt })),
    routedTo: request.approvers.filter((a) => a.stage === request.currentStage).map((a) => a.identity.name).sort(),
    grant: request.grant,
    policy: request.policyVersion ? `${request.policyVersion.policy.name} v${request.policyVersion.version}` : null,
    canDecide: myTurn && can(ctx.actor, "requests:decide"),
    canCancel: request.requesterId === me && request.status === "PENDING",
  };
}

/** A grant, for its holder (and auditors/admins): window, steps from the ledger, credentials, extensions. */
export async function getGrantDetail(grantId: string, ctx: Ctx) {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only people view grants.");
  const grant = await ctx.db.grant.findUnique({
    where: { id: grantId },
    include: {
      identity: { select: { id: true, name: true } },
      resource: { select: { name: true, tier: true, connector: { select: { name: true, kind: true } } } },
      accessLevel: { select: { name: true, mode: true } },
      request: { select: { id: true, justification: true, ticketRef: true, kind: true } },
      extensions: { select: { id: true, status: true, durationMinutes: true, createdAt: true }, orderBy: { createdAt: "desc" } },
      review: { select: { id: true, status: true, dueAt: true, outcome: true } },
    },
  });
  const mine = grant?.identityId === ctx.actor.id;
  if (!grant || !canViewGrant(ctx.actor, grant.identityId)) throw new DomainError("NOT_FOUND", "No such grant.");
  const steps = await ctx.db.ledgerEvent.findMany({
    where: { OR: [{ grantId }, { requestId: grant.requestId }] },
    orderBy: { seq: "asc" },
    select: { seq: true, occurredAt: true, action: true, outcome: true, actorLabel: true, summary: true },
    take: 200,
  });
  const now = await dbNow(ctx.db);
  return {
    id: grant.id,
    status: grant.status,
    breakGlass: grant.breakGlass,
    holder: grant.identity,
    resource: grant.resource,
    accessLevel: grant.accessLevel,
    request: grant.request,
    startsAt: grant.startsAt,
    endsAt: grant.endsAt,
    activatedAt: grant.activatedAt,
    verifiedAt: grant.verifiedAt,
    revokedAt: grant.revokedAt,
    revocationReason: grant.revocationReason,
    revocationLagMs: grant.revokedAt && grant.revocationReason === "EXPIRED" ? Math.max(0, grant.revokedAt.getTime() - grant.endsAt.getTime()) : null,
    targetPrincipal: grant.targetPrincipal,
    targetDetails: grant.targetDetails,
    lastError: grant.lastError,
    attempts: grant.attempts,
    credentialAvailable: mine && grant.status === "ACTIVE" && Boolean(grant.credentialCiphertext),
    credentialRevealedAt: grant.credentialRevealedAt,
    extensions: grant.extensions,
    review: grant.review,
    serverNow: now,
    steps: steps.map((s) => ({ ...s, seq: s.seq.toString() })),
    canRelease: mine && ["SCHEDULED", "PROVISIONING", "ACTIVE"].includes(grant.status),
    canExtend: mine && grant.status === "ACTIVE" && !grant.breakGlass && !grant.extensions.some((e) => e.status === "PENDING"),
    canRevoke: !mine && can(ctx.actor, "grants:revoke") && ["SCHEDULED", "PROVISIONING", "ACTIVE"].includes(grant.status),
  };
}
