import type { DbOrTx } from "@/server/db";
import type { PolicyInput, RequestKind } from "@/server/domain/policies/engine";
import { parseStoredRules } from "@/server/domain/policies/compile";
import { DomainError } from "@/server/errors";
import type { IdentityKind, IdentityStatus, ProvisioningMode } from "@/server/generated/prisma/enums";

/** The policy a request is decided under: the resource's own if it has one, else its tier's default; always the current version. */
interface AppliedPolicyRow {
  id: string;
  name: string;
  versionId: string | null;
  version: number | null;
  rules: unknown;
}

function appliedPolicy(row: AppliedPolicyRow | null) {
  if (!row?.versionId || row.version === null) {
    throw new DomainError("VALIDATION", "No policy applies to this resource yet; ask an admin to set its tier's default policy.");
  }
  const parsed = parseStoredRules(row.rules);
  // A stored document that no longer parses denies (fail closed) rather than crash or guess.
  if (!parsed.ok) throw new DomainError("VALIDATION", `The policy "${row.name}" is invalid, so nothing can be requested under it; ask an admin to fix it.`);
  return { policy: { id: row.id, name: row.name }, version: { id: row.versionId, version: row.version }, rules: parsed.rules };
}

export interface LoadPolicyInputArgs {
  requesterId: string;
  resourceId: string;
  accessLevelId: string;
  durationMinutes: number;
  startsAt: Date;
  now: Date;
  kind: RequestKind;
  justification: string;
  ticketRef?: string | null;
  /** When re-evaluating an existing request (extension), leave it out of the history counts. */
  excludeRequestId?: string;
}

interface LoadedRow {
  requester: { id: string; kind: IdentityKind; status: IdentityStatus; ownerId: string | null; name: string; groupSlugs: string[] } | null;
  resource: {
    id: string;
    slug: string;
    name: string;
    tier: number;
    timeZone: string;
    tags: string[];
    ownerId: string | null;
    ownerGroupId: string | null;
    fallbackGroupId: string | null;
    requestable: boolean;
    archivedAt: string | null;
    connectorId: string | null;
    ownerGroupSlug: string | null;
  } | null;
  accessLevel: { id: string; key: string; name: string; riskWeight: number; resourceId: string; mode: ProvisioningMode } | null;
  leadIds: string[];
  onCallGroups: string[];
  requestsSameAccess7d: number;
  grantsSameAccessEver: number;
  activeGrantsForResource: number;
  policy: AppliedPolicyRow | null;
}

/**
 * Loads everything the pure policy engine needs in one statement: every request submission runs this,
 * and the ORM's version was fourteen statements (three of them the policy and its version; two `IN (NULL)` for relations that were empty),
 * which under load cost more than the rest of the decision (docs/api.md, "Performance").
 */
