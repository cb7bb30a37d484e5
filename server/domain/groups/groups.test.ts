import { describe, expect, it } from "vitest";
import { listInbox } from "@/server/domain/requests/inbox";
import { withDemoOrganisation } from "@/server/test/demo";
import { createCaller } from "@/server/trpc/root";

const demo = withDemoOrganisation();

const as = (name: string) => createCaller({ actor: demo.person(name), db: demo.db });
const admin = () => as("Priya Raman");
const state = async () => {
  const db = demo.db;
  return { groups: await db.group.count(), members: await db.groupMembership.count(), shifts: await db.onCallShift.count(), events: await db.ledgerEvent.count() };
};
const inboxIds = async (name: string) => (await listInbox({ tab: "pending" }, { actor: demo.person(name), db: demo.db })).pending.map((r) => r.id);

describe("groups", () => {
  it("an admin creates one; a taken or malformed slug, and people who are not admins, change nothing", async () => {
    const created = await admin().groups.create({ name: "Data platform", slug: "data-platform", kind: "TEAM", description: "Runs the warehouse" });
    expect((await admin().groups.get({ groupId: created.id })).members).toEqual([]);
    const before = await state();
    await expect(admin().groups.create({ name: "Again", slug: "data-platform", kind: "TEAM" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(admin().groups.create({ name: "Bad", slug: "Data Platform", kind: "TEAM" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin().groups.create({ name: "Bad", slug: "idp-group", kind: "IDP" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(as("Kenji Watanabe").groups.create({ name: "Mine", slug: "mine", kind: "APPROVERS" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await state()).toEqual(before);
  });

  it("two admins creating the same slug at the same moment: one group, and the other hears of a conflict", async () => {
    const before = await state();
    const results = await Promise.allSettled([1, 2, 3].map((n) => admin().groups.create({ name: `SRE ${n}`, slug: "sre-race", kind: "TEAM" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    // Whether the domain's check or the unique index caught it, the answer is a CONFLICT, never a 500.
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    expect(await state()).toMatchObject({ groups: before.groups + 1, events: before.events + 1 });
  });

  it("a new approver sees the requests waiting for the group at once; one who leaves stops seeing them", async () => {
    const db = demo.db;
    const orders = await db.resource.findUniqueOrThrow({ where: { slug: "orders-db-prod" }, include: { accessLevels: true, ownerGroup: true } });
    const created = await as("Maya Chen").requests.create({ resourceId: orders.id, accessLevelId: orders.accessLevels.find((l) => l.key === "write")!.id, durationMinutes: 30, justification: "Repair the order totals after the refund bug", ticketRef: "INC-9" });
    const owners = orders.ownerGroupId!;
    expect(await inboxIds("Oliver Smith")).not.toContain(created.id);

    await admin().groups.addMember({ groupId: owners, identityId: demo.person("Oliver Smith").id });
    expect(await inboxIds("Oliver Smith")).toContain(created.id);
    expect(await db.notification.count({ where: { kind: "request.created", recipientId: demo.person("Oliver Smith").id, data: { path: ["requestId"], equals: created.id } } })).toBeGreaterThan(0);
    expect(await db.ledgerEvent.count({ where: { action: "identity/group.member_added", subjectId: owners } })).toBe(1);

    await admin().groups.removeMember({ groupId: owners, identityId: demo.person("Oliver Smith").id });
    expect(await inboxIds("Oliver Smith")).not.toContain(created.id);
    await expect(as("Oliver Smith").requests.decide({ requestId: created.id, decision: "APPROVE" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("refuses a machine in an approver group, a duplicate member, a lead outside a team", async () => {
    const db = demo.db;
    const approvers = await db.group.findUniqueOrThrow({ where: { slug: "payments-owners" } });
    const machine = await db.identity.findFirstOrThrow({ where: { kind: "MACHINE" } });
    const member = await db.groupMembership.findFirstOrThrow({ where: { groupId: approvers.id } });
    const before = await state();
    await expect(admin().groups.addMember({ groupId: approvers.id, identityId: machine.id })).rejects.toMatchObject({ code: "BAD_REQUEST", message: "A machine identity never approves, so it cannot join an approver group." });
    await expect(admin().groups.addMember({ groupId: approvers.id, identityId: member.identityId })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(admin().groups.setLead({ groupId: approvers.id, identityId: member.identityId, isLead: true })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await state()).toEqual(before);
  });

  it("on-call shifts: members only, in the future, at most a month, never overlapping; removing a member ends theirs", async () => {
    const db = demo.db;
    const platform = await db.group.findUniqueOrThrow({ where: { slug: "platform" }, include: { members: true } });
    const member = platform.members[0]!.identityId;
    const outsider = demo.person("Nora Haddad").id;
    const hour = 3_600_000;
    const at = (hours: number) => new Date(Date.now() + hours * hour).toISOString();
    await db.onCallShift.deleteMany({ where: { groupId: platform.id, identityId: member } });
    const before = await state();
    const cases: [Record<string, unknown>, string][] = [
      [{ identityId: member, startsAt: at(2), endsAt: at(1) }, "BAD_REQUEST"],
      [{ identityId: member, startsAt: "2026-12-08T09:00:00", endsAt: at(30) }, "BAD_REQUEST"],
      [{ identityId: member, startsAt: at(-5), endsAt: at(-1) }, "BAD_REQUEST"],
      [{ identityId: member, startsAt: at(1), endsAt: at(1 + 32 * 24) }, "BAD_REQUEST"],
      [{ identityId: outsider, startsAt: at(1), endsAt: at(8) }, "BAD_REQUEST"],
    ];
    for (const [input, code] of cases) await expect(admin().groups.addShift({ groupId: platform.id, ...input } as never)).rejects.toMatchObject({ code });
    expect(await state()).toEqual(before);

    await admin().groups.addShift({ groupId: platform.id, identityId: member, startsAt: at(-1), endsAt: at(8) });
    await expect(admin().groups.addShift({ groupId: platform.id, identityId: member, startsAt: at(4), endsAt: at(12) })).rejects.toMatchObject({ code: "CONFLICT" });
    await admin().groups.addShift({ groupId: platform.id, identityId: member, startsAt: at(24), endsAt: at(32) });
    await admin().groups.removeMember({ groupId: platform.id, identityId: member });
    const left = await db.onCallShift.findMany({ where: { groupId: platform.id, identityId: member } });
    expect(left).toHaveLength(1);
    expect(left[0]!.endsAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await db.ledgerEvent.findFirstOrThrow({ where: { action: "identity/group.member_removed", subjectId: platform.id }, orderBy: { seq: "desc" } })).data).toMatchObject({ shiftsEnded: 1, shiftsRemoved: 1 });
  });
});
