import { describe, expect, it } from "vitest";
import type { InventoryEntry } from "@/server/connectors/types";
import { classifyPrivilege } from "@/server/domain/discovery/classify";
import { levelKeyFor, planAccessLevel, planRemoval } from "@/server/domain/discovery/conversion";
import { isHeld, toRecords } from "@/server/domain/discovery/discover";
import { buildHolderIndex, connectorOwnLogin, loginOfPrincipal, resolveHolder } from "@/server/domain/discovery/holders";
import { privilegePower } from "@/server/domain/discovery/power";
import { parseRedisRules } from "@/server/domain/discovery/redis-rules";
import { matchResource, type LevelRef } from "@/server/domain/discovery/resource-match";

const now = new Date("2026-11-23T12:00:00Z");
const grantId = "0198f3a2-7c4e-7a1b-9d2e-4f60718293a4";

describe("classification", () => {
  it.each([
    { name: "an active grant's object is JIT", input: { keycardGrantId: grantId, managedByKeycard: true, grantStatus: "ACTIVE" as const }, expected: "JIT" },
    { name: "a grant being revoked is still JIT", input: { keycardGrantId: grantId, managedByKeycard: true, grantStatus: "REVOKING" as const }, expected: "JIT" },
    { name: "an ended grant's leftover is standing", input: { keycardGrantId: grantId, managedByKeycard: true, grantStatus: "REVOKED" as const }, expected: "STANDING", note: /Left behind by Keycard grant/ },
    { name: "an unknown grant's object is standing", input: { keycardGrantId: grantId, managedByKeycard: true }, expected: "STANDING", note: /unknown to Keycard/ },
    { name: "a Keycard helper role is JIT", input: { keycardGrantId: null, managedByKeycard: true }, expected: "JIT" },
    { name: "a baseline before its review date", input: { keycardGrantId: null, managedByKeycard: false, baseline: { reviewAt: new Date(now.getTime() + 1000) } }, expected: "BASELINE" },
    { name: "a baseline on its review date is standing again", input: { keycardGrantId: null, managedByKeycard: false, baseline: { reviewAt: now } }, expected: "STANDING", note: /review was due 2026-11-23/ },
    { name: "anything else is standing", input: { keycardGrantId: null, managedByKeycard: false }, expected: "STANDING" },
  ])("$name", ({ input, expected, note }) => {
    const result = classifyPrivilege({ ...input, now });
    expect(result.classification).toBe(expected);
    if (note) expect(result.note).toMatch(note);
  });
});

describe("holders", () => {
  const index = buildHolderIndex([
    { id: "p1", name: "Maya Chen", kind: "HUMAN", status: "ACTIVE", email: "maya.chen@northwind.example", targetLogin: null },
    { id: "m1", name: "deploy-pipeline", kind: "MACHINE", status: "ACTIVE", email: null, targetLogin: null },
    { id: "x1", name: "Sam One", kind: "HUMAN", status: "ACTIVE", email: "sam@a.example", targetLogin: null },
    { id: "x2", name: "Sam Two", kind: "HUMAN", status: "DISABLED", email: "sam@b.example", targetLogin: null },
  ]);

  it.each([
    { kind: "POSTGRES" as const, principal: "maya_chen", expected: "p1" },
    { kind: "MARIADB" as const, principal: "maya_chen@%", expected: "p1" },
    { kind: "REDIS" as const, principal: "deploy_pipeline", expected: "m1" },
    { kind: "POSTGRES" as const, principal: "Maya_Chen", expected: null },
    // Two identities share the login: nobody is blamed.
    { kind: "POSTGRES" as const, principal: "sam", expected: null },
  ])("$kind $principal → $expected", ({ kind, principal, expected }) => {
    expect(resolveHolder(index, kind, principal)?.id ?? null).toBe(expected);
  });

  it("an admin-set login takes the identity out of the shared one", () => {
    const mended = buildHolderIndex([
      { id: "x1", name: "Sam One", kind: "HUMAN", status: "ACTIVE", email: "sam@a.example", targetLogin: null },
      { id: "x2", name: "Sam Two", kind: "HUMAN", status: "ACTIVE", email: "sam@b.example", targetLogin: "sam_two" },
    ]);
    expect(resolveHolder(mended, "POSTGRES", "sam")?.id).toBe("x1");
    expect(resolveHolder(mended, "POSTGRES", "sam_two")?.id).toBe("x2");
  });

  it("reads the login part of MariaDB accounts only", () => {
    expect(loginOfPrincipal("MARIADB", "app@10.0.%")).toBe("app");
    expect(loginOfPrincipal("POSTGRES", "odd@name")).toBe("odd@name");
  });

  it("knows the connector's own login", () => {
    expect(connectorOwnLogin("POSTGRES", { user: "keycard" })).toBe("keycard");
    expect(connectorOwnLogin("REDIS", {})).toBe("default");
    expect(connectorOwnLogin("WEBHOOK", { url: "x" })).toBeNull();
  });
});

