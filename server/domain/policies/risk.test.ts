import { describe, expect, it } from "vitest";
import { computeRisk, RISK_WEIGHTS, type RiskInput } from "./risk";

const quiet: RiskInput = {
  tier: 3,
  accessLevelRiskWeight: 0,
  durationMinutes: 0,
  maxDurationMinutes: 480,
  outsideBusinessHours: false,
  firstTime: false,
  recentRequests: 0,
  breakGlass: false,
  machine: false,
  onCall: false,
};

describe("the risk score", () => {
  it("is 0 with no reasons for a routine request", () => {
    expect(computeRisk(quiet)).toEqual({ score: 0, reasons: [] });
  });

  it.each<[string, Partial<RiskInput>, { factor: string; points: number; detail: string }]>([
    ["a tier-1 resource", { tier: 1 }, { factor: "tier", points: 25, detail: "Tier 1 resource" }],
    ["a tier-2 resource", { tier: 2 }, { factor: "tier", points: 10, detail: "Tier 2 resource" }],
    ["an unknown tier, as the most sensitive", { tier: 7 }, { factor: "tier", points: 25, detail: "Tier 7 resource" }],
    ["the access level's weight", { accessLevelRiskWeight: 35 }, { factor: "access_level", points: 35, detail: "Access level risk weight 35" }],
    ["an access level weight capped at 50", { accessLevelRiskWeight: 500 }, { factor: "access_level", points: 50, detail: "Access level risk weight 50" }],
    ["the full maximum duration", { durationMinutes: 480 }, { factor: "duration", points: 15, detail: "480 of at most 480 minutes (100%)" }],
    ["half the maximum duration", { durationMinutes: 240 }, { factor: "duration", points: 8, detail: "240 of at most 480 minutes (50%)" }],
    ["more than the maximum, as the maximum", { durationMinutes: 9999 }, { factor: "duration", points: 15, detail: "9999 of at most 480 minutes (100%)" }],
    ["a start outside business hours", { outsideBusinessHours: true }, { factor: "outside_business_hours", points: 10, detail: "Starts outside business hours" }],
    ["a first request for this access", { firstTime: true }, { factor: "first_time", points: 10, detail: "First time requesting this access" }],
    ["3 requests this week", { recentRequests: 3 }, { factor: "re_requests", points: 5, detail: "3 requests for this access in the last 7 days" }],
    ["6 requests this week", { recentRequests: 6 }, { factor: "re_requests", points: 10, detail: "6 requests for this access in the last 7 days" }],
    ["break-glass", { breakGlass: true }, { factor: "break_glass", points: 25, detail: "Break-glass: no approval before access" }],
    ["a machine identity", { machine: true }, { factor: "machine_identity", points: 5, detail: "Requested by a machine identity" }],
  ])("adds points for %s", (_title, change, reason) => {
    const risk = computeRisk({ ...quiet, ...change });
    expect(risk.reasons).toEqual([reason]);
    expect(risk.score).toBe(Math.min(100, reason.points));
  });

  it("does not count 2 requests this week as re-requesting", () => {
    expect(computeRisk({ ...quiet, recentRequests: 2 }).reasons).toEqual([]);
  });

  it("lowers the score of someone on call, never below 0", () => {
    expect(computeRisk({ ...quiet, tier: 2, onCall: true })).toEqual({
      score: 0,
      reasons: [
        { factor: "tier", points: 10, detail: "Tier 2 resource" },
        { factor: "on_call", points: -10, detail: "Requester is on call" },
      ],
    });
    expect(computeRisk({ ...quiet, tier: 1, onCall: true }).score).toBe(15);
  });

  it("adds the factors up and caps the total at 100", () => {
    const everything = computeRisk({
      tier: 1,
      accessLevelRiskWeight: 50,
      durationMinutes: 480,
      maxDurationMinutes: 480,
      outsideBusinessHours: true,
      firstTime: true,
      recentRequests: 10,
      breakGlass: true,
      machine: true,
      onCall: false,
    });
    expect(everything.score).toBe(100);
    expect(everything.reasons.reduce((sum, reason) => sum + reason.points, 0)).toBe(150);
    expect(everything.reasons.map((reason) => reason.factor)).toEqual([
      "tier",
      "access_level",
      "duration",
      "outside_business_hours",
      "first_time",
      "re_requests",
      "break_glass",
      "machine_identity",
    ]);
  });

  it("scores a tier-1 write at night for the first time high, and a tier-3 read low", () => {
    expect(computeRisk({ ...quiet, tier: 1, accessLevelRiskWeight: 35, durationMinutes: 240, maxDurationMinutes: 240, outsideBusinessHours: true, firstTime: true }).score).toBe(95);
    expect(computeRisk({ ...quiet, durationMinutes: 60, maxDurationMinutes: 1440 }).score).toBe(1);
  });

  it("is deterministic", () => {
    const input = { ...quiet, tier: 2, accessLevelRiskWeight: 20, durationMinutes: 100, recentRequests: 4 };
    expect(computeRisk(input)).toEqual(computeRisk({ ...input }));
  });

  it.each<[string, Partial<RiskInput>]>([
    ["a NaN duration", { durationMinutes: Number.NaN }],
    ["an infinite duration", { durationMinutes: Infinity }],
    ["a NaN weight", { accessLevelRiskWeight: Number.NaN }],
    ["a negative weight", { accessLevelRiskWeight: -40 }],
    ["a negative count", { recentRequests: -3 }],
    ["a NaN count", { recentRequests: Number.NaN }],
    ["a maximum of 0", { maxDurationMinutes: 0, durationMinutes: 30 }],
  ])("stays a whole number from 0 to 100 given %s", (_title, change) => {
    const { score, reasons } = computeRisk({ ...quiet, tier: 2, ...change });
    expect(Number.isInteger(score)).toBe(true);
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(100);
    for (const reason of reasons) expect(Number.isFinite(reason.points)).toBe(true);
  });

  it("documents its weights in one table", () => {
    expect(RISK_WEIGHTS.onCall).toBeLessThan(0);
    expect(RISK_WEIGHTS.tier[1]).toBeGreaterThan(RISK_WEIGHTS.tier[2] ?? 0);
  });
});
