import { describe, expect, it } from "vitest";
import { tierDefaultRules } from "./defaults";
import { ZApproverSource, ZPolicyRules, type PolicyRulesInput } from "./schema";

const base: PolicyRulesInput = {
  version: 1,
  approval: { mode: "approval", stages: [{ name: "Owners", required: 2, sources: ["owner"] }] },
  limits: { maxDurationMinutes: 240 },
};

function issuesOf(doc: unknown) {
  const result = ZPolicyRules.safeParse(doc);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, params: "params" in issue ? issue.params : undefined }));
}

describe("the policy rules document", () => {
  it.each([1, 2, 3] as const)("the tier-%s default is a valid document", (tier) => {
    expect(issuesOf(tierDefaultRules[tier])).toEqual([]);
  });

  it("fills in defaults an admin may leave out", () => {
    const rules = ZPolicyRules.parse(base);
    expect(rules.conditions).toEqual([]);
    expect(rules.onCall).toEqual([]);
    expect(rules.limits.durationPresetsMinutes).toEqual([15, 60, 240, 480]);
    expect(rules.limits.maxDurationByAccessLevel).toEqual({});
    expect(rules.limits.maxConcurrentGrants).toBeUndefined();
    expect(rules.limits.maxStartAheadMinutes).toBe(14 * 24 * 60);
    expect(rules.justification).toEqual({ minLength: 10 });
    expect(rules.ticket).toEqual({ required: false });
    expect(rules.businessHours).toEqual({ days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00" });
    expect(rules.breakGlass).toEqual({ allowed: false, maxDurationMinutes: 60 });
    expect(rules.sla).toEqual({ remindAfterMinutes: 60, escalateAfterMinutes: 240, escalateTo: ["fallback"], timeoutMinutes: 1440 });
  });

  it("survives a JSON round trip unchanged (it is stored as JSON)", () => {
    const rules = ZPolicyRules.parse(tierDefaultRules[1]);
    expect(ZPolicyRules.parse(JSON.parse(JSON.stringify(rules)))).toEqual(rules);
  });

  it.each<[string, unknown, string, RegExp]>([
    ["the first sketch's shape", { version: 1, approval: { mode: "n_of_m", required: 2, groups: ["owner"] }, maxDurationMinutes: 240 }, "approval.mode", /./],
    ["an unknown top-level key (a typo)", { ...base, requireTicket: true }, "", /requireTicket/],
    ["another version", { ...base, version: 2 }, "version", /./],
    ["a maximum of 0 minutes", { ...base, limits: { maxDurationMinutes: 0 } }, "limits.maxDurationMinutes", /./],
    ["a maximum above 30 days", { ...base, limits: { maxDurationMinutes: 30 * 24 * 60 + 1 } }, "limits.maxDurationMinutes", /./],
    ["a fractional maximum", { ...base, limits: { maxDurationMinutes: 1.5 } }, "limits.maxDurationMinutes", /./],
    ["a per-level maximum for a malformed key", { ...base, limits: { maxDurationMinutes: 60, maxDurationByAccessLevel: { "Read Only": 30 } } }, "limits.maxDurationByAccessLevel.Read Only", /./],
    ["a stage that needs nobody", { ...base, approval: { mode: "approval", stages: [{ name: "x", required: 0, sources: ["owner"] }] } }, "approval.stages.0.required", /./],
    ["a stage without sources", { ...base, approval: { mode: "approval", stages: [{ name: "x", required: 1, sources: [] }] } }, "approval.stages.0.sources", /./],
    ["no stages", { ...base, approval: { mode: "approval", stages: [] } }, "approval.stages", /./],
    [
      "two stages with one name",
      { ...base, approval: { mode: "approval", stages: [{ name: "Peer", required: 1, sources: ["owner"] }, { name: "Peer", required: 1, sources: ["fallback"] }] } },
      "approval.stages.1.name",
      /used twice/,
    ],
    ["an unknown approver source", { ...base, approval: { mode: "approval", stages: [{ name: "x", required: 1, sources: ["admins"] }] } }, "approval.stages.0.sources.0", /./],
    ["a deny without a reason", { ...base, approval: { mode: "deny" } }, "approval.reason", /./],
    ["a ticket pattern that is not a regular expression", { ...base, ticket: { required: true, pattern: "INC-(\\d+" } }, "ticket.pattern", /not a valid regular expression/],
    ["business hours that end before they start", { ...base, businessHours: { start: "18:00", end: "08:00" } }, "businessHours.end", /end after they start/],
    ["a time of day past 23:59", { ...base, businessHours: { start: "08:00", end: "24:00" } }, "businessHours.end", /HH:MM/],
    ["an unknown weekday", { ...base, businessHours: { days: ["monday"] } }, "businessHours.days.0", /./],
    ["an escalation before the reminder", { ...base, sla: { remindAfterMinutes: 120, escalateAfterMinutes: 60, timeoutMinutes: 600 } }, "sla.escalateAfterMinutes", /≤/],
    ["a timeout before the escalation", { ...base, sla: { remindAfterMinutes: 10, escalateAfterMinutes: 60, timeoutMinutes: 30 } }, "sla.escalateAfterMinutes", /≤/],
    ["an on-call relaxation without access levels", { ...base, onCall: [{ groups: ["sre"], accessLevels: [], maxDurationMinutes: 60 }] }, "onCall.0.accessLevels", /./],
    ["a require_approval condition without stages", { ...base, conditions: [{ when: "true", effect: "require_approval", reason: "r" }] }, "conditions.0.stages", /./],
    ["a condition with an unknown effect", { ...base, conditions: [{ when: "true", effect: "allow", reason: "r" }] }, "conditions.0.effect", /./],
    ["a condition without a reason", { ...base, conditions: [{ when: "true", effect: "deny" }] }, "conditions.0.reason", /./],
    ["an empty condition", { ...base, conditions: [{ when: "  ", effect: "deny", reason: "r" }] }, "conditions.0.when", /./],
  ])("refuses %s", (_title, doc, path, message) => {
    const issues = issuesOf(doc);
    expect(issues.length).toBeGreaterThan(0);
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it.each(["owner", "owner_person", "team_lead", "fallback", "group:payments-owners", "oncall:security"])("accepts the approver source %s", (source) => {
    expect(ZApproverSource.safeParse(source).success).toBe(true);
  });

  it.each(["group:", "group:Payments", "oncall:", "team", "owner ", "group:a b"])("refuses the approver source %j", (source) => {
    expect(ZApproverSource.safeParse(source).success).toBe(false);
  });
});

describe("CEL conditions are checked when the policy is saved", () => {
  const withCondition = (when: string, name?: string) => ({ ...base, conditions: [{ name: "ok", when: "true", effect: "deny", reason: "r" }, { name, when, effect: "deny", reason: "r" }] });

  it.each([
    'request.access_level == "admin" && !business_hours',
    '"sre" in requester.groups && requester.on_call && request.duration_minutes <= 60',
    'resource.tier == 1 && "pci" in resource.tags && request.ticket == ""',
    'request.starts_at > now + duration("24h")',
    'now.getDayOfWeek("Europe/Berlin") == 0',
    "requester.recent_requests > 5 || requester.first_time",
    'request.justification.matches("^(INC|CHG)-[0-9]+")',
    "risk_score >= 70",
    'requester.groups.exists(g, g.startsWith("db-"))',
    'requester.kind == "MACHINE" && request.kind != "BREAK_GLASS"',
    "request.ends_at - request.starts_at > duration(\"2h\")",
    'resource.slug.startsWith("payments-")\n  && requester.on_call_groups.size() == 0',
  ])("accepts %s", (when) => {
    expect(issuesOf(withCondition(when))).toEqual([]);
  });

  it("names the rule and the position of a syntax error", () => {
    const issues = issuesOf(withCondition('request.access_level == "admin" &&', "Admin at night"));
    expect(issues).toEqual([
      {
        path: "conditions.1.when",
        message: 'condition 2 "Admin at night": syntax error at line 1, column 35 (position 34): Unexpected token: EOF',
        params: { kind: "syntax", position: 34, line: 1, column: 35 },
      },
    ]);
  });

  it("gives the line and column in a multi-line condition", () => {
    const [issue] = issuesOf(withCondition('request.kind == "STANDARD"\n  && requester.groups ?? 1'));
    expect(issue?.message).toMatch(/^condition 2: syntax error at line 2, column \d+ \(position \d+\): /);
    expect(issue?.params).toMatchObject({ kind: "syntax", line: 2 });
  });

  it.each<[string, RegExp]>([
    ["request.nosuch == 1", /condition 2: type error at line 1, column 9 \(position 8\): No such key: nosuch/],
    ["user.admin", /type error .*Unknown variable: user/],
    ['request.duration_minutes > "60"', /type error .*no such overload: int > string/],
    ["request.duration_minutes == 60.0", /type error .*no such overload: int == double/],
    ["request.duration_minutes", /type error .*must be true or false, but it returns int/],
    ['"text"', /must be true or false, but it returns string/],
  ])("refuses %s with a type error", (when, message) => {
    const [issue] = issuesOf(withCondition(when));
    expect(issue?.path).toBe("conditions.1.when");
    expect(issue?.message).toMatch(message);
    expect(issue?.params).toMatchObject({ kind: "type" });
  });

  it.each([
    ['request.access_level = "admin"', /syntax error/],
    ["&&& true", /syntax error at line 1, column 1 \(position 0\)/],
    ['request.kind == "STANDARD', /syntax error/],
    ["(".repeat(40) + "true" + ")".repeat(40), /syntax error .*maxDepth/],
  ])("refuses %j with a syntax error", (when, message) => {
    const [issue] = issuesOf(withCondition(when));
    expect(issue?.message).toMatch(message);
  });

  it("refuses a condition longer than 2,000 characters", () => {
    const when = Array.from({ length: 300 }, () => "true").join(" && ");
    expect(issuesOf(withCondition(when)).map((issue) => issue.path)).toContain("conditions.1.when");
  });
});