describe("Redis rules", () => {
  it("reads keys, categories, commands and flags", () => {
    const rules = parseRedisRules("nopass ~session:* %R~audit:* resetchannels &events:* -@all +@read +get -debug");
    expect(rules).toMatchObject({ keys: ["session:*"], readKeys: ["audit:*"], channels: ["events:*"], categories: ["+@read"], commands: ["+get", "-debug"], flags: ["nopass"], allKeys: false, allCommands: false, other: [] });
  });

  it("recognises everything-access and keeps selectors whole", () => {
    const rules = parseRedisRules("~* &* +@all (~x:* +get)");
    expect(rules.allKeys).toBe(true);
    expect(rules.allCommands).toBe(true);
    expect(rules.other).toEqual(["(~x:* +get)"]);
  });
});

describe("privilege power", () => {
  it.each([
    ["POSTGRES", "ROLE_ATTRIBUTE", "SUPERUSER", "admin"],
    ["POSTGRES", "ROLE_ATTRIBUTE", "CREATEDB", "write"],
    ["POSTGRES", "ROLE_ATTRIBUTE", "LOGIN", "login"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "pg_write_server_files", "admin"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "pg_read_all_data", "read"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "payments_admin", "admin"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "orders_write", "write"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "app_rw", "write"],
    ["POSTGRES", "ROLE_MEMBERSHIP", "orders_read", "read"],
    ["POSTGRES", "TABLE_PRIVILEGE", "SELECT ON public.orders", "read"],
    ["POSTGRES", "TABLE_PRIVILEGE", "DELETE ON public.orders", "write"],
    ["MARIADB", "GLOBAL_PRIVILEGE", "SUPER ON *.*", "admin"],
    ["MARIADB", "GLOBAL_PRIVILEGE", "SELECT ON *.*", "read"],
    ["MARIADB", "GLOBAL_PRIVILEGE", "INSERT ON *.*", "admin"],
    ["MARIADB", "DATABASE_PRIVILEGE", "INSERT ON billing.*", "write"],
    ["MARIADB", "DATABASE_PRIVILEGE", "DROP ON billing.*", "admin"],
    ["REDIS", "ACL_RULES", "~* &* +@all", "admin"],
    ["REDIS", "ACL_RULES", "~a:* -@all +@read +config|get", "admin"],
    ["REDIS", "ACL_RULES", "~a:* -@all +@read +@write", "write"],
    ["REDIS", "ACL_RULES", "~a:* -@all +@read", "read"],
  ] as const)("%s %s %s is %s", (kind, privilegeKind, privilege, expected) => {
    expect(privilegePower(kind, privilegeKind, privilege)).toBe(expected);
  });
});

