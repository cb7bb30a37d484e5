import { afterAll, describe, expect, it } from "vitest";
import { toActor } from "@/server/domain/identities/queries";
import { createRequest } from "@/server/domain/requests/mutations";
import { warnExpiringGrants } from "@/server/domain/grants/warnings";
import { withDemoOrganisation } from "@/server/test/demo";

const demo = withDemoOrganisation();
afterAll(() => {
  delete process.env.KEYCARD_EXPIRY_WARNINGS;
});

/** An active grant of `windowMinutes` (activated then) with `minutesLeft` to go, for a fresh demo person. */
async function activeGrant(person: string, windowMinutes: number, minutesLeft: number) {
  const db = demo.db;
  const actor = toActor(await db.identity.findFirstOrThrow({ where: { name: person } }));
  const warehouse = await db.resource.findUniqueOrThrow({ where: { slug: "analytics-warehouse" }, include: { accessLevels: true } });
  const created = await createRequest(
    { resourceId: warehouse.id, accessLevelId: warehouse.accessLevels[0]!.id, durationMinutes: 60, justification: "Numbers for the weekly product review" },
    { actor, db },
  );
  const now = Date.now();
  const endsAt = new Date(now + minutesLeft * 60_000);
  const activatedAt = new Date(endsAt.getTime() - windowMinutes * 60_000);
  return db.grant.update({ where: { id: created.grantId! }, data: { status: "ACTIVE", startsAt: activatedAt, activatedAt, endsAt } });
}

const warningsOf = (grantId: string) =>
  demo.db.notification.findMany({ where: { kind: "grant.expiring", channel: "IN_APP", data: { path: ["grantId"], equals: grantId } }, select: { title: true, data: true } });

describe("expiry warnings", () => {
  it("warn once per lead with the time actually left, and never with a lead as long as the grant's window", async () => {
    process.env.KEYCARD_EXPIRY_WARNINGS = "15,5";
    const long = await activeGrant("Ravi Patel", 60, 4.2); // past both leads: the tighter one
    const short = await activeGrant("Zoe Kim", 10, 9.5); // just activated, shorter than 15: no "15 min" warning
    const quarter = await activeGrant("Leo Rossi", 15, 14.5); // exactly 15: the 15-minute lead is its whole window
    const early = await activeGrant("Maya Chen", 60, 30); // no lead reached yet

    await warnExpiringGrants(demo.db);
    expect((await warningsOf(long.id)).map((n) => n.title)).toEqual(["Access ends in 5 min: Read on Analytics warehouse"]);
    expect(await warningsOf(short.id)).toEqual([]);
    expect(await warningsOf(quarter.id)).toEqual([]);
    expect(await warningsOf(early.id)).toEqual([]);
    expect((await warningsOf(long.id))[0]?.data).toMatchObject({ leadMinutes: 5, minutesLeft: 5 });

    // Another tick sends nothing new; a short grant reaching 5 minutes left is warned then.
    await warnExpiringGrants(demo.db);
    expect(await warningsOf(long.id)).toHaveLength(1);
    // Seven minutes later (the same 10-minute window, moved back in time):
    await demo.db.grant.update({ where: { id: short.id }, data: { activatedAt: new Date(Date.now() - 7 * 60_000), endsAt: new Date(Date.now() + 3 * 60_000) } });
    await warnExpiringGrants(demo.db);
    expect((await warningsOf(short.id)).map((n) => n.title)).toEqual(["Access ends in 3 min: Read on Analytics warehouse"]);
  });
});
