import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAsDemoPersona, signInWithOidc } from "@/server/domain/identities/sign-in";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createPerson } from "@/server/test/fixtures";

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
