import type { DbOrTx } from "@/server/db";

/**
 * What an evidence pack holds, read straight from the lifecycle tables (the ledger's events are the
 * pack's other half). A grant belongs to the period when its window overlaps it: it started before the
 * period ended, and it ended (or was revoked) after the period started, or is still open.
 */

export interface PopulationRow {
  grantId: string;
  requestId: string;
  status: string;
  requester: string;
  requesterEmail: string | null;
  requesterKind: string;
  resource: string;
  resourceSlug: string;
  resourceTier: number;
  accessLevel: string;
  requestKind: string;
  justification: string;
  ticketRef: string | null;
  requestedAt: Date;
  decidedAt: Date | null;
  /** "policy" when nobody had to approve. */
  approvedBy: string;
  approvals: { name: string; email: string | null; decision: string; comment: string | null; at: string }[];
  startsAt: Date;
  endsAt: Date;
  activatedAt: Date | null;
  revokeRequestedAt: Date | null;
  revokedAt: Date | null;
  revocationReason: string | null;
  /** Seconds between when access should have ended (window end, or the release/revoke request) and its removal. */
  revocationLagSeconds: number | null;
  breakGlass: boolean;
  reviewStatus: string | null;
  reviewOutcome: string | null;
  reviewNotes: string | null;
  reviewer: string | null;
  reviewDueAt: Date | null;
  reviewedAt: Date | null;
}

interface Period {
  start: Date;
  /** Exclusive. */
  end: Date;
  resourceIds: string[];
}

export async function collectPopulation(db: DbOrTx, period: Period): Promise<PopulationRow[]> {
  const rows = await db.$queryRawUnsafe<(Omit<PopulationRow, "approvals" | "revocationLagSeconds" | "approvedBy"> & { approvals: PopulationRow["approvals"] | null; lag: number | null })[]>(
    `SELECT g.id::text AS "grantId", g."requestId"::text AS "requestId", g.status::text AS status,
            i.name AS requester, i.email AS "requesterEmail", i.kind::text AS "requesterKind",
            r.name AS resource, r.slug AS "resourceSlug", r.tier AS "resourceTier", al.name AS "accessLevel",
            ar.kind::text AS "requestKind", ar.justification, ar."ticketRef", ar."createdAt" AS "requestedAt", ar."decidedAt",
            (SELECT json_agg(json_build_object('name', ai.name, 'email', ai.email, 'decision', d.decision, 'comment', d.comment,
                                               'at', to_char(d."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY d."createdAt")
               FROM "ApprovalDecision" d JOIN "Identity" ai ON ai.id = d."approverId" WHERE d."requestId" = g."requestId") AS approvals,
            g."startsAt", g."endsAt", g."activatedAt", g."revokeRequestedAt", g."revokedAt", g."revocationReason"::text AS "revocationReason",
            EXTRACT(EPOCH FROM g."revokedAt" - LEAST(g."endsAt", coalesce(g."revokeRequestedAt", g."endsAt")))::float8 AS lag,
            g."breakGlass", bg.status::text AS "reviewStatus", bg.outcome AS "reviewOutcome", bg.notes AS "reviewNotes",
            ri.name AS reviewer, bg."dueAt" AS "reviewDueAt", bg."completedAt" AS "reviewedAt"
       FROM "Grant" g
       JOIN "Identity" i ON i.id = g."identityId"
       JOIN "Resource" r ON r.id = g."resourceId"
       JOIN "AccessLevel" al ON al.id = g."accessLevelId"
       JOIN "AccessRequest" ar ON ar.id = g."requestId"
       LEFT JOIN "BreakGlassReview" bg ON bg."grantId" = g.id
       LEFT JOIN "Identity" ri ON ri.id = bg."reviewerId"
      WHERE g."startsAt" < $2::timestamp
        AND coalesce(g."revokedAt", g."endsAt") >= $1::timestamp
        AND (cardinality($3::uuid[]) = 0 OR g."resourceId" = ANY($3::uuid[]))
      ORDER BY g."startsAt", g.id`,
    period.start.toISOString(),
    period.end.toISOString(),
    period.resourceIds,
  );
  return rows.map(({ lag, approvals, ...row }) => ({
    ...row,
    approvals: approvals ?? [],
    approvedBy: approvals?.length ? approvals.filter((a) => a.decision === "APPROVE").map((a) => a.name).join("; ") || "—" : row.requestKind === "BREAK_GLASS" ? "break-glass (no approval)" : "policy",
    revocationLagSeconds: lag === null ? null : Math.max(0, Math.round(lag)),
  }));
}

