import { assertCan } from "@/server/auth/permissions";
import { isConnectorError, validateAccessLevelShape } from "@/server/connectors";
import type { Ctx } from "@/server/domain/context";
import type { SaveResourceInput } from "@/server/domain/catalog/schema";
import { HELD_GRANT_STATUSES } from "@/server/domain/lifecycle/transitions";
import { DomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";
import { canonicalJson, type JsonValue } from "@/server/ledger/canonical";

/**
 * Creates or updates a resource and its access levels. Each access level's privilege and the resource's
 * target are validated against the connector's own schemas (identifiers with quotes, semicolons or
 * Unicode tricks are refused here and never reach a target). Removing an access level is not offered:
 * grants and the ledger refer to it; a resource is archived instead.
 */
export async function saveResource(input: SaveResourceInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  return ctx.db.$transaction(async (tx) => {
    const connector = input.connectorId ? await tx.connector.findUnique({ where: { id: input.connectorId }, select: { id: true, kind: true } }) : null;
    if (input.connectorId && !connector) throw new DomainError("NOT_FOUND", "No such connector.", { field: "connectorId" });
    if (connector) {
      input.accessLevels.forEach((level, index) => {
        try {
          validateAccessLevelShape(connector.kind, { mode: level.mode, privilege: level.privilegeJson, target: input.targetJson });
        } catch (error) {
          if (isConnectorError(error)) throw new DomainError("VALIDATION", `Access level "${level.name}": ${error.message}`, { field: `accessLevels.${index}` });
          throw error;
        }
      });
    }
    const clash = await tx.resource.findUnique({ where: { slug: input.slug }, select: { id: true } });
    if (clash && clash.id !== input.id) throw new DomainError("CONFLICT", `The slug "${input.slug}" is already used by another resource.`, { field: "slug" });

    const fields = {
      slug: input.slug,
      name: input.name,
      description: input.description || null,
      tier: input.tier,
      tags: input.tags,
      environment: input.environment,
      timeZone: input.timeZone,
      connectorId: input.connectorId,
      target: input.targetJson as Prisma.InputJsonValue,
      ownerGroupId: input.ownerGroupId,
      fallbackGroupId: input.fallbackGroupId,
      requestable: input.requestable,
    };
    const existing = input.id ? await tx.resource.findUnique({ where: { id: input.id }, include: { accessLevels: true } }) : null;
    if (input.id && !existing) throw new DomainError("NOT_FOUND", "No such resource.");
    if (existing) await assertNoLiveGrantsMoved(tx, existing, input);
    const resource = existing ? await tx.resource.update({ where: { id: existing.id }, data: fields }) : await tx.resource.create({ data: fields });
    for (const level of input.accessLevels) {
      const data = { key: level.key, name: level.name, mode: level.mode, privilege: level.privilegeJson as Prisma.InputJsonValue, riskWeight: level.riskWeight };
      const current = existing?.accessLevels.find((l) => l.id === level.id || l.key === level.key);
      if (current) await tx.accessLevel.update({ where: { id: current.id }, data });
      else await tx.accessLevel.create({ data: { ...data, resourceId: resource.id } });
    }
    await appendLedgerEvent(tx, {
      action: existing ? "catalog/resource.updated" : "catalog/resource.created",
      actor: ctx.actor,
      subject: { type: "resource", id: resource.id },
      resourceId: resource.id,
      summary: `${existing ? "Updated" : "Created"} resource ${resource.name} (tier ${resource.tier})`,
      data: {
        tier: resource.tier,
        previousTier: existing?.tier ?? null,
        connectorId: resource.connectorId,
        requestable: resource.requestable,
        accessLevels: input.accessLevels.map((l) => ({ key: l.key, mode: l.mode, privilege: l.privilegeJson as never })),
      },
    });
    return { id: resource.id };
  });
}

// Canonical JSON: the database may hand back an object's keys in another order than the form sent them.
const same = (a: unknown, b: unknown) => canonicalJson((a ?? null) as JsonValue) === canonicalJson((b ?? null) as JsonValue);

/**
 * What a grant means in the target (the connector, the resource's target, each level's mode and
 * privilege) cannot change under live grants: revocation would remove the new privilege and leave the
 * old one standing, reconciliation would hand the new one to everyone holding the old, and a scheduled
 * grant would get something other than what was approved. Names, tiers and the rest may change.
 */
async function assertNoLiveGrantsMoved(
  tx: Prisma.TransactionClient,
  existing: { id: string; connectorId: string | null; target: unknown; accessLevels: { id: string; key: string; name: string; mode: string; privilege: unknown }[] },
  input: SaveResourceInput,
) {
  const live = { status: { in: [...HELD_GRANT_STATUSES] } };
  if (existing.connectorId !== input.connectorId || !same(existing.target, input.targetJson)) {
    const count = await tx.grant.count({ where: { resourceId: existing.id, ...live } });
    if (count) {
      const field = existing.connectorId !== input.connectorId ? "connectorId" : "targetJson";
      throw new DomainError("CONFLICT", `This resource has ${count} live grant${count === 1 ? "" : "s"}: its connector and target cannot change until ${count === 1 ? "it ends" : "they end"}.`, { field });
    }
  }
  for (const [index, level] of input.accessLevels.entries()) {
    const current = existing.accessLevels.find((l) => l.id === level.id || l.key === level.key);
    if (!current || (current.mode === level.mode && same(current.privilege, level.privilegeJson))) continue;
    const count = await tx.grant.count({ where: { accessLevelId: current.id, ...live } });
    if (count) {
      throw new DomainError(
        "CONFLICT",
        `Access level "${current.name}" has ${count} live grant${count === 1 ? "" : "s"}: its mode and privilege cannot change until ${count === 1 ? "it ends" : "they end"}. Add a new access level instead.`,
        { field: `accessLevels.${index}` },
      );
    }
  }
}
