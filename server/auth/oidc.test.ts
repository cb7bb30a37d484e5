import { describe, expect, it } from "vitest";
import type { Role } from "../generated/prisma/enums";
import {
  DEFAULT_OIDC_SCOPE,
  normalizeGroups,
  type OidcUser,
  oidcProvider,
  oidcProviderFromEnv,
  parseRoleMap,
  profileFromClaims,
  readGroupsClaim,
  rolesFromGroups,
} from "./oidc";

describe("parseRoleMap", () => {
  it.each<[string, string, Array<[string, Role[]]>]>([
    ["an empty spec maps nothing", "", []],
    ["blank entries are skipped", " , ,", []],
    ["one pair", "kc-admins=admin", [["kc-admins", ["ADMIN"]]]],
    [
      "several pairs, spaces around them",
      " kc-admins=admin , kc-auditors=auditor,kc-approvers=approver ",
      [
        ["kc-admins", ["ADMIN"]],
        ["kc-auditors", ["AUDITOR"]],
        ["kc-approvers", ["APPROVER"]],
      ],
    ],
    [
      "role names are case-insensitive",
      "ops=ADMIN,sec=Auditor",
      [
        ["ops", ["ADMIN"]],
        ["sec", ["AUDITOR"]],
      ],
    ],
    [
      "a group listed twice gets both roles, in role order",
      "leads=admin,leads=approver",
      [["leads", ["APPROVER", "ADMIN"]]],
    ],
    ["a repeated pair is deduplicated", "leads=admin,leads=admin", [["leads", ["ADMIN"]]]],
    ["group names keep their case", "KC-Admins=admin", [["KC-Admins", ["ADMIN"]]]],
    [
      "group names may contain spaces and slashes",
      "Keycard Admins=admin,/kc/ops=approver",
      [
        ["Keycard Admins", ["ADMIN"]],
        ["/kc/ops", ["APPROVER"]],
      ],
    ],
    [
      "Entra ID object ids work as group names",
      "5f1c9a2e-0000-4000-8000-000000000001=admin",
      [["5f1c9a2e-0000-4000-8000-000000000001", ["ADMIN"]]],
    ],
    ["mapping to requester is allowed", "everyone=requester", [["everyone", ["REQUESTER"]]]],
  ])("%s", (_title, spec, expected) => {
    expect([...parseRoleMap(spec)]).toEqual(expected);
  });

  it.each([
    ["a pair without a role", "kc-admins"],
    ["an unknown role", "kc-admins=superuser"],
    ["an empty group", "=admin"],
    ["an empty role", "kc-admins="],
    ["two equals signs", "a=b=admin"],
  ])("refuses %s", (_title, spec) => {
    expect(() => parseRoleMap(spec)).toThrow(/Invalid role map entry/);
  });
});

describe("normalizeGroups", () => {
  it.each<[string, unknown, string[]]>([
    ["missing", undefined, []],
    ["null", null, []],
    ["a number", 42, []],
    ["an object", { kc: true }, []],
    ["an empty array", [], []],
    ["an array", ["kc-admins", "engineering"], ["kc-admins", "engineering"]],
    ["an array with non-strings and blanks", ["kc-admins", 7, null, "", "  "], ["kc-admins"]],
    ["an array with duplicates keeps first order", ["b", "a", "b"], ["b", "a"]],
    ["array elements are not split", ["Keycard Admins"], ["Keycard Admins"]],
    ["a single string", "kc-admins", ["kc-admins"]],
    ["a space-separated string", "kc-admins  engineering", ["kc-admins", "engineering"]],
    ["a comma-separated string", "kc-admins,engineering, ops", ["kc-admins", "engineering", "ops"]],
    ["an empty string", "", []],
  ])("%s", (_title, value, expected) => {
    expect(normalizeGroups(value)).toEqual(expected);
  });
});

