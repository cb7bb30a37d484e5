import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ledgerLink } from "@/server/domain/reports/links";
import { decisionRates, formatPercent, formatSeconds, percentile, rate, shareEliminated } from "@/server/domain/reports/metrics-math";
import { idleness, judge, recommend, riskScore, tierOf, type JudgeInput } from "@/server/domain/reports/recommend";
import { standingFiltersFromSearchParams } from "@/server/domain/reports/schema";

const DAY = 86_400_000;
const now = new Date("2026-11-23T12:00:00Z");

describe("percentiles (linear interpolation, as PostgreSQL's percentile_cont)", () => {
  it.each([
    { values: [], p: 0.5, expected: null },
    { values: [7], p: 0.95, expected: 7 },
    { values: [1, 2, 3, 4], p: 0.5, expected: 2.5 },
    { values: [4, 1, 3, 2], p: 0.5, expected: 2.5 },
    { values: [10, 20, 30, 40, 50], p: 0.95, expected: 48 },
    { values: [10, 20, 30, 40, 50], p: 0.99, expected: 49.6 },
    { values: [0, 100], p: 0, expected: 0 },
    { values: [0, 100], p: 1, expected: 100 },
    { values: [5, Number.NaN, 15], p: 0.5, expected: 10 },
  ])("p$p of $values is $expected", ({ values, p, expected }) => {
    const result = percentile(values, p);
    if (expected === null) expect(result).toBeNull();
    else expect(result).toBeCloseTo(expected, 9);
  });

  it("refuses a p outside 0…1", () => {
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });

  it("lies between the minimum and the maximum, and grows with p", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (values, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const low = percentile(values, lo) as number;
        const high = percentile(values, hi) as number;
        expect(low).toBeGreaterThanOrEqual(Math.min(...values) - 1e-6);
        expect(high).toBeLessThanOrEqual(Math.max(...values) + 1e-6);
        expect(high).toBeGreaterThanOrEqual(low - 1e-6);
      }),
    );
  });
});

