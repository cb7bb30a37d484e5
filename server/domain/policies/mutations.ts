import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { ZPolicyRules } from "@/server/domain/policies/schema";
import { DomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";
import { z } from "zod";

export const ZSavePolicyInput = z
  .object({
    /** An existing policy, or a resource that gets its own policy now (overriding its tier default). */
    policyId: z.uuid().optional(),
    resourceId: z.uuid().optional(),
    /** The rules document as JSON text, so an admin's exact input is validated and stored. */
    rulesJson: z.string().min(2).max(100_000, "The policy document is too long (at most 100,000 characters)."),
    note: z.string().trim().min(3, "Say what changed and why (at least 3 characters).").max(500),
  })
  .strict()
  .refine((input) => Boolean(input.policyId) !== Boolean(input.resourceId), { message: "Give either a policy or a resource." });
export type SavePolicyInput = z.infer<typeof ZSavePolicyInput>;

function parseRulesJson(text: string) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DomainError("VALIDATION", `The policy is not valid JSON: ${(error as Error).message}`, { field: "rulesJson" });
  }
  const parsed = ZPolicyRules.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    const first = issues[0];
    throw new DomainError("VALIDATION", first ? `${first.path || "policy"}: ${first.message}` : "The policy is not valid.", { field: "rulesJson", issues });
  }
  // Store what the admin wrote (defaults stay implicit), but only once it is known to be valid.
  return value as Prisma.InputJsonValue;
}

/**
 * Saves a new version of a policy. Versions are immutable: requests record the version they were
 * decided under, and every edit is a ledger event in the same transaction.
 */
export async function savePolicyVersion(input: SavePolicyInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const actorId = ctx.actor.type === "identity" ? ctx.actor.id : null;
  const rules = parseRulesJson(input.rulesJson);
  return ctx.db.$transaction(async (tx) => {
    let policy;
    if (input.policyId) {
      await tx.$queryRaw`SELECT id FROM "Policy" WHERE id = ${input.policyId}::uuid FOR UPDATE`;
      policy = await tx.policy.findUnique({ where: { id: input.policyId } });
      if (!policy) throw new DomainError("NOT_FOUND", "No such policy.");
    } else {
      const resource = await tx.resource.findUnique({ where: { id: input.resourceId! }, select: { id: true, name: true } });
      if (!resource) throw new DomainError("NOT_FOUND", "No such resource.", { field: "resourceId" });
      const existing = await tx.policy.findUnique({ where: { resourceId: resource.id } });
      policy = existing ?? (await tx.policy.create({ data: { name: `${resource.name} policy`, resourceId: resource.id } }));
    }
    const last = await tx.policyVersion.findFirst({ where: { policyId: policy.id }, orderBy: { version: "desc" }, select: { version: true } });
    const version = await tx.policyVersion.create({
      data: { policyId: policy.id, version: (last?.version ?? 0) + 1, rules, note: input.note, createdById: actorId },
    });
    await tx.policy.update({ where: { id: policy.id }, data: { currentVersionId: version.id } });
    await appendLedgerEvent(tx, {
      action: "policy/policy.changed",
      actor: ctx.actor,
      subject: { type: "policy", id: policy.id },
      resourceId: policy.resourceId,
      summary: `${policy.name}: version ${version.version} — ${input.note}`,
      data: { version: version.version, previousVersion: last?.version ?? null, note: input.note, rules: rules as never },
    });
    return { policyId: policy.id, version: version.version };
  });
}
