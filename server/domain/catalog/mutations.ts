import { assertCan } from "@/server/auth/permissions";
import { isConnectorError, validateAccessLevelShape } from "@/server/connectors";
import type { Ctx } from "@/server/domain/context";
import type { SaveResourceInput } from "@/server/domain/catalog/schema";
import { DomainError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";

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
