import { assertCan } from "@/server/auth/permissions";
import { likePattern, sanitizeSearchText } from "@/server/db/like";
import { elevatedLoginOf } from "@/server/domain/connectors/instance";
import type { PersonCtx } from "@/server/domain/context";
import type { StoredDecision } from "@/server/domain/requests/records";
import { Prisma } from "@/server/generated/prisma/client";
import type { DecisionKind, IdentityKind, ProvisioningMode, RequestKind, RequestStatus, Role } from "@/server/generated/prisma/enums";

export interface InboxFilters {
  tab: "pending" | "history";
  q?: string;
  tier?: number;
}

/** Requests per page of the pending tab (most urgent first), and decisions in the history tab. */
const INBOX_PAGE_SIZE = 100;
/** How long a request routed to me and handled by someone else stays in view. */
const HANDLED_WINDOW_HOURS = 24;

interface PendingRow {
  id: string;
  kind: RequestKind;
  createdAt: Date;
  slaDueAt: Date | null;
  expiresAt: Date | null;
  durationMinutes: number;
  startsAt: Date;
  justification: string;
  ticketRef: string | null;
  riskScore: number;
  riskReasons: StoredDecision["risk"]["reasons"];
  reasons: StoredDecision["reasons"];
  stage: string | null;
  required: number | null;
  requesterName: string;
  requesterTitle: string | null;
  requesterKind: IdentityKind;
  requesterRoles: Role[];
  requesterEmail: string | null;
  requesterTargetLogin: string | null;
  /** The login an extension's grant was provisioned to. */
  extendedGrantLogin: string | null;
  team: string | null;
  onCall: string | null;
  resourceId: string;
  resourceName: string;
  resourceTier: number;
  accessLevelId: string;
  accessLevelName: string;
  accessLevelMode: ProvisioningMode;
  approvalsSoFar: string[];
  grants: number;
  lastGrantAt: Date | null;
}

interface HandledRow {
  id: string;
  status: RequestStatus;
  decidedAt: Date | null;
  requester: string;
  resource: string;
  accessLevel: string;
  decidedBy: string | null;
}

/** The search and tier filters, on a request aliased `r` joined to its requester `q` and resource `res`. */
function filterSql(filters: InboxFilters): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  const q = filters.q === undefined ? "" : sanitizeSearchText(filters.q);
  if (q) {
    const pattern = likePattern(q);
    parts.push(Prisma.sql`AND (q.name ILIKE ${pattern} OR res.name ILIKE ${pattern} OR r.justification ILIKE ${pattern} OR r."ticketRef" ILIKE ${pattern})`);
  }
  if (filters.tier) parts.push(Prisma.sql`AND res.tier = ${filters.tier}`);
  return parts.length ? Prisma.join(parts, " ") : Prisma.empty;
}

/**
 * The approver's inbox: requests routed to me in their current stage that I have not decided, most
 * urgent first (SLA, then risk), with the context a decision needs; plus requests I was routed to that
 * were just handled by someone else (who, and how). History: my own decisions.
 *
 * The pending page is one statement (the page first, then each row's context by index): the ORM's
 * version was ten statements and ~30 ms of the portal's CPU per page with 10,000 requests waiting, and
 * every open /inbox page asks every few seconds (docs/api.md, "Performance").
 */
