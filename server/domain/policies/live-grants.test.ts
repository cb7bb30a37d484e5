import { describe, expect, it } from "vitest";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { withDemoOrganisation } from "@/server/test/demo";
import { createCaller } from "@/server/trpc/root";

const demo = withDemoOrganisation();

describe("live grants after a policy change", () => {
  it("lists the grants the new version would not give, and revokes them on an admin's word as a policy change", async () => {
    const db = demo.db;
    const admin = createCaller({ actor: demo.person("Priya Raman"), db });
    const warehouse = await db.resource.findUniqueOrThrow({ where: { slug: "analytics-warehouse" }, include: { accessLevels: true } });
    const created = await createCaller({ actor: demo.person("Fatima Khan"), db }).requests.create({
      resourceId: warehouse.id, accessLevelId: warehouse.accessLevels[0]!.id, durationMinutes: 240, justification: "Quarterly retention analysis for the board",
    });
    await db.grant.update({ where: { id: created.grantId! }, data: { status: "ACTIVE", activatedAt: new Date() } });
    const tier3 = await db.policy.findFirstOrThrow({ where: { tier: 3, resourceId: null } });
    expect(await admin.policies.grantsAtOdds({ policyId: tier3.id })).toEqual([]);

    // Shorter windows: the 4-hour grant now runs longer than allowed.
    const shorter = { ...tierDefaultRules[3], limits: { ...tierDefaultRules[3].limits, maxDurationMinutes: 60, durationPresetsMinutes: [15, 60] } };
    await admin.policies.save({ policyId: tier3.id, rulesJson: JSON.stringify(shorter), note: "Analytics access is for an hour at most now" });
    const atOdds = await admin.policies.grantsAtOdds({ policyId: tier3.id });
    expect(atOdds).toMatchObject([{ grantId: created.grantId, holder: "Fatima Khan", access: "Read on Analytics warehouse", reason: expect.stringMatching(/more than the new maximum of 60$/) }]);

    // Not for people who are not admins; then revoked, as a policy change.
    await expect(createCaller({ actor: demo.person("Fatima Khan"), db }).policies.revokeGrantsAtOdds({ policyId: tier3.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await db.grant.findUniqueOrThrow({ where: { id: created.grantId! } })).status).toBe("ACTIVE");
    expect(await admin.policies.revokeGrantsAtOdds({ policyId: tier3.id })).toEqual({ revoked: 1 });
    const grant = await db.grant.findUniqueOrThrow({ where: { id: created.grantId! } });
    expect(grant).toMatchObject({ status: "REVOKING", revocationReason: "POLICY_CHANGE" });
    expect(await db.ledgerEvent.count({ where: { grantId: grant.id, action: "access/grant.revoke_requested", actorId: demo.person("Priya Raman").id } })).toBe(1);
    expect(await admin.policies.grantsAtOdds({ policyId: tier3.id })).toEqual([]);
  });
});