describe("resource matching", () => {
  const levels: LevelRef[] = [
    { resourceId: "prod", resourceName: "Orders (production)", tier: 1, privilege: { role: "orders_read" }, target: { database: "orders" } },
    { resourceId: "staging", resourceName: "Orders (staging)", tier: 3, privilege: { role: "orders_read" }, target: { database: "orders" } },
    { resourceId: "cache", resourceName: "Sessions", tier: 2, privilege: { keys: ["session:*"], categories: ["+@read"] }, target: { keyPattern: "session:*" } },
    { resourceId: "billing", resourceName: "Billing", tier: 2, privilege: { privileges: ["SELECT"] }, target: { database: "billing" } },
    { resourceId: "support", resourceName: "Support console", tier: 2, privilege: { group: "support-admins" }, target: {} },
  ];

  it.each([
    { kind: "POSTGRES" as const, entry: { privilegeKind: "ROLE_MEMBERSHIP", privilege: "orders_read" }, expected: "prod" },
    { kind: "POSTGRES" as const, entry: { privilegeKind: "ROLE_MEMBERSHIP", privilege: "other" }, expected: null },
    { kind: "REDIS" as const, entry: { privilegeKind: "ACL_RULES", privilege: "~session:* -@all +@read" }, expected: "cache" },
    { kind: "REDIS" as const, entry: { privilegeKind: "ACL_RULES", privilege: "~* +@all" }, expected: "prod" },
    { kind: "MARIADB" as const, entry: { privilegeKind: "DATABASE_PRIVILEGE", privilege: "UPDATE ON billing.*" }, expected: "billing" },
    { kind: "WEBHOOK" as const, entry: { privilegeKind: "EXTERNAL", privilege: "support-admins" }, expected: "support" },
  ])("$kind $entry.privilege → $expected (the most sensitive match)", ({ kind, entry, expected }) => {
    expect(matchResource(kind, entry, levels)?.resourceId ?? null).toBe(expected);
  });
});

describe("converting to JIT, planned", () => {
  it.each([
    { kind: "POSTGRES" as const, entry: { principal: "maya", privilege: "orders_read", privilegeKind: "ROLE_MEMBERSHIP" }, ok: true, text: 'REVOKE "orders_read" FROM "maya"' },
    { kind: "POSTGRES" as const, entry: { principal: "maya", privilege: "SUPERUSER", privilegeKind: "ROLE_ATTRIBUTE" }, ok: true, text: 'ALTER ROLE "maya" NOSUPERUSER' },
    { kind: "POSTGRES" as const, entry: { principal: "maya", privilege: "LOGIN", privilegeKind: "ROLE_ATTRIBUTE" }, ok: false, text: /A login by itself/ },
    { kind: "POSTGRES" as const, entry: { principal: "PUBLIC", privilege: "SELECT ON public.orders", privilegeKind: "TABLE_PRIVILEGE" }, ok: true, text: "REVOKE SELECT ON public.orders FROM PUBLIC" },
    { kind: "POSTGRES" as const, entry: { principal: 'we"ird', privilege: "x", privilegeKind: "ROLE_MEMBERSHIP" }, ok: true, text: 'REVOKE "x" FROM "we""ird"' },
    { kind: "POSTGRES" as const, entry: { principal: "keycard", privilege: "SUPERUSER", privilegeKind: "ROLE_ATTRIBUTE" }, ok: false, text: /connector logs in as keycard/ },
    { kind: "POSTGRES" as const, entry: { principal: `kc_${grantId.replace(/-/g, "")}`, privilege: "orders_read", privilegeKind: "ROLE_MEMBERSHIP" }, ok: false, text: /Keycard created this object/ },
    { kind: "REDIS" as const, entry: { principal: "default", privilege: "~* +@all", privilegeKind: "ACL_RULES" }, ok: false, text: /default user/ },
    { kind: "REDIS" as const, entry: { principal: "cache", privilege: "~a:* +@read", privilegeKind: "ACL_RULES" }, ok: true, text: /ACL DELUSER cache/ },
    { kind: "MARIADB" as const, entry: { principal: "app@%", privilege: "SELECT ON billing.*", privilegeKind: "DATABASE_PRIVILEGE" }, ok: true, text: "REVOKE SELECT ON `billing`.* FROM app@%" },
    { kind: "MARIADB" as const, entry: { principal: "app@%", privilege: "SUPER ON *.*", privilegeKind: "GLOBAL_PRIVILEGE" }, ok: false, text: /global and table/ },
    { kind: "WEBHOOK" as const, entry: { principal: "ann", privilege: "support-admins", privilegeKind: "EXTERNAL" }, ok: false, text: /webhook protocol/ },
  ])("$kind $entry.principal $entry.privilege", ({ kind, entry, ok, text }) => {
    const plan = planRemoval(kind, entry, "keycard");
    expect(plan.ok).toBe(ok);
    const message = plan.ok ? plan.action : plan.why;
    if (typeof text === "string") expect(message).toBe(text);
    else expect(message).toMatch(text);
  });

  it("hands a person's role back by elevation and anyone else a login of its own", () => {
    const entry = { principal: "maya", privilege: "orders_read", privilegeKind: "ROLE_MEMBERSHIP" };
    expect(planAccessLevel("POSTGRES", entry, "HUMAN")).toMatchObject({ ok: true, mode: "ROLE_ELEVATION", privilege: { role: "orders_read" }, key: "orders-read" });
    expect(planAccessLevel("POSTGRES", entry, "MACHINE")).toMatchObject({ ok: true, mode: "EPHEMERAL_CREDENTIAL" });
    expect(planAccessLevel("POSTGRES", entry, null)).toMatchObject({ ok: true, mode: "EPHEMERAL_CREDENTIAL" });
  });

  it("turns Redis rules into an access level, and refuses what levels may not hand out", () => {
    expect(planAccessLevel("REDIS", { principal: "cache", privilege: "nopass ~session:* resetchannels -@all +@read", privilegeKind: "ACL_RULES" }, null)).toMatchObject({
      ok: true,
      mode: "EPHEMERAL_CREDENTIAL",
      privilege: { keys: ["session:*"], categories: ["+@read"] },
    });
    const admin = planAccessLevel("REDIS", { principal: "ops", privilege: "~* &* +@all", privilegeKind: "ACL_RULES" }, null);
    expect(admin.ok).toBe(false);
    expect(admin.ok ? "" : admin.why).toMatch(/cannot be made requestable/);
  });

  it("maps MariaDB database privileges to a level on that database", () => {
    expect(planAccessLevel("MARIADB", { principal: "app@%", privilege: "SELECT ON billing.*", privilegeKind: "DATABASE_PRIVILEGE" }, "MACHINE")).toMatchObject({
      ok: true,
      privilege: { privileges: ["SELECT"] },
      target: { database: "billing" },
    });
  });

  it("derives level keys the catalog accepts", () => {
    expect(levelKeyFor("Orders_Read")).toBe("orders-read");
    expect(levelKeyFor("!!!")).toBe("access");
  });
});