export async function listInbox(filters: InboxFilters, ctx: PersonCtx) {
  assertCan(ctx.actor, "requests:decide");
  if (filters.tab === "history") return { pending: [], handled: [], history: await listMyDecisions(filters, ctx) };
  const [pendingRows, handledRows] = await Promise.all([pendingPage(filters, ctx), recentlyHandled(ctx)]);
  return {
    pending: pendingRows.map((r) => ({
      id: r.id,
      kind: r.kind,
      createdAt: r.createdAt,
      slaDueAt: r.slaDueAt,
      expiresAt: r.expiresAt,
      durationMinutes: r.durationMinutes,
      startsAt: r.startsAt,
      justification: r.justification,
      ticketRef: r.ticketRef,
      riskScore: r.riskScore,
      riskReasons: r.riskReasons,
      reasons: r.reasons,
      stage: r.stage,
      required: r.required ?? 1,
      approvalsSoFar: r.approvalsSoFar,
      requester: { name: r.requesterName, title: r.requesterTitle, kind: r.requesterKind, roles: r.requesterRoles, team: r.team, onCall: r.onCall },
      resource: { id: r.resourceId, name: r.resourceName, tier: r.resourceTier },
      accessLevel: {
        id: r.accessLevelId,
        name: r.accessLevelName,
        mode: r.accessLevelMode,
        login: elevatedLoginOf(r.accessLevelMode, { email: r.requesterEmail, name: r.requesterName, targetLogin: r.requesterTargetLogin }, r.extendedGrantLogin),
      },
      history: { grants: r.grants, lastGrantAt: r.lastGrantAt },
    })),
    handled: handledRows,
    history: [],
  };
}

function pendingPage(filters: InboxFilters, ctx: PersonCtx): Promise<PendingRow[]> {
  const me = ctx.actor.id;
  return ctx.db.$queryRaw<PendingRow[]>`
    WITH page AS (
      SELECT r.id, r.kind::text AS kind, r."createdAt", r."slaDueAt", r."expiresAt", r."durationMinutes", r."startsAt",
             r.justification, r."ticketRef", r."riskScore", r."requesterId", r."resourceId", r."accessLevelId", r."extendsGrantId",
             q.name AS "requesterName", q.title AS "requesterTitle", q.kind::text AS "requesterKind", q.roles::text[] AS "requesterRoles",
             q.email AS "requesterEmail", q."targetLogin" AS "requesterTargetLogin",
             res.name AS "resourceName", res.tier AS "resourceTier",
             -- The parts of the stored decision the page shows, not the whole document.
             r.decision->'risk'->'reasons' AS "riskReasons", r.decision->'reasons' AS reasons,
             r.decision->'stages'->r."currentStage"->>'name' AS stage, (r.decision->'stages'->r."currentStage"->>'required')::int AS required
      FROM "AccessRequest" r
      JOIN "Identity" q ON q.id = r."requesterId"
      JOIN "Resource" res ON res.id = r."resourceId"
      WHERE r.status = 'PENDING' AND r."requesterId" <> ${me}::uuid
        -- Only the current stage is mine to decide, and only once.
        AND EXISTS (SELECT 1 FROM "RequestApprover" a WHERE a."requestId" = r.id AND a."identityId" = ${me}::uuid AND a.stage = r."currentStage")
        AND NOT EXISTS (SELECT 1 FROM "ApprovalDecision" d WHERE d."requestId" = r.id AND d."approverId" = ${me}::uuid)
        ${filterSql(filters)}
      ORDER BY r."slaDueAt" ASC NULLS LAST, r."riskScore" DESC, r."createdAt" ASC, r.id
      LIMIT ${INBOX_PAGE_SIZE}
    )
    SELECT p.*, al.name AS "accessLevelName", al.mode::text AS "accessLevelMode",
      (SELECT g."targetLogin" FROM "Grant" g WHERE g.id = p."extendsGrantId") AS "extendedGrantLogin",
      (SELECT g.name FROM "GroupMembership" m JOIN "Group" g ON g.id = m."groupId"
        WHERE m."identityId" = p."requesterId" AND g.kind = 'TEAM' ORDER BY g.name LIMIT 1) AS team,
      (SELECT g.name FROM "OnCallShift" s JOIN "Group" g ON g.id = s."groupId"
        WHERE s."identityId" = p."requesterId" AND s."startsAt" <= (clock_timestamp() AT TIME ZONE 'UTC') AND s."endsAt" > (clock_timestamp() AT TIME ZONE 'UTC')
        ORDER BY g.name LIMIT 1) AS "onCall",
      ARRAY(SELECT i.name FROM "ApprovalDecision" d JOIN "Identity" i ON i.id = d."approverId"
        WHERE d."requestId" = p.id AND d.decision = 'APPROVE' ORDER BY d."createdAt") AS "approvalsSoFar",
      h.grants, h."lastGrantAt"
    FROM page p
    JOIN "AccessLevel" al ON al.id = p."accessLevelId"
    CROSS JOIN LATERAL (SELECT count(*)::int AS grants, max(g."startsAt") AS "lastGrantAt" FROM "Grant" g
                        WHERE g."identityId" = p."requesterId" AND g."resourceId" = p."resourceId") h
    ORDER BY p."slaDueAt" ASC NULLS LAST, p."riskScore" DESC, p."createdAt" ASC, p.id`;
}