describe("rolesFromGroups", () => {
  const roleMap = parseRoleMap(
    "kc-admins=admin,kc-auditors=auditor,kc-approvers=approver,leads=approver,leads=admin",
  );

  it.each<[string, unknown, Role[]]>([
    ["no claim: requester only", undefined, ["REQUESTER"]],
    ["no mapped group: requester only", ["engineering"], ["REQUESTER"]],
    ["an admin group", ["kc-admins", "engineering"], ["REQUESTER", "ADMIN"]],
    ["an auditor group", ["kc-auditors"], ["REQUESTER", "AUDITOR"]],
    [
      "roles come out in a fixed order",
      ["kc-admins", "kc-auditors", "kc-approvers"],
      ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"],
    ],
    ["the same role from two groups appears once", ["kc-approvers", "leads"], ["REQUESTER", "APPROVER", "ADMIN"]],
    ["a single string claim", "kc-auditors", ["REQUESTER", "AUDITOR"]],
    ["a space-separated string claim", "engineering kc-approvers", ["REQUESTER", "APPROVER"]],
    ["a comma-separated string claim", "kc-admins,kc-auditors", ["REQUESTER", "AUDITOR", "ADMIN"]],
    ["group names match case-sensitively", ["KC-ADMINS", "Kc-Auditors"], ["REQUESTER"]],
    ["a claim of the wrong type gives no roles", { "kc-admins": true }, ["REQUESTER"]],
  ])("%s", (_title, groups, expected) => {
    expect(rolesFromGroups(groups, roleMap)).toEqual(expected);
  });

  it("with an empty role map everyone is a requester", () => {
    expect(rolesFromGroups(["kc-admins"], parseRoleMap(""))).toEqual(["REQUESTER"]);
  });
});

describe("readGroupsClaim", () => {
  const keycloak = {
    sub: "u1",
    realm_access: { roles: ["kc-admins", "offline_access"] },
    resource_access: { keycard: { roles: ["kc-auditors"] } },
  };

  it.each<[string, Record<string, unknown>, string, string[]]>([
    ["a top-level claim", { groups: ["kc-admins"] }, "groups", ["kc-admins"]],
    ["a missing claim", { sub: "u1" }, "groups", []],
    ["a string claim", { groups: "kc-admins kc-auditors" }, "groups", ["kc-admins", "kc-auditors"]],
    ["Keycloak realm roles", keycloak, "realm_access.roles", ["kc-admins", "offline_access"]],
    ["Keycloak client roles", keycloak, "resource_access.keycard.roles", ["kc-auditors"]],
    ["a path through a missing object", keycloak, "realm_access.nothing.roles", []],
    ["a path through a non-object", { realm_access: "x" }, "realm_access.roles", []],
    ["a path through an array", { realm_access: [{ roles: ["a"] }] }, "realm_access.0.roles", []],
    ["a path ending at an object", keycloak, "realm_access", []],
    [
      "a namespaced claim whose name contains dots",
      { "https://keycard.example.com/groups": ["kc-admins"] },
      "https://keycard.example.com/groups",
      ["kc-admins"],
    ],
    ["inherited properties are not claims", { sub: "u1" }, "constructor", []],
    ["Entra ID app roles", { roles: ["Keycard.Admin"] }, "roles", ["Keycard.Admin"]],
  ])("%s", (_title, profile, claim, expected) => {
    expect(readGroupsClaim(profile, claim)).toEqual(expected);
  });
});

