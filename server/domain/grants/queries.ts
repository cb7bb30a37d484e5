import type { Actor } from "@/server/actor";
import { can } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { DomainError } from "@/server/errors";
import type { GrantStatus, ProvisioningMode, RevocationReason } from "@/server/generated/prisma/enums";

/** What a client following a grant needs, without the grant page's history, extensions and review. */
export interface GrantStatusRead {
  id: string;
  status: GrantStatus;
  breakGlass: boolean;
  requestId: string;
  resource: { name: string; tier: number };
  accessLevel: { name: string; mode: ProvisioningMode };
  startsAt: Date;
  endsAt: Date;
  activatedAt: Date | null;
  revokedAt: Date | null;
  revocationReason: RevocationReason | null;
  targetPrincipal: string | null;
  lastError: string | null;
  credentialAvailable: boolean;
  credentialRevealedAt: Date | null;
  serverNow: Date;
}

interface StatusRow extends Omit<GrantStatusRead, "resource" | "accessLevel" | "credentialAvailable"> {
  identityId: string;
  hasCredential: boolean;
  resourceName: string;
  resourceTier: number;
  levelName: string;
  levelMode: ProvisioningMode;
}

/** Who may see a grant: its holder, auditors, and those who may revoke it; to anyone else it does not exist. */
export function canViewGrant(actor: Actor, holderId: string): boolean {
  return (actor.type === "identity" && actor.id === holderId) || can(actor, "ledger:read") || can(actor, "grants:revoke");
}

/**
 * One grant's status in one round trip (the API's GET /grants/{id}, polled while a grant is provisioned,
 * and `?wait=`): the same visibility as the grant page (getGrantDetail) — the holder, auditors and those
 * who may revoke; anyone else gets NOT_FOUND, as for a grant that does not exist.
 */
export async function getGrantStatus(grantId: string, ctx: Ctx): Promise<GrantStatusRead> {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only people view grants.");
  const [row] = await ctx.db.$queryRaw<StatusRow[]>`
    SELECT g.id, g.status::text AS status, g."breakGlass", g."requestId", g."identityId", g."startsAt", g."endsAt",
           g."activatedAt", g."revokedAt", g."revocationReason"::text AS "revocationReason", g."targetPrincipal", g."lastError",
           g."credentialCiphertext" IS NOT NULL AS "hasCredential", g."credentialRevealedAt",
           r.name AS "resourceName", r.tier AS "resourceTier", l.name AS "levelName", l.mode::text AS "levelMode",
           clock_timestamp() AS "serverNow"
      FROM "Grant" g JOIN "Resource" r ON r.id = g."resourceId" JOIN "AccessLevel" l ON l.id = g."accessLevelId"
     WHERE g.id = ${grantId}::uuid`;
  if (!row || !canViewGrant(ctx.actor, row.identityId)) throw new DomainError("NOT_FOUND", "No such grant.");
  const mine = row.identityId === ctx.actor.id;
  const { identityId: _holder, hasCredential, resourceName, resourceTier, levelName, levelMode, ...grant } = row;
  return {
    ...grant,
    resource: { name: resourceName, tier: Number(resourceTier) },
    accessLevel: { name: levelName, mode: levelMode },
    credentialAvailable: mine && grant.status === "ACTIVE" && hasCredential,
  };
}