export async function loadPolicyInput(db: DbOrTx, args: LoadPolicyInputArgs) {
  const weekAgo = new Date(args.now.getTime() - 7 * 24 * 3600_000);
  const [row] = await db.$queryRaw<LoadedRow[]>`
    WITH requester AS (SELECT id, kind, status, "ownerId", name FROM "Identity" WHERE id = ${args.requesterId}::uuid),
         -- A machine is judged with its owner's team (leads, on-call) but its own history.
         person AS (SELECT coalesce("ownerId", id) AS id FROM requester)
    SELECT
      (SELECT json_build_object('id', r.id, 'kind', r.kind, 'status', r.status, 'ownerId', r."ownerId", 'name', r.name,
                'groupSlugs', ARRAY(SELECT g.slug FROM "GroupMembership" m JOIN "Group" g ON g.id = m."groupId" WHERE m."identityId" = r.id ORDER BY g.slug))
         FROM requester r) AS requester,
      (SELECT json_build_object('id', x.id, 'slug', x.slug, 'name', x.name, 'tier', x.tier, 'timeZone', x."timeZone", 'tags', x.tags,
                'ownerId', x."ownerId", 'ownerGroupId', x."ownerGroupId", 'fallbackGroupId', x."fallbackGroupId",
                'requestable', x.requestable, 'archivedAt', x."archivedAt", 'connectorId', x."connectorId", 'ownerGroupSlug', og.slug)
         FROM "Resource" x LEFT JOIN "Group" og ON og.id = x."ownerGroupId" WHERE x.id = ${args.resourceId}::uuid) AS resource,
      (SELECT json_build_object('id', a.id, 'key', a.key, 'name', a.name, 'riskWeight', a."riskWeight", 'resourceId', a."resourceId", 'mode', a.mode)
         FROM "AccessLevel" a WHERE a.id = ${args.accessLevelId}::uuid) AS "accessLevel",
      ARRAY(SELECT DISTINCT lead."identityId"::text FROM "GroupMembership" lead JOIN "Group" g ON g.id = lead."groupId" AND g.kind = 'TEAM'
             WHERE lead."isLead" AND lead."identityId" <> ${args.requesterId}::uuid
               AND EXISTS (SELECT 1 FROM "GroupMembership" mine WHERE mine."groupId" = g.id AND mine."identityId" = (SELECT id FROM person))) AS "leadIds",
      ARRAY(SELECT g.slug FROM "OnCallShift" s JOIN "Group" g ON g.id = s."groupId"
             WHERE s."identityId" = (SELECT id FROM person) AND s."startsAt" <= ${args.now} AND s."endsAt" > ${args.now}) AS "onCallGroups",
      (SELECT count(*)::int FROM "AccessRequest" q
        WHERE q."requesterId" = ${args.requesterId}::uuid AND q."resourceId" = ${args.resourceId}::uuid AND q."accessLevelId" = ${args.accessLevelId}::uuid
          AND q."createdAt" >= ${weekAgo} AND q.id IS DISTINCT FROM ${args.excludeRequestId ?? null}::uuid) AS "requestsSameAccess7d",
      (SELECT count(*)::int FROM "Grant" gr
        WHERE gr."identityId" = ${args.requesterId}::uuid AND gr."resourceId" = ${args.resourceId}::uuid AND gr."accessLevelId" = ${args.accessLevelId}::uuid) AS "grantsSameAccessEver",
      (SELECT count(*)::int FROM "Grant" gr
        WHERE gr."identityId" = ${args.requesterId}::uuid AND gr."resourceId" = ${args.resourceId}::uuid
          AND gr.status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE')) AS "activeGrantsForResource",
      -- The resource's own policy if it has one (even without a current version: that fails closed), else its tier's default.
      (SELECT json_build_object('id', p.id, 'name', p.name, 'versionId', v.id, 'version', v.version, 'rules', v.rules)
         FROM "Resource" x JOIN "Policy" p ON p."resourceId" = x.id OR (p.tier = x.tier AND p."resourceId" IS NULL)
         LEFT JOIN "PolicyVersion" v ON v.id = p."currentVersionId"
        WHERE x.id = ${args.resourceId}::uuid
        ORDER BY p."resourceId" IS NULL LIMIT 1) AS policy`;
  const requester = row?.requester;
  const resource = row?.resource;
  const accessLevel = row?.accessLevel;
  if (!row || !requester || requester.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "Your identity is not active.");
  if (!resource || resource.archivedAt || !resource.requestable) throw new DomainError("NOT_FOUND", "No such requestable resource.", { field: "resourceId" });
  if (!accessLevel || accessLevel.resourceId !== resource.id) {
    throw new DomainError("NOT_FOUND", "That access level does not exist on this resource.", { field: "accessLevelId" });
  }
  const { policy, version, rules } = appliedPolicy(row.policy);
  const { requestsSameAccess7d, grantsSameAccessEver, activeGrantsForResource } = row;

  const input: PolicyInput = {
    rules,
    resource: {
      id: resource.id,
      slug: resource.slug,
      tier: resource.tier,
      timeZone: resource.timeZone,
      ownerGroupSlug: resource.ownerGroupSlug,
      ownerId: resource.ownerId,
      tags: resource.tags,
    },
    accessLevel: { key: accessLevel.key, riskWeight: accessLevel.riskWeight },
    requester: {
      id: requester.id,
      kind: requester.kind,
      groups: requester.groupSlugs,
      teamLeadIds: row.leadIds,
      onCall: row.onCallGroups.length > 0,
      onCallGroups: row.onCallGroups,
      ownerId: requester.ownerId,
    },
    durationMinutes: args.durationMinutes,
    startsAt: args.startsAt,
    now: args.now,
    kind: args.kind,
    justification: args.justification,
    ticketRef: args.ticketRef ?? null,
    history: { requestsSameAccess7d, grantsSameAccessEver, activeGrantsForResource },
  };
  return { input, requester, resource, accessLevel, policy, version };
}
