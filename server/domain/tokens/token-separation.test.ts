import { beforeAll, describe, expect, it } from "vitest";
import { toActor } from "@/server/domain/identities/queries";
import { createRequest, decideRequest } from "@/server/domain/requests/mutations";
import { listInbox } from "@/server/domain/requests/inbox";
import { createApiToken } from "@/server/domain/tokens/mutations";
import { withDemoOrganisation } from "@/server/test/demo";

/**
 * Whoever holds a token acts as its identity. Found in a review (2026-12-07): an admin could mint a
 * decisions token for an approver and approve their own request as that approver, or mint a token for
 * someone else's machine, request as the machine and approve it. Both are closed.
 */
const demo = withDemoOrganisation();
let resources: Record<string, { id: string; levels: Record<string, string> }>;

beforeAll(async () => {
  const rows = await demo.db.resource.findMany({ include: { accessLevels: true } });
  resources = Object.fromEntries(rows.map((r) => [r.slug, { id: r.id, levels: Object.fromEntries(r.accessLevels.map((l) => [l.key, l.id])) }]));
});

describe("API tokens and separation of duties", () => {
  it("an admin cannot create a token for another person; a person can for themselves", async () => {
    const db = demo.db;
    const priya = demo.person("Priya Raman");
    const aisha = demo.person("Aisha Bello");
    const before = { tokens: await db.apiToken.count(), events: await db.ledgerEvent.count({ where: { action: "identity/token.created" } }) };
    await expect(createApiToken({ identityId: aisha.id, name: "chat-ops bot", scopes: ["decisions:write"], expiresInDays: 1 }, { actor: priya, db })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "A token acts as its person, so only Aisha Bello can create one for themselves.",
    });
    expect({ tokens: await db.apiToken.count(), events: await db.ledgerEvent.count({ where: { action: "identity/token.created" } }) }).toEqual(before);

    const own = await createApiToken({ identityId: aisha.id, name: "my chat-ops", scopes: ["decisions:write"], expiresInDays: 1 }, { actor: aisha, db });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: own.id } })).createdById).toBe(aisha.id);
  });

  it("the admin who created a machine's token is not routed its requests and cannot decide them", async () => {
    const db = demo.db;
    // Kenji approves for the platform group (the support console's owners); here he is an admin too.
    await db.identity.update({ where: { id: demo.person("Kenji Watanabe").id }, data: { roles: ["REQUESTER", "APPROVER", "ADMIN"] } });
    const kenji = toActor(await db.identity.findUniqueOrThrow({ where: { id: demo.person("Kenji Watanabe").id } }));
    const machine = await db.identity.findFirstOrThrow({ where: { name: "deploy-pipeline" } });
    expect(machine.ownerId).not.toBe(kenji.id);
    await createApiToken({ identityId: machine.id, name: "pipeline", scopes: ["requests:write"], expiresInDays: 1 }, { actor: kenji, db });

    const console_ = resources["support-admin-console"]!;
    const created = await createRequest(
      { resourceId: console_.id, accessLevelId: console_.levels.admin!, durationMinutes: 60, justification: "The nightly job must reset a customer's console settings" },
      { actor: toActor(machine), db },
    );
    expect(created.status).toBe("PENDING");
    const routed = await db.requestApprover.findMany({ where: { requestId: created.id }, select: { identityId: true } });
    expect(routed.map((r) => r.identityId)).not.toContain(kenji.id);
    expect(routed.length).toBeGreaterThan(0);
    expect((await listInbox({ tab: "pending" }, { actor: kenji, db })).pending.map((r) => r.id)).not.toContain(created.id);

    await expect(decideRequest({ requestId: created.id, decision: "APPROVE" }, { actor: kenji, db })).rejects.toMatchObject({
      code: "FORBIDDEN",
      details: { refusal: "TOKEN_CREATOR" },
    });
    expect(await db.approvalDecision.count({ where: { requestId: created.id } })).toBe(0);
    expect((await db.accessRequest.findUniqueOrThrow({ where: { id: created.id } })).status).toBe("PENDING");
  });
});
