import { assertCan } from "@/server/auth/permissions";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { revokeForPolicyChange } from "@/server/domain/grants/mutations";
import { evaluatePolicy } from "@/server/domain/policies/engine";
import { loadPolicyInput } from "@/server/domain/requests/policy-context";
import { DomainError, isDomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";

/**
 * Live grants that a policy's current version would not give now: its rules deny the holder this access,
 * or the time left is longer than its new maximum. Grants approved under an earlier version keep running
 * until an admin decides; this is what the policy page offers to revoke after a change. Judged like a new
 * request for the time left (justification and ticket rules are about asking, and do not count here).
 */
export async function grantsAtOddsWithPolicy(policyId: string, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const policy = await ctx.db.policy.findUnique({ where: { id: policyId }, select: { id: true, resourceId: true, tier: true } });
  if (!policy) throw new DomainError("NOT_FOUND", "No such policy.");
  // The resources it governs: its own, or those of its tier without a policy of their own.
  const governed: Prisma.ResourceWhereInput = policy.resourceId ? { id: policy.resourceId } : { tier: policy.tier ?? -1, policies: { none: {} } };
  const grants = await ctx.db.grant.findMany({
    where: { status: { in: ["SCHEDULED", "PROVISIONING", "ACTIVE"] }, resource: governed },
    select: {
      id: true, identityId: true, resourceId: true, accessLevelId: true, endsAt: true,
      identity: { select: { name: true } }, resource: { select: { name: true } }, accessLevel: { select: { name: true } },
      request: { select: { justification: true, ticketRef: true } },
    },
    orderBy: { endsAt: "asc" },
    take: 1000,
  });
  const now = await dbNow(ctx.db);
  const atOdds: { grantId: string; holder: string; access: string; endsAt: Date; reason: string }[] = [];
  for (const grant of grants) {
    const minutesLeft = Math.max(1, Math.ceil((grant.endsAt.getTime() - now.getTime()) / 60_000));
    let loaded;
    try {
      loaded = await loadPolicyInput(ctx.db, {
        requesterId: grant.identityId, resourceId: grant.resourceId, accessLevelId: grant.accessLevelId, durationMinutes: minutesLeft,
        startsAt: now, now, kind: "STANDARD", justification: grant.request.justification, ticketRef: grant.request.ticketRef,
      });
    } catch (error) {
      // A holder who is disabled, or a resource no longer requestable, is not this policy's doing.
      if (isDomainError(error)) continue;
      throw error;
    }
    const decision = evaluatePolicy(loaded.input);
    const reason =
      decision.ruleOutcome === "deny"
        ? (decision.reasons.slice(decision.violations.length)[0] ?? "the policy denies it")
        : minutesLeft > decision.maxDurationMinutes
          ? `${minutesLeft} minutes left, more than the new maximum of ${decision.maxDurationMinutes}`
          : null;
    if (reason) atOdds.push({ grantId: grant.id, holder: grant.identity.name, access: `${grant.accessLevel.name} on ${grant.resource.name}`, endsAt: grant.endsAt, reason });
  }
  return atOdds;
}

/** Revokes the live grants the policy's current version no longer allows (as found now, not as shown earlier). */
export async function revokeGrantsAtOddsWithPolicy(input: { policyId: string }, ctx: Ctx) {
  const atOdds = await grantsAtOddsWithPolicy(input.policyId, ctx);
  const revoked = await revokeForPolicyChange(atOdds.map((g) => g.grantId), ctx, "the policy changed and no longer allows it");
  return { revoked };
}
