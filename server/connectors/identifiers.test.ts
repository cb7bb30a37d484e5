import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ephemeralPrincipalName, generatePassword, grantRoleName, keycardOwnership, parseKeycardName, personRoleName, unsafeNameReason, zSqlName } from "./identifiers";
import { scramSha256Verifier } from "./scram";

describe("configured names", () => {
  it.each([
    ["orders_read", null],
    ["Orders-Read_2", null],
    ["", "must not be empty"],
    ['orders"read', "contains a quote"],
    ["orders'read", "contains a quote"],
    ["orders`read", "contains a quote"],
    ["orders;read", "contains a semicolon"],
    ["orders\\read", "contains a backslash"],
    ["orders\u0000", "contains a control character"],
    ["orders\u0085", "contains a control character"],
    ["оrders", "contains non-ASCII"], // Cyrillic о
    ["orders\u200d", "contains non-ASCII"], // zero-width joiner
    ["ｏrders", "contains non-ASCII"], // full-width o
    ["orders read", "contains whitespace"],
    ["1orders", "may only contain"],
    ["orders.read", "may only contain"],
    ["x".repeat(64), "is longer than 63 characters"],
  ])("%j → %s", (name, reason) => {
    const result = unsafeNameReason(name, { maxLength: 63 });
    if (reason === null) expect(result).toBeNull();
    else expect(result).toContain(reason);
  });

  it("refuses every name containing a quote, semicolon, control or non-ASCII character", () => {
    const dangerous = fc.constantFrom("'", '"', "`", ";", "\\", "\n", "\u0000", "\u202e", "\u200b", "а", "；");
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), dangerous, fc.string({ maxLength: 20 }), (before, bad, after) => {
        expect(unsafeNameReason(`a${before}${bad}${after}`, { maxLength: 200 })).not.toBeNull();
      }),
    );
  });

  it("keeps the kc_ namespace for Keycard's own objects", () => {
    expect(zSqlName({ maxLength: 63 }).safeParse("kc_anything").error?.issues[0]?.message).toMatch(/reserved/);
    expect(zSqlName({ maxLength: 63 }).safeParse("KC_anything").success).toBe(false);
    expect(zSqlName({ maxLength: 63, reservedAllowed: true }).safeParse("kc_anything").success).toBe(true);
  });
});

describe("generated names", () => {
  it("carry the whole grant id and map back to it", () => {
    fc.assert(
      fc.property(fc.uuid(), (grantId) => {
        const login = ephemeralPrincipalName(grantId);
        const role = grantRoleName(grantId);
        expect(login).toMatch(/^kc_[0-9a-f]{32}$/);
        expect(role).toMatch(/^kc_g_[0-9a-f]{32}$/);
        expect(unsafeNameReason(login, { maxLength: 63 })).toBeNull();
        expect(parseKeycardName(login)).toEqual({ kind: "ephemeral", grantId: grantId.toLowerCase() });
        expect(parseKeycardName(role)).toEqual({ kind: "grant-role", grantId: grantId.toLowerCase() });
      }),
    );
  });

  it("refuse a grant id that is not a UUID", () => {
    expect(() => ephemeralPrincipalName("'; DROP ROLE x; --")).toThrow();
  });

  it("mark per-person helpers as Keycard's without a grant, and prefer a grant id when one is involved", () => {
    const grantId = randomUUID();
    const person = personRoleName("ada@%");
    expect(parseKeycardName(person)).toEqual({ kind: "person-role", grantId: null });
    expect(keycardOwnership(person)).toEqual({ keycardGrantId: null, managedByKeycard: true });
    expect(keycardOwnership(person, grantRoleName(grantId))).toEqual({ keycardGrantId: grantId, managedByKeycard: true });
    expect(keycardOwnership("orders_read", "ada")).toEqual({ keycardGrantId: null, managedByKeycard: false });
  });

  it("passwords are 32 alphanumeric characters and do not repeat", () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generatePassword()));
    expect(passwords.size).toBe(200);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

describe("SCRAM verifier", () => {
  // That PostgreSQL accepts it as the password is shown on a password-checked server in postgres.test.ts.
  it("has PostgreSQL's stored format, a fresh salt each time, and never contains the password", () => {
    const verifier = scramSha256Verifier("pencil");
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(verifier).not.toContain("pencil");
    expect(scramSha256Verifier("pencil")).not.toBe(verifier);
    const salt = Buffer.alloc(16, 7);
    expect(scramSha256Verifier("pencil", { salt })).toBe(scramSha256Verifier("pencil", { salt }));
  });
});
