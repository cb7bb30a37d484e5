import { describe, expect, it } from "vitest";
import { compilePolicy, parseStoredRules } from "./compile";
import { tierDefaultRules } from "./defaults";
import { evaluatePolicy } from "./engine";
import { inputOf } from "./test-fixtures";

describe("stored rules", () => {
  it("are validated once per distinct text and shared, frozen, afterwards", () => {
    const stored = JSON.parse(JSON.stringify(tierDefaultRules[1])) as unknown;
    const first = parseStoredRules(stored);
    const again = parseStoredRules(JSON.parse(JSON.stringify(stored)));
    expect(first.ok).toBe(true);
    expect(again).toBe(first);
    if (!first.ok) return;
    expect(Object.isFrozen(first.rules.limits)).toBe(true);
    expect(() => {
      (first.rules.limits as { maxDurationMinutes: number }).maxDurationMinutes = 9;
    }).toThrow(TypeError);
    expect(compilePolicy(first.rules)).toBe(compilePolicy(first.rules));
  });

  it("accept the JSON text as well as the parsed value", () => {
    const text = JSON.stringify(tierDefaultRules[3]);
    expect(parseStoredRules(text)).toMatchObject({ ok: true, rules: { approval: { mode: "auto" } } });
  });

  it.each<[string, unknown, RegExp]>([
    ["the first sketch of the format", { version: 1, approval: { mode: "n_of_m", required: 2, groups: ["owner"] }, maxDurationMinutes: 240, requireTicket: true }, /approval\.mode/],
    ["null", null, /^rules: /],
    ["text that is not JSON", "{version: 1", /^rules: /],
    ["a condition that does not parse", { version: 1, approval: { mode: "auto" }, limits: { maxDurationMinutes: 60 }, conditions: [{ when: "1 +", effect: "deny", reason: "x" }] }, /conditions\.0\.when: condition 1: syntax error/],
  ])("report %s as an error, not a crash", (_title, stored, message) => {
    const result = parseStoredRules(stored);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it("evaluate the same through the cache as freshly parsed", () => {
    const result = parseStoredRules(JSON.stringify(tierDefaultRules[2]));
    if (!result.ok) throw new Error(result.error);
    const cached = evaluatePolicy(inputOf({ rules: result.rules }));
    const fresh = evaluatePolicy(inputOf({ rules: structuredClone(result.rules) }));
    expect(cached).toEqual(fresh);
  });
});
