import { describe, expect, it } from "vitest";
import { canonicalJson, sanitizeForLedger } from "@/server/ledger/canonical";

describe("canonical JSON", () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: [3, { d: 1, c: 2 }] } }, '{"z":{"y":[3,{"c":2,"d":1}]}}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    ["é\n\"", '"é\\n\\""'],
    [1.5, "1.5"],
    [10n, '"10"'],
    [new Date("2026-01-02T03:04:05.678Z"), '"2026-01-02T03:04:05.678Z"'],
  ])("encodes case %# as %s", (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("refuses values JSON cannot carry exactly", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(Infinity)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });

  it("replaces NUL, which PostgreSQL text cannot store", () => {
    expect(sanitizeForLedger({ "k\u0000": ["a\u0000"] })).toEqual({ "k\uFFFD": ["a\uFFFD"] });
  });
});