describe("rates", () => {
  it("is null, not zero, when there is nothing to divide", () => {
    expect(rate(0, 0)).toBeNull();
    expect(rate(1, 4)).toBe(0.25);
  });

  it.each([
    { counts: { autoApproved: 0, humanApproved: 0, denied: 0, expired: 0 }, approval: null, auto: null, denial: null, timeout: null },
    { counts: { autoApproved: 6, humanApproved: 2, denied: 1, expired: 1 }, approval: 0.8, auto: 0.6, denial: 0.1, timeout: 0.1 },
    { counts: { autoApproved: 0, humanApproved: 3, denied: 1, expired: 0 }, approval: 0.75, auto: 0, denial: 0.25, timeout: 0 },
  ])("approval/auto/denial/timeout of $counts", ({ counts, approval, auto, denial, timeout }) => {
    const rates = decisionRates(counts);
    expect(rates.approvalRate).toBe(approval);
    expect(rates.autoApproveRate).toBe(auto);
    expect(rates.denialRate).toBe(denial);
    expect(rates.timeoutRate).toBe(timeout);
  });

  it("approval, denial and timeout shares add up to one", () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000), (autoApproved, humanApproved, denied, expired) => {
        const r = decisionRates({ autoApproved, humanApproved, denied, expired });
        if (r.decided === 0) return;
        expect((r.approvalRate ?? 0) + (r.denialRate ?? 0) + (r.timeoutRate ?? 0)).toBeCloseTo(1, 9);
        expect(r.autoApproveRate ?? 0).toBeLessThanOrEqual((r.approvalRate ?? 0) + 1e-12);
      }),
    );
  });

  it.each([
    { first: 200, latest: 50, expected: 0.75 },
    { first: 200, latest: 200, expected: 0 },
    { first: 100, latest: 150, expected: -0.5 },
    { first: 0, latest: 10, expected: null },
    { first: null, latest: 10, expected: null },
  ])("share eliminated from $first to $latest is $expected", ({ first, latest, expected }) => {
    expect(shareEliminated(first, latest)).toBe(expected);
  });

  it.each([
    [null, "—"],
    [42.4, "42 s"],
    [0.42, "0.4 s"],
    [0, "0 s"],
    [90, "1.5 min"],
    [7_200, "2 h"],
    [129_600, "1.5 d"],
    [-30, "−30 s"],
  ])("formats %s seconds as %s", (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it.each([
    [null, "—"],
    [0.756, "76%"],
    [0.053, "5.3%"],
    [0, "0%"],
    [-0.5, "-50%"],
  ])("formats %s as %s", (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
});

function input(overrides: Partial<JudgeInput> = {}): JudgeInput {
  return {
    classification: "STANDING",
    tier: 1,
    power: "read",
    privilegeKind: "ROLE_MEMBERSHIP",
    idle: { daysIdle: null, watchedDays: 10 },
    holder: { kind: "HUMAN", name: "Ada", disabled: false },
    connectorOwn: false,
    baseline: null,
    ...overrides,
  };
}

describe("recommendations", () => {
  it.each([
    { name: "idle on tier 1 → remove", input: input({ idle: { daysIdle: 45, watchedDays: 90 } }), expected: "remove", reason: /Last used 45 days ago on a tier-1/ },
    { name: "never used on tier 2 → remove", input: input({ tier: 2 }), expected: "remove", reason: /No use seen in the 10 days/ },
    { name: "found today, never used → remove, says so", input: input({ idle: { daysIdle: null, watchedDays: 0 } }), expected: "remove", reason: /since Keycard found it today/ },
    { name: "in use by a person → review", input: input({ idle: { daysIdle: 2, watchedDays: 30 } }), expected: "review", reason: /in use/ },
    { name: "in use by a machine → baseline", input: input({ idle: { daysIdle: 0, watchedDays: 30 }, holder: { kind: "MACHINE", name: "etl", disabled: false } }), expected: "baseline", reason: /machine identity etl/ },
    { name: "idle machine on tier 1 → remove", input: input({ holder: { kind: "MACHINE", name: "etl", disabled: false } }), expected: "remove", reason: /tier-1/ },
    { name: "idle on tier 3 → review", input: input({ tier: 3 }), expected: "review", reason: /low-sensitivity/ },
    { name: "disabled holder → remove", input: input({ idle: { daysIdle: 0, watchedDays: 3 }, holder: { kind: "HUMAN", name: "Eve", disabled: true } }), expected: "remove", reason: /disabled/ },
    { name: "connector's own login → baseline", input: input({ connectorOwn: true, power: "admin" }), expected: "baseline", reason: /connector/ },
    { name: "bare login → review", input: input({ privilegeKind: "ROLE_ATTRIBUTE", power: "login" }), expected: "review", reason: /A login that can connect/ },
    {
      name: "declared baseline → baseline with its reason",
      input: input({ classification: "BASELINE", baseline: { reason: "Nightly load", reviewAt: new Date("2027-01-31T00:00:00Z"), declaredBy: "Priya" } }),
      expected: "baseline",
      reason: /Declared baseline by Priya: Nightly load \(review by 2027-01-31\)/,
    },
  ])("$name", ({ input: value, expected, reason }) => {
    const result = recommend(value);
    expect(result.recommendation).toBe(expected);
    expect(result.reason).toMatch(reason);
  });

  it("ranks sensitive, powerful, idle and unaccountable access as riskier", () => {
    const base = riskScore(input({ idle: { daysIdle: 3, watchedDays: 30 } }));
    expect(riskScore(input({ tier: 2, idle: { daysIdle: 3, watchedDays: 30 } }))).toBeLessThan(base);
    expect(riskScore(input({ power: "admin", idle: { daysIdle: 3, watchedDays: 30 } }))).toBeGreaterThan(base);
    expect(riskScore(input({ idle: { daysIdle: 100, watchedDays: 200 } }))).toBeGreaterThan(base);
    expect(riskScore(input({ holder: null, idle: { daysIdle: 3, watchedDays: 30 } }))).toBeGreaterThan(base);
    const declared = input({ classification: "BASELINE", power: "admin", baseline: { reason: "x", reviewAt: now, declaredBy: "y" } });
    expect(riskScore(declared)).toBeLessThan(riskScore(input({ tier: 3, power: "login" })));
    expect(judge(input()).risk).toBe(riskScore(input()));
  });

  it.each([
    { mappedTier: 3, targetTier: 1, power: "read" as const, expected: 3 },
    { mappedTier: 3, targetTier: 1, power: "admin" as const, expected: 1 },
    { mappedTier: null, targetTier: 2, power: "write" as const, expected: 2 },
    { mappedTier: null, targetTier: null, power: "read" as const, expected: 2 },
  ])("tier of $power mapped $mappedTier on a tier-$targetTier target is $expected", ({ expected, ...value }) => {
    expect(tierOf(value)).toBe(expected);
  });

  it("counts idle days from the last use, and watched days from discovery", () => {
    expect(idleness({ lastUsedAt: new Date(now.getTime() - 3.5 * DAY), firstSeenAt: new Date(now.getTime() - 40 * DAY), now })).toEqual({ daysIdle: 3, watchedDays: 40 });
    expect(idleness({ lastUsedAt: null, firstSeenAt: new Date(now.getTime() - 1000), now })).toEqual({ daysIdle: null, watchedDays: 0 });
  });
});

describe("links and filters", () => {
  it("builds ledger search links with the figure's window", () => {
    const link = ledgerLink({ action: ["access/request.approved"], actor: "policy", from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-23T12:00:01Z") });
    expect(link).toBe("/ledger?action=access%2Frequest.approved&actor=policy&from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-23T12%3A00%3A01.000Z");
    expect(ledgerLink({})).toBe("/ledger");
  });

  it("keeps the page's good filters and drops the broken ones", () => {
    expect(standingFiltersFromSearchParams({ q: "orders", tier: "1", new: "1", page: "2" })).toEqual({ q: "orders", tier: "1", new: "1", page: "2" });
    expect(standingFiltersFromSearchParams({ q: "orders", tier: "9", connector: "not-a-uuid", recommendation: ["remove", "review"] })).toEqual({ q: "orders", recommendation: "remove" });
  });
});