export interface PolicyVersionRow {
  policy: string;
  appliesTo: string;
  version: number;
  effectiveFrom: Date;
  effectiveUntil: Date | null;
  note: string | null;
  createdBy: string | null;
  rules: unknown;
}

/** Every policy version that was in force for some part of the period (a version lasts until the next). */
export async function collectPolicyVersions(db: DbOrTx, period: Period): Promise<PolicyVersionRow[]> {
  return db.$queryRawUnsafe<PolicyVersionRow[]>(
    `SELECT * FROM (
       SELECT p.name AS policy, coalesce(r.name, 'tier ' || p.tier || ' default') AS "appliesTo", pv.version,
              pv."createdAt" AS "effectiveFrom",
              lead(pv."createdAt") OVER (PARTITION BY pv."policyId" ORDER BY pv.version) AS "effectiveUntil",
              pv.note, ci.name AS "createdBy", pv.rules, p."resourceId", p.tier
         FROM "PolicyVersion" pv
         JOIN "Policy" p ON p.id = pv."policyId"
         LEFT JOIN "Resource" r ON r.id = p."resourceId"
         LEFT JOIN "Identity" ci ON ci.id = pv."createdById") AS versions
      WHERE "effectiveFrom" < $2::timestamp AND ("effectiveUntil" IS NULL OR "effectiveUntil" > $1::timestamp)
        AND (cardinality($3::uuid[]) = 0 OR "resourceId" = ANY($3::uuid[])
             OR (tier IS NOT NULL AND tier IN (SELECT tier FROM "Resource" WHERE id = ANY($3::uuid[]))))
      ORDER BY policy, version`,
    period.start.toISOString(),
    period.end.toISOString(),
    period.resourceIds,
  ).then((rows) => rows.map(({ policy, appliesTo, version, effectiveFrom, effectiveUntil, note, createdBy, rules }) => ({ policy, appliesTo, version, effectiveFrom, effectiveUntil, note, createdBy, rules })));
}

export interface DriftRow {
  seq: string;
  occurredAt: Date;
  resource: string | null;
  grantId: string | null;
  outcome: string;
  summary: string;
  data: unknown;
}

/** Drift the reconciliation found (and what it did about it), from the ledger, within a seq range. */
export async function collectDrift(db: DbOrTx, range: { low: bigint; high: bigint }, resourceIds: string[]): Promise<DriftRow[]> {
  return db.$queryRawUnsafe<DriftRow[]>(
    `SELECT e.seq::text AS seq, e."occurredAt", r.name AS resource, e."grantId"::text AS "grantId", e.outcome, e.summary, e.data
       FROM "LedgerEvent" e LEFT JOIN "Resource" r ON r.id = e."resourceId"
      WHERE e.action = 'access/grant.drift_found' AND e.seq BETWEEN $1::bigint AND $2::bigint
        AND (cardinality($3::uuid[]) = 0 OR e."resourceId" = ANY($3::uuid[]))
      ORDER BY e.seq`,
    range.low.toString(),
    range.high.toString(),
    resourceIds,
  );
}

/** Requests decided in the period that did not become grants (denied, expired unreviewed, cancelled). */
export async function countUngrantedRequests(db: DbOrTx, period: Period): Promise<Record<string, number>> {
  const rows = await db.$queryRawUnsafe<{ status: string; n: bigint }[]>(
    `SELECT status::text AS status, count(*) AS n FROM "AccessRequest"
      WHERE "createdAt" >= $1::timestamp AND "createdAt" < $2::timestamp AND status::text IN ('DENIED', 'EXPIRED', 'CANCELLED')
        AND (cardinality($3::uuid[]) = 0 OR "resourceId" = ANY($3::uuid[]))
      GROUP BY status`,
    period.start.toISOString(),
    period.end.toISOString(),
    period.resourceIds,
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}
