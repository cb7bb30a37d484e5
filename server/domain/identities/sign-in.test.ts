import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAsDemoPersona, signInWithOidc } from "@/server/domain/identities/sign-in";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";
import { createCaller } from "@/server/trpc/root";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

const issuer = "https://idp.example";

describe("signing in", () => {
  it("creates a person on first single sign-on and updates roles from groups later, ledgering both", async () => {
    const first = await signInWithOidc(database.prisma, {
      issuer,
      subject: "sub-ada",
      email: "Ada@Example.com",
      emailVerified: true,
      name: "Ada",
      groups: ["kc-admins"],
      roles: ["REQUESTER", "ADMIN"],
    });
    expect(first.roles).toEqual(["REQUESTER", "ADMIN"]);
    expect(first.email).toBe("ada@example.com");
    const again = await signInWithOidc(database.prisma, {
      issuer,
      subject: "sub-ada",
      email: "ada@example.com",
      emailVerified: true,
      name: "Ada L.",
      groups: [],
      roles: ["REQUESTER"],
    });
    expect(again.id).toBe(first.id);
    expect(again.roles).toEqual(["REQUESTER"]);
    const actions = (await database.prisma.ledgerEvent.findMany({ where: { subjectId: first.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["identity/identity.created", "auth/session.signed_in", "identity/roles.changed", "auth/session.signed_in"]);
  });

  it("binds an admin-created person by verified email, but never an unverified one", async () => {
    const existing = await createPerson(database.prisma, ["REQUESTER"]);
    const bound = await signInWithOidc(database.prisma, { issuer, subject: "sub-bound", email: existing.email, emailVerified: true, name: "X", groups: [], roles: ["REQUESTER"] });
    expect(bound.id).toBe(existing.id);
    const other = await createPerson(database.prisma, ["REQUESTER"]);
    await expect(
      signInWithOidc(database.prisma, { issuer, subject: "sub-attacker", email: other.email, emailVerified: false, name: "Y", groups: [], roles: ["REQUESTER"] }),
    ).rejects.toMatchObject({ code: "CONFLICT" }); // not proven: no takeover, no duplicate
    // An IdP that leaves email_verified out vouches for nothing either.
    await expect(
      signInWithOidc(database.prisma, { issuer, subject: "sub-silent", email: other.email, emailVerified: null, name: "Z", groups: [], roles: ["REQUESTER"] }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await database.prisma.identity.findUniqueOrThrow({ where: { id: other.id } })).oidcSubject).toBeNull();
  });

  it("refuses a disabled identity, through SSO and demo sign-in, and records the refusal", async () => {
    const person = await signInWithOidc(database.prisma, { issuer, subject: "sub-off", email: "off@example.com", emailVerified: true, name: "Off", groups: [], roles: ["REQUESTER"] });
    await database.prisma.identity.update({ where: { id: person.id }, data: { status: "DISABLED" } });
    await expect(
      signInWithOidc(database.prisma, { issuer, subject: "sub-off", email: "off@example.com", emailVerified: true, name: "Off", groups: [], roles: ["REQUESTER"] }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(signInAsDemoPersona(database.prisma, person.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const refused = await database.prisma.ledgerEvent.findFirst({ where: { subjectId: person.id, action: "auth/session.refused" } });
    expect(refused?.outcome).toBe("denied");
  });
});

describe("groups that follow the identity provider", () => {
  it("gain and lose a person as their groups claim changes at sign-in, ledgered; others stay by hand", async () => {
    const db = database.prisma;
    const admin = await createPerson(db, ["REQUESTER", "ADMIN"], "Group Admin");
    const caller = createCaller({ actor: admin, db });
    const synced = await caller.groups.create({ name: "Payments approvers", slug: "payments-approvers-idp", kind: "APPROVERS", idpGroup: "kc-payments-approvers" });
    const manual = await caller.groups.create({ name: "Hand-kept", slug: "hand-kept", kind: "APPROVERS" });
    const members = async (groupId: string) => (await db.groupMembership.findMany({ where: { groupId } })).map((m) => m.identityId);
    const signIn = (groups: string[]) => signInWithOidc(db, { issuer, subject: "sub-grace", email: "grace@example.com", emailVerified: true, name: "Grace", groups, roles: ["REQUESTER", "APPROVER"] });

    const grace = await signIn(["kc-payments-approvers", "hand-kept"]);
    expect(await members(synced.id)).toEqual([grace.id]);
    expect(await members(manual.id)).toEqual([]); // a group without the link is never touched by sign-in
    await signIn(["kc-payments-approvers"]);
    expect(await members(synced.id)).toEqual([grace.id]);
    await signIn([]);
    expect(await members(synced.id)).toEqual([]);
    const events = await db.ledgerEvent.findMany({ where: { subjectId: synced.id, action: { in: ["identity/group.member_added", "identity/group.member_removed"] } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.action, e.actorType, e.actorLabel])).toEqual([
      ["identity/group.member_added", "system", "system:idp-group-sync"],
      ["identity/group.member_removed", "system", "system:idp-group-sync"],
    ]);

    // Its members are not changed by hand, and two groups cannot follow the same IdP group.
    await expect(caller.groups.addMember({ groupId: synced.id, identityId: admin.id })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("come from the identity-provider group") });
    await expect(caller.groups.create({ name: "Copy", slug: "copy", kind: "APPROVERS", idpGroup: "kc-payments-approvers" })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
