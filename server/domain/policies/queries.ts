import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { evaluateRequestFor } from "@/server/domain/requests/queries";
import { DomainError } from "@/server/errors";
import { z } from "zod";

export async function listPolicies(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const [policies, resources] = await Promise.all([
    ctx.db.policy.findMany({
      include: {
        resource: { select: { id: true, name: true, tier: true } },
        currentVersion: { select: { version: true, createdAt: true, createdBy: { select: { name: true } }, note: true } },
        _count: { select: { versions: true } },
      },
      orderBy: [{ tier: "asc" }, { name: "asc" }],
    }),
    ctx.db.resource.findMany({ where: { archivedAt: null, policies: { none: {} } }, select: { id: true, name: true, tier: true }, orderBy: { name: "asc" } }),
  ]);
  return { policies, resourcesOnTierDefault: resources };
}

export async function getPolicy(policyId: string, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const policy = await ctx.db.policy.findUnique({
    where: { id: policyId },
    include: {
      resource: { select: { id: true, name: true, tier: true } },
      versions: { orderBy: { version: "desc" }, take: 50, include: { createdBy: { select: { name: true } } } },
    },
  });
  if (!policy) throw new DomainError("NOT_FOUND", "No such policy.");
  return { ...policy, currentVersionNumber: policy.versions.find((v) => v.id === policy.currentVersionId)?.version ?? null };
}

export const ZSimulateInput = z
  .object({
    identityId: z.uuid("Pick a person or machine."),
    resourceId: z.uuid("Pick a resource."),
    accessLevelId: z.uuid("Pick an access level."),
    durationMinutes: z.number().int().positive().max(366 * 24 * 60),
    breakGlass: z.boolean().optional(),
  })
  .strict();
export type SimulateInput = z.infer<typeof ZSimulateInput>;

/**
 * The policy simulator: "what would happen if this person requested this access now?", with the
 * reasons, approvers and risk — the same evaluation the request form runs, for someone else. Read-only.
 */
export async function simulatePolicy(input: SimulateInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const identity = await ctx.db.identity.findUnique({ where: { id: input.identityId }, select: { id: true, name: true, status: true } });
  if (!identity) throw new DomainError("NOT_FOUND", "No such identity.", { field: "identityId" });
  const result = await evaluateRequestFor(ctx.db, identity.id, {
    resourceId: input.resourceId,
    accessLevelId: input.accessLevelId,
    durationMinutes: input.durationMinutes,
    justification: "Simulated request from the policy simulator",
    breakGlass: input.breakGlass,
  });
  return { requester: identity.name, ...result };
}
