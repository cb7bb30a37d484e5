import { describe, expect, it } from "vitest";
import { compileCel, toCelContext, type CelInput } from "./cel";

const now = new Date("2026-03-04T09:00:00Z");
const input: CelInput = {
  request: {
    durationMinutes: 90,
    accessLevel: "write",
    kind: "STANDARD",
    startsAt: now,
    endsAt: new Date(now.getTime() + 90 * 60_000),
    justification: "INC-4711 settlement rerun",
    ticket: "INC-4711",
  },
  requester: { groups: ["payments", "db-operators"], onCall: true, onCallGroups: ["payments"], kind: "HUMAN", firstTime: false, recentRequests: 4 },
  resource: { tier: 1, tags: ["prod", "pci"], slug: "payments-db-prod" },
  now,
  businessHours: true,
  riskScore: 55,
};

function run(expression: string, overrides: Partial<CelInput> = {}) {
  const compiled = compileCel(expression);
  if (!compiled.ok) throw new Error(`did not compile: ${compiled.error.message}`);
  return compiled.program(toCelContext({ ...input, ...overrides }));
}

describe("CEL conditions see the request as documented", () => {
  it.each<[string, boolean]>([
    ["request.duration_minutes == 90", true],
    ["request.duration_minutes > 90", false],
    ['request.access_level == "write"', true],
    ['request.kind == "STANDARD"', true],
    ["request.starts_at == now", true],
    ['request.ends_at == now + duration("90m")', true],
    ['request.justification.contains("settlement")', true],
    ['request.ticket.matches("^INC-[0-9]+$")', true],
    ['"db-operators" in requester.groups', true],
    ['requester.groups.exists(g, g.startsWith("db-"))', true],
    ["requester.on_call", true],
    ['"payments" in requester.on_call_groups && !("security" in requester.on_call_groups)', true],
    ['requester.kind == "HUMAN"', true],
    ["requester.first_time", false],
    ["requester.recent_requests == 4", true],
    ["resource.tier == 1", true],
    ['"pci" in resource.tags', true],
    ['resource.slug.startsWith("payments-")', true],
    ["business_hours", true],
    ["risk_score >= 50 && risk_score < 60", true],
    ['now.getHours("Europe/Berlin") == 10', true],
    ['now.getDayOfWeek("UTC") == 3', true],
  ])("%s → %s", (expression, expected) => {
    expect(run(expression)).toEqual({ ok: true, value: expected });
  });

  it("turns a duration the caller could not make sense of into 0, not a crash", () => {
    expect(run("request.duration_minutes == 0", { request: { ...input.request, durationMinutes: Number.NaN } })).toEqual({ ok: true, value: true });
    expect(run("request.duration_minutes == 0", { request: { ...input.request, durationMinutes: Infinity } })).toEqual({ ok: true, value: true });
  });
});

describe("a CEL condition that fails at run time reports it instead of throwing", () => {
  it.each<[string, RegExp]>([
    ["request.duration_minutes / 0 > 1", /division by zero/],
    ['request.justification.matches("(")', /Invalid regular expression/],
    ['requester.groups[5] == "x"', /index out of bounds/],
    ["request.duration_minutes * 9223372036854775807 > 0", /overflow/],
  ])("%s", (expression, message) => {
    const result = run(expression);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("compiling", () => {
  it("reports the kind, position, line and column of an error", () => {
    expect(compileCel('request.kind == "A" &&\n  requester.zz')).toMatchObject({ ok: false, error: { kind: "type", line: 2, column: 13, position: 35 } });
    expect(compileCel("1 +")).toMatchObject({ ok: false, error: { kind: "syntax", line: 1, position: 3, column: 4 } });
  });
});
