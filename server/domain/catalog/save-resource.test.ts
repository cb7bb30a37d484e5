import { describe, expect, it } from "vitest";
import { saveResource } from "@/server/domain/catalog/mutations";
import type { SaveResourceInput } from "@/server/domain/catalog/schema";
import { toActor } from "@/server/domain/identities/queries";
import { createRequest } from "@/server/domain/requests/mutations";
import { withDemoOrganisation } from "@/server/test/demo";

/**
 * A grant does not copy its privilege or target: provisioning, revocation and reconciliation read the
 * access level and resource as they are. So what a grant means in the target cannot change under it.
 */
const demo = withDemoOrganisation();

/** The resource as the admin form sends it back, with `change` applied. */
async function formOf(slug: string, change: (input: SaveResourceInput) => SaveResourceInput): Promise<SaveResourceInput> {
  const r = await demo.db.resource.findUniqueOrThrow({ where: { slug }, include: { accessLevels: { orderBy: { key: "asc" } } } });
  return change({
    id: r.id, slug: r.slug, name: r.name, description: r.description ?? undefined, tier: r.tier, tags: r.tags, environment: r.environment,
    timeZone: r.timeZone, connectorId: r.connectorId, targetJson: r.target as Record<string, unknown>, ownerGroupId: r.ownerGroupId,
    fallbackGroupId: r.fallbackGroupId, requestable: r.requestable,
    accessLevels: r.accessLevels.map((l) => ({ id: l.id, key: l.key, name: l.name, mode: l.mode, privilegeJson: l.privilege as Record<string, unknown>, riskWeight: l.riskWeight })),
  } as SaveResourceInput);
}

describe("editing a resource with live grants", () => {
  it("refuses to change a level's privilege or the resource's target under a live grant, and allows the rest", async () => {
    const db = demo.db;
    const fatima = toActor(await db.identity.findFirstOrThrow({ where: { name: "Fatima Khan" } }));
    const warehouse = await db.resource.findUniqueOrThrow({ where: { slug: "analytics-warehouse" }, include: { accessLevels: true } });
    const created = await createRequest(
      { resourceId: warehouse.id, accessLevelId: warehouse.accessLevels[0]!.id, durationMinutes: 60, justification: "Retention numbers for the weekly review" },
      { actor: fatima, db },
    );
    expect(created.grantId).toBeTruthy(); // approved by policy: a scheduled grant, not yet provisioned (no scheduler here)

    const before = { levels: await db.accessLevel.findMany({ where: { resourceId: warehouse.id } }), events: await db.ledgerEvent.count() };
    const privilege = await formOf("analytics-warehouse", (f) => ({ ...f, accessLevels: f.accessLevels.map((l) => ({ ...l, privilegeJson: { role: "analytics_write" } })) }));
    await expect(saveResource(privilege, { actor: demo.person("Priya Raman"), db })).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'Access level "Read" has 1 live grant: its mode and privilege cannot change until it ends. Add a new access level instead.',
      details: { field: "accessLevels.0" },
    });
    const target = await formOf("analytics-warehouse", (f) => ({ ...f, targetJson: { database: "analytics" } }));
    await expect(saveResource(target, { actor: demo.person("Priya Raman"), db })).rejects.toMatchObject({ code: "CONFLICT", details: { field: "targetJson" } });
    expect({ levels: await db.accessLevel.findMany({ where: { resourceId: warehouse.id } }), events: await db.ledgerEvent.count() }).toEqual(before);

    // What does not change the grant's meaning is fine, and so is a new level beside the old one.
    const renamed = await formOf("analytics-warehouse", (f) => ({
      ...f,
      name: "Analytics warehouse (EU)",
      accessLevels: [...f.accessLevels, { key: "write", name: "Write", mode: "EPHEMERAL_CREDENTIAL", privilegeJson: { role: "analytics_write" }, riskWeight: 20 }],
    }));
    await saveResource(renamed, { actor: demo.person("Priya Raman"), db });
    expect((await db.resource.findUniqueOrThrow({ where: { id: warehouse.id } })).name).toBe("Analytics warehouse (EU)");

    // Once the grant has ended, the privilege may change.
    await db.grant.update({ where: { id: created.grantId! }, data: { status: "REVOKED", revokedAt: new Date() } });
    await saveResource(await formOf("analytics-warehouse", (f) => ({ ...f, accessLevels: f.accessLevels.map((l) => (l.key === "read" ? { ...l, privilegeJson: { role: "analytics_reader" } } : l)) })), { actor: demo.person("Priya Raman"), db });
  });
});
