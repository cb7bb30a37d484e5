import { z } from "zod";
import type { MyGrant } from "@/server/domain/access/queries";
import type { listRequestableResources } from "@/server/domain/catalog/queries";
import type { createRequest } from "@/server/domain/requests/mutations";
import type { GrantStatusRead } from "@/server/domain/grants/queries";
import type { getRequestDetail } from "@/server/domain/requests/queries";
import { GrantStatus, ProvisioningMode, RequestKind, RequestStatus, RevocationReason } from "@/server/generated/prisma/enums";

/**
 * What the HTTP API returns: a public shape per object, declared once in zod. The presenters below
 * map domain results onto it (so internal fields never leak by accident, and a renamed domain field
 * is a compile error here, not a silent API change); the OpenAPI document is generated from these
 * same schemas, and the tests parse every response with them.
 */

const instant = z.iso.datetime({ offset: true }).describe("RFC 3339 timestamp (UTC)");
const id = z.uuid();

export const ZAccessLevelView = z.object({ id, key: z.string(), name: z.string(), mode: z.enum(ProvisioningMode) }).strict();

export const ZResourceView = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    tier: z.int().min(1).max(3).describe("1 = most sensitive"),
    tags: z.array(z.string()),
    environment: z.string(),
    owner: z.string().nullable().describe("The owning person's name, if any"),
    ownerGroup: z.string().nullable().describe("The owning approver group's name, if any"),
    connector: z.object({ kind: z.string(), name: z.string() }).strict().nullable(),
    accessLevels: z.array(ZAccessLevelView),
  })
  .strict();

export const ZResourceList = z.object({ resources: z.array(ZResourceView) }).strict();

export const ZRiskView = z
  .object({
    score: z.int().min(0).max(100),
    reasons: z.array(z.object({ factor: z.string(), points: z.number(), detail: z.string() }).strict()),
  })
  .strict();

export const ZGrantRef = z
  .object({ id, status: z.enum(GrantStatus), startsAt: instant, endsAt: instant, revokedAt: instant.nullable() })
  .strict()
  .describe("The grant an approved request became");

export const ZRequestView = z
  .object({
    id,
    kind: z.enum(RequestKind),
    status: z.enum(RequestStatus),
    requester: z.object({ id, name: z.string() }).strict(),
    resource: z.object({ id, slug: z.string(), name: z.string(), tier: z.int() }).strict(),
    accessLevel: z.object({ key: z.string(), name: z.string() }).strict(),
    justification: z.string(),
    ticketRef: z.string().nullable(),
    startsAt: instant,
    durationMinutes: z.int().positive(),
    createdAt: instant,
    decidedAt: instant.nullable(),
    expiresAt: instant.nullable().describe("When a pending request expires unreviewed"),
    outcome: z.enum(["auto_approve", "approval", "deny"]).describe("What the policy decided at submission"),
    reasons: z.array(z.string()).describe("Why, in plain language (the same reasons the portal shows)"),
    risk: ZRiskView,
    policy: z.string().nullable().describe("Policy name and version the request was decided under"),
    stage: z.string().nullable().describe("The approval stage being decided now"),
    routedTo: z.array(z.string()).describe("Names of the approvers the current stage is routed to"),
    decisions: z.array(
      z
        .object({
          approver: z.string(),
          decision: z.enum(["APPROVE", "DENY"]),
          comment: z.string().nullable(),
          stage: z.int().min(0),
          durationMinutes: z.int().positive().nullable(),
          at: instant,
        })
        .strict(),
    ),
    grantId: id.nullable(),
    grant: ZGrantRef.nullable(),
  })
  .strict();

/** Connectors issue these fields (server/connectors/types.ts IssuedCredential); others may add more. */
export const ZCredential = z
  .looseObject({
    username: z.string(),
    password: z.string(),
    host: z.string(),
    port: z.int().min(1).max(65535),
    database: z.string().optional(),
    connectionString: z.string().optional(),
  })
  .describe("A one-time credential: returned once, never stored by Keycard after that");

/**
 * The answer to POST /requests: what the policy decided, from the create call itself. Deliberately not the
 * full view (GET /requests/{id}, the Location header): re-reading the request would cost a submit about a
 * third more database work, on the path machines call most.
 */