describe("profileFromClaims", () => {
  it.each<[string, Record<string, unknown>, string, OidcUser]>([
    [
      "all standard claims",
      { sub: "s1", email: "ada@example.test", name: "Ada Lovelace", groups: ["kc-admins"] },
      "groups",
      { id: "s1", email: "ada@example.test", name: "Ada Lovelace", groups: ["kc-admins"] },
    ],
    [
      "no name: preferred_username is shown",
      { sub: "s2", email: "alan@example.test", preferred_username: "alan" },
      "groups",
      { id: "s2", email: "alan@example.test", name: "alan", groups: [] },
    ],
    [
      "no name or username: the email is shown",
      { sub: "s3", email: "grace@example.test" },
      "groups",
      { id: "s3", email: "grace@example.test", name: "grace@example.test", groups: [] },
    ],
    [
      "no email: preferred_username is not used as an email",
      { sub: "s4", preferred_username: "linus@example.test" },
      "groups",
      { id: "s4", email: null, name: "linus@example.test", groups: [] },
    ],
    ["nothing but sub", { sub: "s5" }, "groups", { id: "s5", email: null, name: "s5", groups: [] }],
    [
      "the configured groups claim is read",
      { sub: "s6", name: "K", realm_access: { roles: ["kc-auditors"] }, groups: ["ignored"] },
      "realm_access.roles",
      { id: "s6", email: null, name: "K", groups: ["kc-auditors"] },
    ],
  ])("%s", (_title, claims, groupsClaim, expected) => {
    expect(profileFromClaims({ sub: String(claims.sub), ...claims }, groupsClaim)).toEqual(expected);
  });
});

describe("oidcProvider", () => {
  it("is an Auth.js OIDC provider discovered from the issuer, with PKCE, state and nonce", () => {
    const provider = oidcProvider({
      issuer: "https://idp.example.test",
      clientId: "keycard",
      clientSecret: "s3cret",
      name: "Acme SSO",
    });
    expect(provider).toMatchObject({
      id: "oidc",
      type: "oidc",
      name: "Acme SSO",
      issuer: "https://idp.example.test",
      clientId: "keycard",
      clientSecret: "s3cret",
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: DEFAULT_OIDC_SCOPE } },
    });
    expect(provider).not.toHaveProperty("idToken");
    expect(provider).not.toHaveProperty("wellKnown");
  });

  it("maps ID token claims to the user, reading groups from the configured claim", async () => {
    const provider = oidcProvider({
      issuer: "https://idp.example.test",
      clientId: "keycard",
      clientSecret: "s3cret",
      groupsClaim: "realm_access.roles",
      scope: "openid email profile groups",
    });
    expect(provider.authorization).toEqual({ params: { scope: "openid email profile groups" } });
    const user = await provider.profile?.(
      { sub: "s1", email: "ada@example.test", name: "Ada", realm_access: { roles: ["kc-admins"] } },
      {},
    );
    expect(user).toEqual({ id: "s1", email: "ada@example.test", name: "Ada", groups: ["kc-admins"] });
  });
});

describe("oidcProviderFromEnv", () => {
  const base = {
    AUTH_OIDC_NAME: "Single sign-on",
    AUTH_OIDC_GROUPS_CLAIM: "groups",
  };

  it("is null when single sign-on is not configured", () => {
    expect(oidcProviderFromEnv(base)).toBeNull();
    expect(oidcProviderFromEnv({ ...base, AUTH_OIDC_ISSUER: "https://idp.example.test" })).toBeNull();
  });

  it("builds the provider from the environment", () => {
    expect(
      oidcProviderFromEnv({
        ...base,
        AUTH_OIDC_ISSUER: "https://idp.example.test",
        AUTH_OIDC_CLIENT_ID: "keycard",
        AUTH_OIDC_CLIENT_SECRET: "s3cret",
      }),
    ).toMatchObject({
      id: "oidc",
      name: "Single sign-on",
      issuer: "https://idp.example.test",
      clientId: "keycard",
      authorization: { params: { scope: DEFAULT_OIDC_SCOPE } },
    });
  });

  it("passes an extra scope through when one is configured", () => {
    expect(
      oidcProviderFromEnv({
        ...base,
        AUTH_OIDC_ISSUER: "https://acme.okta.test",
        AUTH_OIDC_CLIENT_ID: "keycard",
        AUTH_OIDC_CLIENT_SECRET: "s3cret",
        AUTH_OIDC_SCOPE: "openid email profile groups",
      })?.authorization,
    ).toEqual({ params: { scope: "openid email profile groups" } });
  });
});