/** Requests routed to me, not decided by me, that left PENDING in the last day: who handled them, and how. */
function recentlyHandled(ctx: PersonCtx): Promise<HandledRow[]> {
  const me = ctx.actor.id;
  return ctx.db.$queryRaw<HandledRow[]>`
    SELECT r.id, r.status::text AS status, r."decidedAt", q.name AS requester, res.name AS resource, al.name AS "accessLevel",
      CASE
        WHEN r.status = 'EXPIRED' THEN NULL
        ELSE coalesce((SELECT i.name FROM "ApprovalDecision" d JOIN "Identity" i ON i.id = d."approverId"
                        WHERE d."requestId" = r.id ORDER BY d."createdAt" DESC LIMIT 1),
                      CASE WHEN r.status = 'CANCELLED' THEN q.name END)
      END AS "decidedBy"
    FROM "AccessRequest" r
    JOIN "Identity" q ON q.id = r."requesterId"
    JOIN "Resource" res ON res.id = r."resourceId"
    JOIN "AccessLevel" al ON al.id = r."accessLevelId"
    WHERE r.status <> 'PENDING' AND r."requesterId" <> ${me}::uuid
      AND r."decidedAt" >= (clock_timestamp() AT TIME ZONE 'UTC') - make_interval(hours => ${HANDLED_WINDOW_HOURS})
      AND EXISTS (SELECT 1 FROM "RequestApprover" a WHERE a."requestId" = r.id AND a."identityId" = ${me}::uuid)
      AND NOT EXISTS (SELECT 1 FROM "ApprovalDecision" d WHERE d."requestId" = r.id AND d."approverId" = ${me}::uuid)
    ORDER BY r."decidedAt" DESC, r.id
    LIMIT 20`;
}

interface DecisionRow {
  id: string;
  decision: DecisionKind;
  comment: string | null;
  at: Date;
  request: {
    id: string;
    status: RequestStatus;
    durationMinutes: number;
    justification: string;
    requester: { name: string };
    resource: { name: string; tier: number };
    accessLevel: { name: string };
  };
}

/** My own decisions, newest first, filtered like the pending page. */
function listMyDecisions(filters: InboxFilters, ctx: PersonCtx): Promise<DecisionRow[]> {
  return ctx.db.$queryRaw<DecisionRow[]>`
    SELECT d.id, d.decision::text AS decision, d.comment, d."createdAt" AS at,
           json_build_object('id', r.id, 'status', r.status, 'durationMinutes', r."durationMinutes", 'justification', r.justification,
             'requester', json_build_object('name', q.name), 'resource', json_build_object('name', res.name, 'tier', res.tier),
             'accessLevel', json_build_object('name', al.name)) AS request
      FROM "ApprovalDecision" d
      JOIN "AccessRequest" r ON r.id = d."requestId"
      JOIN "Identity" q ON q.id = r."requesterId"
      JOIN "Resource" res ON res.id = r."resourceId"
      JOIN "AccessLevel" al ON al.id = r."accessLevelId"
     WHERE d."approverId" = ${ctx.actor.id}::uuid
       ${filterSql(filters)}
     ORDER BY d."createdAt" DESC, d.id DESC
     LIMIT ${INBOX_PAGE_SIZE}`;
}