export const ZRequestCreated = z
  .object({
    id,
    status: z.enum(["PENDING", "APPROVED", "DENIED"]),
    outcome: z.enum(["auto_approve", "approval", "deny"]).describe("What the policy decided"),
    reasons: z.array(z.string()).describe("Why, in plain language"),
    risk: ZRiskView,
    policyVersion: z.int().min(1),
    grantId: id.nullable().describe("The grant an auto-approved request became"),
    grant: ZGrantRef.nullable().describe("With ?wait=: the grant as the wait left it (ACTIVE, or still SCHEDULED/PROVISIONING on timeout). Without it: null; follow GET /grants/{grantId}."),
    credential: ZCredential.nullable().describe(
      "Only with ?wait= and only once: the ephemeral login of a grant that became active while the call waited. Otherwise null; take it once with POST /grants/{id}/credential.",
    ),
  })
  .strict();

export const ZDecisionResult = z
  .object({
    requestId: id,
    status: z.enum(["PENDING", "APPROVED", "DENIED"]),
    grantId: id.nullable(),
    remainingApprovals: z.int().min(0).nullable().describe("Approvals still needed in the current stage (PENDING only)"),
    stage: z.string().nullable(),
  })
  .strict();

export const ZCancelResult = z.object({ requestId: id, status: z.enum(RequestStatus) }).strict();

export const ZGrantSummary = z
  .object({
    id,
    status: z.enum(GrantStatus),
    breakGlass: z.boolean(),
    startsAt: instant,
    endsAt: instant,
    revokedAt: instant.nullable(),
    revocationReason: z.enum(RevocationReason).nullable(),
    resource: z.object({ name: z.string(), tier: z.int() }).strict(),
    accessLevel: z.object({ name: z.string() }).strict(),
  })
  .strict();

export const ZGrantList = z
  .object({ grants: z.array(ZGrantSummary), next: z.string().nullable().describe("Pass as `?after=` for older grants; null on the last page"), serverNow: instant })
  .strict();

export const ZGrantView = z
  .object({
    id,
    status: z.enum(GrantStatus),
    breakGlass: z.boolean(),
    requestId: id,
    resource: z.object({ name: z.string(), tier: z.int() }).strict(),
    accessLevel: z.object({ name: z.string(), mode: z.enum(ProvisioningMode) }).strict(),
    startsAt: instant,
    endsAt: instant,
    activatedAt: instant.nullable(),
    revokedAt: instant.nullable(),
    revocationReason: z.enum(RevocationReason).nullable(),
    targetPrincipal: z.string().nullable().describe("The login or role that holds the access in the target"),
    lastError: z.string().nullable().describe("The last provisioning error, while it is being retried"),
    credentialAvailable: z.boolean().describe("A one-time credential is waiting: POST /grants/{id}/credential"),
    credentialRevealedAt: instant.nullable(),
    serverNow: instant.describe("The server's clock, for countdowns"),
  })
  .strict();

export const ZReleaseResult = z.object({ grantId: id, status: z.enum(GrantStatus) }).strict();
export const ZCredentialResult = z.object({ grantId: id, credential: ZCredential }).strict();
/** What a usage batch counted: the domain's own result shape. */
export { ZUsageIngestResult } from "@/server/domain/usage/schema";

export type ResourceView = z.input<typeof ZResourceView>;
export type RequestView = z.input<typeof ZRequestView>;
export type RequestCreated = z.input<typeof ZRequestCreated>;
export type GrantView = z.input<typeof ZGrantView>;
export type GrantSummary = z.input<typeof ZGrantSummary>;
export type Credential = z.input<typeof ZCredential>;

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function presentResource(resource: Awaited<ReturnType<typeof listRequestableResources>>[number]): ResourceView {
  return {
    id: resource.id,
    slug: resource.slug,
    name: resource.name,
    description: resource.description,
    tier: resource.tier,
    tags: resource.tags,
    environment: resource.environment,
    owner: resource.owner?.name ?? null,
    ownerGroup: resource.ownerGroup?.name ?? null,
    connector: resource.connector ? { kind: resource.connector.kind, name: resource.connector.name } : null,
    accessLevels: resource.accessLevels.map((level) => ({ id: level.id, key: level.key, name: level.name, mode: level.mode })),
  };
}

