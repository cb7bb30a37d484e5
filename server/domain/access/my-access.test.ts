import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { listMyAccess, MY_ACCESS_PAGE } from "@/server/domain/access/queries";
import { withDemoOrganisation } from "@/server/test/demo";
import { createPerson } from "@/server/test/fixtures";
import { createCaller } from "@/server/trpc/root";

const demo = withDemoOrganisation();
let me: IdentityActor;
let longRunningGrantId: string;
const minute = 60_000;

/**
 * Someone with a long history: 60 requests and past grants, many sharing a timestamp (a page must
 * never cut between twins), and one grant, started before all of them, that is still active.
 */
beforeAll(async () => {
  const db = demo.db;
  me = await createPerson(db, ["REQUESTER"], "Long History");
  const level = await db.accessLevel.findFirstOrThrow({ where: { resource: { slug: "analytics-warehouse" } } });
  const base = Date.now() - 90 * 24 * 60 * minute;
  const request = (createdAt: Date) => ({
    id: randomUUID(),
    status: "APPROVED" as const,
    requesterId: me.id,
    resourceId: level.resourceId,
    accessLevelId: level.id,
    justification: "Monthly revenue report",
    startsAt: createdAt,
    durationMinutes: 60,
    decision: {},
    createdAt,
  });
  const first = request(new Date(base - minute));
  const rows = Array.from({ length: 60 }, (_, i) => request(new Date(base + Math.floor(i / 3) * minute)));
  await db.accessRequest.createMany({ data: [first, ...rows] });
  longRunningGrantId = randomUUID();
  const grant = (r: typeof first, status: "ACTIVE" | "REVOKED", id: string = randomUUID()) => ({
    id,
    requestId: r.id,
    identityId: me.id,
    resourceId: r.resourceId,
    accessLevelId: r.accessLevelId,
    status,
    startsAt: r.createdAt,
    endsAt: status === "ACTIVE" ? new Date(Date.now() + 60 * minute) : new Date(r.createdAt.getTime() + 60 * minute),
    revokedAt: status === "REVOKED" ? new Date(r.createdAt.getTime() + 60 * minute) : null,
  });
  await db.grant.createMany({ data: [grant(first, "ACTIVE", longRunningGrantId), ...rows.map((r) => grant(r, "REVOKED"))] });
});

async function everyPage(list: "requests" | "pastGrants") {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await listMyAccess(list === "requests" ? { requestsAfter: after } : { pastGrantsAfter: after }, { actor: me, db: demo.db });
    ids.push(...page[list].items.map((row) => row.id));
    after = page[list].next ?? undefined;
    pages++;
  } while (after && pages < 10);
  return { ids, pages };
}

describe("My access", () => {
  it("always shows a grant that still holds access, however many newer grants are over", async () => {
    const page = await listMyAccess({}, { actor: me, db: demo.db });
    expect(page.heldGrants.map((g) => g.id)).toEqual([longRunningGrantId]);
    expect(page.pastGrants.items).toHaveLength(MY_ACCESS_PAGE);
    expect(page.pastGrants.items.map((g) => g.id)).not.toContain(longRunningGrantId);
  });

  it.each(["requests", "pastGrants"] as const)("pages through all %s newest first, none twice and none skipped where timestamps tie", async (list) => {
    const { ids, pages } = await everyPage(list);
    const expected = list === "requests" ? 61 : 60;
    expect(pages).toBe(Math.ceil(expected / MY_ACCESS_PAGE));
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
  });

  it("refuses a malformed page link with a specific error, and a well-formed one only ever shows my own rows", async () => {
    const caller = createCaller({ actor: me, db: demo.db });
    await expect(caller.access.mine({ requestsAfter: "1' OR 1=1 --" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("page link is not valid") });
    await expect(caller.access.mine({ requestsAfter: "1", status: "ACTIVE" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const someoneElse = demo.person("Kenji Watanabe");
    const theirs = await createCaller({ actor: someoneElse, db: demo.db }).access.mine({ requestsAfter: `${Date.now() + minute}_${randomUUID()}` });
    expect(theirs.requests.items.every((r) => r.id && !r.justification.includes("Monthly revenue report"))).toBe(true);
  });
});