describe("held privileges", () => {
  const entry = (principal: string, principalKind: InventoryEntry["principalKind"], privilege: string, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
    principal,
    principalKind,
    privilege,
    privilegeKind: "ROLE_MEMBERSHIP",
    keycardGrantId: null,
    managedByKeycard: false,
    ...extra,
  });

  it("keeps logins, users and PUBLIC, not what defines a NOLOGIN role", () => {
    expect(isHeld(entry("maya", "LOGIN", "orders_read"))).toBe(true);
    expect(isHeld(entry("orders_write", "ROLE", "orders_read"))).toBe(false);
    expect(isHeld(entry("PUBLIC", "ROLE", "SELECT ON public.x"))).toBe(true);
  });

  it("classifies, maps and de-duplicates an inventory", () => {
    const holders = buildHolderIndex([{ id: "p1", name: "Maya", kind: "HUMAN", status: "ACTIVE", email: "maya@x.example", targetLogin: null }]);
    const records = toRecords(
      "POSTGRES",
      [
        entry("maya", "LOGIN", "orders_read"),
        entry("maya", "LOGIN", "orders_read"),
        entry("orders_write", "ROLE", "orders_read"),
        entry(`kc_${grantId.replace(/-/g, "")}`, "LOGIN", "orders_read", { keycardGrantId: grantId, managedByKeycard: true }),
        entry("svc", "LOGIN", "orders_read"),
      ],
      {
        grants: new Map([[grantId, { status: "ACTIVE" as const, identity: { id: "p1", kind: "HUMAN" as const } }]]),
        baselines: new Map([["svc\u0000orders_read", new Date(now.getTime() + 86_400_000)]]),
        holders,
        levels: [{ resourceId: "prod", resourceName: "Orders", tier: 1, privilege: { role: "orders_read" }, target: {} }],
        now,
      },
    );
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ principal: "maya", classification: "STANDING", identityId: "p1", holderKind: "HUMAN", resourceId: "prod" });
    expect(records[1]).toMatchObject({ classification: "JIT", identityId: "p1" });
    expect(records[2]).toMatchObject({ principal: "svc", classification: "BASELINE", identityId: null });
  });
});