export function presentRequest(detail: Awaited<ReturnType<typeof getRequestDetail>>): RequestView {
  return {
    id: detail.id,
    kind: detail.kind,
    status: detail.status,
    requester: { id: detail.requester.id, name: detail.requester.name },
    resource: { id: detail.resource.id, slug: detail.resource.slug, name: detail.resource.name, tier: detail.resource.tier },
    accessLevel: { key: detail.accessLevel.key, name: detail.accessLevel.name },
    justification: detail.justification,
    ticketRef: detail.ticketRef,
    startsAt: iso(detail.startsAt),
    durationMinutes: detail.durationMinutes,
    createdAt: iso(detail.createdAt),
    decidedAt: isoOrNull(detail.decidedAt),
    expiresAt: isoOrNull(detail.expiresAt),
    outcome: detail.decision.outcome,
    reasons: detail.decision.reasons,
    risk: { score: detail.decision.risk.score, reasons: detail.decision.risk.reasons.map((r) => ({ factor: r.factor, points: r.points, detail: r.detail })) },
    policy: detail.policy,
    stage: detail.status === "PENDING" ? detail.stageName : null,
    routedTo: detail.status === "PENDING" ? detail.routedTo : [],
    decisions: detail.decisions.map((d) => ({
      approver: d.approver,
      decision: d.decision,
      comment: d.comment,
      stage: d.stage,
      durationMinutes: d.durationMinutes,
      at: iso(d.at),
    })),
    grantId: detail.grant?.id ?? null,
    grant: detail.grant
      ? { id: detail.grant.id, status: detail.grant.status, startsAt: iso(detail.grant.startsAt), endsAt: iso(detail.grant.endsAt), revokedAt: isoOrNull(detail.grant.revokedAt) }
      : null,
  };
}

export function presentCreated(
  created: Awaited<ReturnType<typeof createRequest>>,
  waited: GrantStatusRead | null,
  credential: Record<string, unknown> | null,
): RequestCreated {
  return {
    id: created.id,
    status: created.status,
    outcome: created.decision.outcome,
    reasons: created.decision.reasons,
    risk: { score: created.decision.risk.score, reasons: created.decision.risk.reasons.map((r) => ({ factor: r.factor, points: r.points, detail: r.detail })) },
    policyVersion: created.decision.policyVersion,
    grantId: created.grantId,
    grant: waited ? { id: waited.id, status: waited.status, startsAt: iso(waited.startsAt), endsAt: iso(waited.endsAt), revokedAt: isoOrNull(waited.revokedAt) } : null,
    credential: credential ? presentCredential(credential) : null,
  };
}

export function presentGrantSummary(grant: MyGrant): GrantSummary {
  return {
    id: grant.id,
    status: grant.status,
    breakGlass: grant.breakGlass,
    startsAt: iso(grant.startsAt),
    endsAt: iso(grant.endsAt),
    revokedAt: isoOrNull(grant.revokedAt),
    revocationReason: grant.revocationReason,
    resource: { name: grant.resource.name, tier: grant.resource.tier },
    accessLevel: { name: grant.accessLevel.name },
  };
}

export function presentGrant(detail: GrantStatusRead): GrantView {
  return {
    id: detail.id,
    status: detail.status,
    breakGlass: detail.breakGlass,
    requestId: detail.requestId,
    resource: { name: detail.resource.name, tier: detail.resource.tier },
    accessLevel: { name: detail.accessLevel.name, mode: detail.accessLevel.mode },
    startsAt: iso(detail.startsAt),
    endsAt: iso(detail.endsAt),
    activatedAt: isoOrNull(detail.activatedAt),
    revokedAt: isoOrNull(detail.revokedAt),
    revocationReason: detail.revocationReason,
    targetPrincipal: detail.targetPrincipal,
    lastError: detail.lastError,
    credentialAvailable: detail.credentialAvailable,
    credentialRevealedAt: isoOrNull(detail.credentialRevealedAt),
    serverNow: iso(detail.serverNow),
  };
}

/** revealCredential returns the decrypted JSON as stored; keep only string/number fields. */
export function presentCredential(raw: Record<string, unknown>): Credential {
  const fields = Object.fromEntries(Object.entries(raw).filter(([, value]) => typeof value === "string" || typeof value === "number"));
  return {
    ...fields,
    username: String(raw.username ?? ""),
    password: String(raw.password ?? ""),
    host: String(raw.host ?? ""),
    port: Number(raw.port ?? 0),
  };
}
