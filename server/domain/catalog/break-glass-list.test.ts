import { describe, expect, it } from "vitest";
import { listBreakGlassResources } from "@/server/domain/catalog/queries";
import { toActor } from "@/server/domain/identities/queries";
import { savePolicyVersion } from "@/server/domain/policies/mutations";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { withDemoOrganisation } from "@/server/test/demo";

const demo = withDemoOrganisation();

describe("the break-glass form's resources", () => {
  it("are those whose policy in force allows break-glass, with that policy's window", async () => {
    const db = demo.db;
    const requester = toActor(await db.identity.findFirstOrThrow({ where: { name: "Zoe Kim" } }));
    const admin = toActor(await db.identity.findFirstOrThrow({ where: { name: "Priya Raman" } }));
    const listed = async () => (await listBreakGlassResources({ actor: requester, db })).map((r) => `${r.name}:${r.maxMinutes}`);
    const allowedTiers = [1, 2, 3].filter((tier) => tierDefaultRules[tier as 1 | 2 | 3].breakGlass.allowed);
    const expected = await db.resource.findMany({ where: { tier: { in: allowedTiers }, requestable: true, archivedAt: null }, orderBy: [{ tier: "asc" }, { name: "asc" }] });
    expect(await listed()).toEqual(expected.map((r) => `${r.name}:60`));

    // A tier-3 resource whose own policy allows it (tier 3's default does not) is offered, with its own limit.
    const staging = await db.resource.findUniqueOrThrow({ where: { slug: "orders-db-staging" } });
    const rules = { ...tierDefaultRules[3], breakGlass: { allowed: true, maxDurationMinutes: 20 } };
    await savePolicyVersion({ resourceId: staging.id, rulesJson: JSON.stringify(rules), note: "Staging may be broken into during load tests" }, { actor: admin, db });
    expect(await listed()).toContain("Orders database (staging):20");
  });
});
