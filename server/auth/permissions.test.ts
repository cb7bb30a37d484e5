import { describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { can, permissions, type Permission } from "@/server/auth/permissions";
import type { Role } from "@/server/generated/prisma/enums";

const person = (roles: Role[], tokenScopes?: string[]): IdentityActor => ({
  type: "identity",
  id: "00000000-0000-7000-8000-000000000001",
  kind: "HUMAN",
  name: "P",
  email: null,
  roles,
  tokenScopes,
});

describe("the permission table", () => {
  it.each([
    [["REQUESTER"], "access:request", true],
    [["REQUESTER"], "requests:decide", false],
    [["REQUESTER"], "admin:manage", false],
    [["REQUESTER", "APPROVER"], "requests:decide", true],
    [["REQUESTER", "AUDITOR"], "ledger:read", true],
    [["REQUESTER", "AUDITOR"], "admin:manage", false],
    [["REQUESTER", "ADMIN"], "admin:status", true],
    [["REQUESTER", "ADMIN"], "break_glass:review", true],
    [["AUDITOR"], "access:request", false],
  ] as [Role[], Permission, boolean][])("%j may %s: %s", (roles, permission, expected) => {
    expect(can(person(roles), permission)).toBe(expected);
  });

  it("a token needs both the role and the scope", () => {
    expect(can(person(["REQUESTER"], ["requests:write"]), "access:request")).toBe(true);
    expect(can(person(["REQUESTER"], ["usage:write"]), "access:request")).toBe(false);
    expect(can(person(["REQUESTER"], ["decisions:write"]), "requests:decide")).toBe(false);
  });

  it("every permission is granted to at least one role, and admins never hold access:request implicitly", () => {
    for (const roles of Object.values(permissions)) expect(roles.length).toBeGreaterThan(0);
    expect(can(person(["ADMIN"]), "access:request")).toBe(false);
  });
});
