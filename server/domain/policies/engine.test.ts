import { describe, expect, it } from "vitest";
import { compilePolicy } from "./compile";
import { tierDefaultRules } from "./defaults";
import { describeMatchedRule, evaluatePolicy, type PolicyInput } from "./engine";
import { ZPolicyRules, type PolicyRules } from "./schema";
import { inputOf, rulesOf, WEDNESDAY_MORNING, type InputOverrides } from "./test-fixtures";

const MINUTE = 60_000;
const at = (minutesFromNow: number) => new Date(WEDNESDAY_MORNING.getTime() + minutesFromNow * MINUTE);

describe("the base rule", () => {
  it("auto-approves when the policy needs no approval", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "auto" } }) }));
    expect(decision).toMatchObject({ outcome: "auto_approve", ruleOutcome: "auto_approve", matched: { rule: "base" }, stages: [], violations: [] });
    expect(decision.reasons).toEqual(["Auto-approved: this policy needs no approval for this request."]);
  });

  it("denies with the policy's reason", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "deny", reason: "This resource is being decommissioned." } }) }));
    expect(decision).toMatchObject({ outcome: "deny", reasons: ["This resource is being decommissioned."], stages: [] });
  });

  it("routes N of M to distinct people from the owner group", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "approval", stages: [{ name: "Owners", required: 2, sources: ["owner", "group:dba"] }] } }) }));
    expect(decision.outcome).toBe("approval");
    expect(decision.stages).toEqual([{ name: "Owners", required: 2, sources: ["owner", "group:dba"] }]);
    expect(decision.reasons).toEqual(["Needs 2 approvals from distinct people from the resource's owner group (payments-owners) or group dba."]);
  });

  it("routes ordered stages, peer then owner", () => {
    const stages = [
      { name: "Peer", required: 1, sources: ["team_lead" as const] },
      { name: "Owner", required: 1, sources: ["owner_person" as const, "oncall:security" as const] },
    ];
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "approval", stages } }) }));
    expect(decision.stages).toEqual(stages);
    expect(decision.reasons).toEqual([
      "Needs approval in 2 stages, in order: (1) Peer: 1 approval from your team lead; (2) Owner: 1 approval from the resource owner or whoever is on call in security.",
    ]);
  });
});

describe("approver sources that cannot produce an approver fall back to the fallback approvers", () => {
  const rules = rulesOf({ approval: { mode: "approval", stages: [{ name: "Check", required: 1, sources: ["owner", "owner_person", "team_lead"] }] } });

  it.each<[string, Pick<InputOverrides, "resource" | "requester">, string[], string]>([
    ["no owner group", { resource: { ownerGroupSlug: null } }, ["fallback", "owner_person", "team_lead"], "This resource has no owner group: its fallback approvers decide instead."],
    ["no owner person", { resource: { ownerId: null } }, ["owner", "fallback", "team_lead"], "This resource has no owner: its fallback approvers decide instead."],
    ["the requester owns the resource", { resource: { ownerId: "user-1" } }, ["owner", "fallback", "team_lead"], "You own this resource, so its fallback approvers decide instead of you."],
    ["no team lead", { requester: { teamLeadIds: [] } }, ["owner", "owner_person", "fallback"], "You have no team lead other than yourself on record: the resource's fallback approvers decide instead."],
    ["the requester is their own only lead", { requester: { teamLeadIds: ["user-1"] } }, ["owner", "owner_person", "fallback"], "You have no team lead other than yourself on record: the resource's fallback approvers decide instead."],
    ["a machine whose only lead is its owner", { requester: { kind: "MACHINE", ownerId: "lead-1", teamLeadIds: ["lead-1"] } }, ["owner", "owner_person", "fallback"], "You have no team lead other than yourself on record: the resource's fallback approvers decide instead."],
  ])("%s", (_title, change, sources, note) => {
    const decision = evaluatePolicy(inputOf({ rules, resource: change.resource, requester: change.requester }));
    expect(decision.stages[0]?.sources).toEqual(sources);
    expect(decision.reasons).toContain(note);
  });

  it("does not list the fallback twice", () => {
    const decision = evaluatePolicy(inputOf({ rules, resource: { ownerGroupSlug: null, ownerId: null }, requester: { teamLeadIds: [] } }));
    expect(decision.stages[0]?.sources).toEqual(["fallback"]);
  });
});

describe("bad input produces a specific violation on its field, and a deny", () => {
  const rules = rulesOf({
    limits: { maxDurationMinutes: 480, maxDurationByAccessLevel: { write: 120 } },
    justification: { minLength: 15 },
    ticket: { required: true, pattern: "(INC|CHG)-\\d+", example: "INC-1234" },
  });
  const ok = { rules, ticketRef: "INC-1" };

  it.each<[string, Partial<PolicyInput>, string, string]>([
    ["duration 0", { durationMinutes: 0 }, "durationMinutes", "Duration must be at least 1 minute."],
    ["a negative duration", { durationMinutes: -30 }, "durationMinutes", "Duration must be at least 1 minute."],
    ["a NaN duration", { durationMinutes: Number.NaN }, "durationMinutes", "Duration must be a number of minutes."],
    ["a duration of 1e309 (Infinity)", { durationMinutes: JSON.parse("1e309") as number }, "durationMinutes", "Duration must be a finite number of minutes."],
    ["minus Infinity", { durationMinutes: -Infinity }, "durationMinutes", "Duration must be a finite number of minutes."],
    ["a fractional duration", { durationMinutes: 30.5 }, "durationMinutes", "Duration must be a whole number of minutes."],
    ["a duration that is not a number", { durationMinutes: "60" as unknown as number }, "durationMinutes", "Duration must be a number of minutes."],
    ["a duration above the access level's maximum", { durationMinutes: 121 }, "durationMinutes", "Duration of 121 minutes is above the maximum of 120 minutes for write access."],
    ["a start 3 minutes in the past", { startsAt: at(-3) }, "startsAt", "Start time is in the past."],
    ["a start a day in the past", { startsAt: at(-1440) }, "startsAt", "Start time is in the past."],
    ["an invalid start date", { startsAt: new Date("not a date") }, "startsAt", "Start time is not a valid date and time."],
    ["a start that is not a date", { startsAt: "2026-03-04T10:00:00" as unknown as Date }, "startsAt", "Start time is not a valid date and time."],
    ["a start 15 days ahead", { startsAt: at(15 * 1440) }, "startsAt", "Start time is too far ahead: at most 14 days from now."],
    ["a start in the year 275760", { startsAt: new Date(8.64e15) }, "startsAt", "Start time is too far ahead: at most 14 days from now."],
    ["an empty justification", { justification: "" }, "justification", "Justification is required."],
    ["a justification of spaces and newlines", { justification: "  \n\t " }, "justification", "Justification is required."],
    ["a 1 MB justification", { justification: "a".repeat(1024 * 1024) }, "justification", "Justification is too long: at most 2000 characters."],
    ["a justification with a NUL byte", { justification: "fix the orders table\u0000 now" }, "justification", "Justification contains control or invisible formatting characters."],
    ["a justification with an escape sequence", { justification: "fix orders \u001b[31mnow please" }, "justification", "Justification contains control or invisible formatting characters."],
    ["a justification with a bidi override", { justification: "fix orders table \u202Enow please" }, "justification", "Justification contains control or invisible formatting characters."],
    ["a justification that is a formula", { justification: '=HYPERLINK("http://evil.example","click")' }, "justification", "Justification must not start with =, +, - or @ (spreadsheets read that as a formula)."],
    ["a justification starting with @", { justification: "@SUM(A1:A9) for the audit" }, "justification", "Justification must not start with =, +, - or @ (spreadsheets read that as a formula)."],
    ["a justification that is too short", { justification: "fix it" }, "justification", "Justification must be at least 15 characters: say what you will do and why."],
    ["a justification that is only long with padding", { justification: "   fix it        " }, "justification", "Justification must be at least 15 characters: say what you will do and why."],
    ["a justification that is not text", { justification: 42 as unknown as string }, "justification", "Justification is required."],
    ["a missing ticket", { ticketRef: null }, "ticketRef", "A ticket reference is required for this resource."],
    ["a blank ticket", { ticketRef: "   " }, "ticketRef", "A ticket reference is required for this resource."],
    ["a ticket in the wrong format", { ticketRef: "JIRA-12" }, "ticketRef", 'Ticket reference "JIRA-12" does not match the expected format (e.g. INC-1234).'],
    ["a ticket that only contains the format", { ticketRef: "see INC-12 too" }, "ticketRef", 'Ticket reference "see INC-12 too" does not match the expected format (e.g. INC-1234).'],
    ["a ticket that is too long", { ticketRef: `INC-${"1".repeat(200)}` }, "ticketRef", "Ticket reference is too long: at most 100 characters."],
    ["a ticket that is a formula", { ticketRef: "=1+1" }, "ticketRef", "Ticket reference must not start with =, +, - or @ (spreadsheets read that as a formula)."],
    ["a ticket with control characters", { ticketRef: "INC-1\u0007" }, "ticketRef", "Ticket reference contains control or invisible formatting characters."],
    ["an unknown request kind", { kind: "SUPER" as PolicyInput["kind"] }, "kind", "Request kind must be STANDARD, EXTENSION or BREAK_GLASS."],
  ])("%s", (_title, change, field, message) => {
    const decision = evaluatePolicy({ ...inputOf(ok), ...change });
    expect(decision.violations).toEqual([{ field, message }]);
    expect(decision.outcome).toBe("deny");
    expect(decision.reasons[0]).toBe(message);
  });

  it.each<[string, Partial<PolicyInput>]>([
    ["the maximum duration exactly", { durationMinutes: 120 }],
    ["a start 1 minute in the past (clock skew)", { startsAt: at(-1) }],
    ["a start 14 days ahead exactly", { startsAt: at(14 * 1440) }],
    ["a justification of exactly the minimum length", { justification: "a".repeat(15) }],
    ["a justification of 2,000 characters with newlines and tabs", { justification: `Rotate keys\n\tthen verify ${"x".repeat(1970)}` }],
    ["a justification that mentions a formula later", { justification: "Users report =HYPERLINK( cells in the export" }],
    ["a ticket with surrounding spaces", { ticketRef: "  CHG-77 " }],
  ])("accepts %s", (_title, change) => {
    const decision = evaluatePolicy({ ...inputOf(ok), ...change });
    expect(decision.violations).toEqual([]);
    expect(decision.outcome).toBe("approval");
  });

  it("reports every violation at once, in field order", () => {
    const decision = evaluatePolicy({ ...inputOf(ok), durationMinutes: 0, startsAt: at(-60), justification: "", ticketRef: null });
    expect(decision.violations.map((violation) => violation.field)).toEqual(["durationMinutes", "startsAt", "justification", "ticketRef"]);
  });

  it("still previews what the rules decide once the violations are fixed", () => {
    const decision = evaluatePolicy({ ...inputOf(ok), durationMinutes: 600 });
    expect(decision).toMatchObject({ outcome: "deny", ruleOutcome: "approval", matched: { rule: "base" } });
    expect(decision.stages).toHaveLength(1);
    expect(decision.reasons).toEqual([
      "Duration of 600 minutes is above the maximum of 120 minutes for write access.",
      "Needs 1 approval from the resource's owner group (payments-owners).",
    ]);
  });

  it("never auto-approves a request with violations", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "auto" } }), durationMinutes: JSON.parse("1e309") as number }));
    expect(decision.ruleOutcome).toBe("auto_approve");
    expect(decision.outcome).toBe("deny");
  });

  it("refuses to run with an invalid clock (a caller bug, not user input)", () => {
    expect(() => evaluatePolicy(inputOf({ now: new Date(Number.NaN) }))).toThrow(TypeError);
  });

  it("does not require a ticket when the policy does not", () => {
    expect(evaluatePolicy(inputOf({ ticketRef: null })).violations).toEqual([]);
  });
});

describe("limits", () => {
  it("takes the tighter of the per-level and the overall maximum", () => {
    const rules = rulesOf({ limits: { maxDurationMinutes: 60, maxDurationByAccessLevel: { write: 240, read: 30 } } });
    expect(evaluatePolicy(inputOf({ rules, accessLevel: { key: "write" } })).maxDurationMinutes).toBe(60);
    expect(evaluatePolicy(inputOf({ rules, accessLevel: { key: "read" } })).maxDurationMinutes).toBe(30);
    expect(evaluatePolicy(inputOf({ rules, accessLevel: { key: "admin" } })).maxDurationMinutes).toBe(60);
  });

  it("offers only the duration presets within the maximum", () => {
    const rules = rulesOf({ limits: { maxDurationMinutes: 480, maxDurationByAccessLevel: { admin: 60 }, durationPresetsMinutes: [240, 15, 60, 60, 480] } });
    expect(evaluatePolicy(inputOf({ rules })).durationPresets).toEqual([15, 60, 240, 480]);
    expect(evaluatePolicy(inputOf({ rules, accessLevel: { key: "admin" }, durationMinutes: 30 })).durationPresets).toEqual([15, 60]);
  });

  it("offers the maximum itself when no preset fits", () => {
    const rules = rulesOf({ limits: { maxDurationMinutes: 480, maxDurationByAccessLevel: { admin: 10 }, durationPresetsMinutes: [15, 60] } });
    expect(evaluatePolicy(inputOf({ rules, accessLevel: { key: "admin" }, durationMinutes: 10 })).durationPresets).toEqual([10]);
  });

  it.each<[number, "STANDARD" | "EXTENSION", string]>([
    [0, "STANDARD", "approval"],
    [1, "STANDARD", "approval"],
    [2, "STANDARD", "deny"],
    [5, "STANDARD", "deny"],
    [2, "EXTENSION", "approval"],
  ])("with %s active grants, a %s request under a limit of 2 → %s", (active, kind, outcome) => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ limits: { maxDurationMinutes: 480, maxConcurrentGrants: 2 } }), kind, history: { activeGrantsForResource: active } }));
    expect(decision.outcome).toBe(outcome);
    if (outcome === "deny") {
      expect(decision.matched).toEqual({ rule: "concurrent_grants" });
      expect(decision.reasons).toEqual([`You already hold ${active} active grant(s) on this resource, the most this policy allows at once (2); release one first.`]);
    }
  });

  it("is not bypassed by an auto-approve condition", () => {
    const rules = rulesOf({ limits: { maxDurationMinutes: 480, maxConcurrentGrants: 1 }, conditions: [{ when: "true", effect: "auto_approve", reason: "always" }] });
    expect(evaluatePolicy(inputOf({ rules, history: { activeGrantsForResource: 1 } })).outcome).toBe("deny");
  });
});

describe("custom CEL conditions", () => {
  const approvers = [{ name: "Security", required: 1, sources: ["group:security" as const] }];
  const conditions = [
    { name: "No admin at night", when: 'request.access_level == "admin" && !business_hours', effect: "deny" as const, reason: "Admin access outside business hours is not allowed." },
    { name: "Staging reads", when: '"staging" in resource.tags && request.access_level == "read"', effect: "auto_approve" as const, reason: "reads on staging need no approval." },
    { name: "PCI", when: '"pci" in resource.tags', effect: "require_approval" as const, reason: "PCI systems need security's approval.", stages: approvers },
  ];
  const rules = rulesOf({ conditions });

  it("denies with the condition's reason", () => {
    const decision = evaluatePolicy(inputOf({ rules, accessLevel: { key: "admin" }, now: new Date("2026-03-04T22:00:00Z") }));
    expect(decision).toMatchObject({ outcome: "deny", matched: { rule: "condition", index: 0, name: "No admin at night" }, reasons: ["Admin access outside business hours is not allowed."] });
    expect(describeMatchedRule(decision.matched, rules)).toBe('condition 1 "No admin at night"');
  });

  it("auto-approves with the condition's reason", () => {
    const decision = evaluatePolicy(inputOf({ rules, resource: { tags: ["staging", "pci"] }, accessLevel: { key: "read" } }));
    expect(decision).toMatchObject({ outcome: "auto_approve", matched: { rule: "condition", index: 1 }, reasons: ["Auto-approved: reads on staging need no approval."] });
  });

  it("requires the condition's approvers instead of the base rule's", () => {
    const decision = evaluatePolicy(inputOf({ rules, resource: { tags: ["pci"] } }));
    expect(decision).toMatchObject({ outcome: "approval", matched: { rule: "condition", index: 2 }, stages: approvers });
    expect(decision.reasons).toEqual(["PCI systems need security's approval.", "Needs 1 approval from group security."]);
  });

  it("falls through to the base rule when no condition matches", () => {
    const decision = evaluatePolicy(inputOf({ rules, resource: { tags: [] } }));
    expect(decision).toMatchObject({ outcome: "approval", matched: { rule: "base" }, stages: [{ name: "Owners", required: 1, sources: ["owner"] }] });
  });

  it("stops at the first condition that matches", () => {
    // Both the deny and the PCI rule match; the deny comes first.
    const decision = evaluatePolicy(inputOf({ rules, accessLevel: { key: "admin" }, resource: { tags: ["pci"] }, now: new Date("2026-03-07T12:00:00Z") }));
    expect(decision.matched).toMatchObject({ index: 0 });
    const reordered = rulesOf({ conditions: [conditions[2]!, conditions[0]!] });
    expect(evaluatePolicy(inputOf({ rules: reordered, accessLevel: { key: "admin" }, resource: { tags: ["pci"] }, now: new Date("2026-03-07T12:00:00Z") })).outcome).toBe("approval");
  });

  it.each<[string, InputOverrides]>([
    ["request.duration_minutes == 75", { durationMinutes: 75 }],
    ['request.kind == "EXTENSION"', { kind: "EXTENSION" }],
    ['request.starts_at == timestamp("2026-03-05T09:00:00Z")', { startsAt: at(1440) }],
    ['request.ends_at == timestamp("2026-03-04T10:30:00Z")', { durationMinutes: 90 }],
    ['request.ticket == "CHG-9"', { ticketRef: " CHG-9 " }],
    ['request.justification.startsWith("Rollback")', { justification: "Rollback the 4.2 release on orders" }],
    ['"sre" in requester.groups', { requester: { groups: ["payments", "sre"] } }],
    ["requester.on_call", { requester: { onCall: true } }],
    ['requester.on_call_groups == ["payments"]', { requester: { onCall: true } }],
    ['requester.kind == "MACHINE"', { requester: { kind: "MACHINE", ownerId: "owner-9" } }],
    ["requester.first_time", { history: { grantsSameAccessEver: 0 } }],
    ["requester.recent_requests == 7", { history: { requestsSameAccess7d: 7 } }],
    ["resource.tier == 1", { resource: { tier: 1 } }],
    ['"gdpr" in resource.tags', { resource: { tags: ["gdpr"] } }],
    ['resource.slug == "hr-db"', { resource: { slug: "hr-db" } }],
    ["!business_hours", { now: new Date("2026-03-07T12:00:00Z") }],
    ["risk_score >= 60", { resource: { tier: 1 }, accessLevel: { key: "admin", riskWeight: 40 } }],
    ['now == timestamp("2026-03-04T10:00:00Z")', { now: at(60) }],
  ])("reads %s", (when, change) => {
    const rules = rulesOf({ conditions: [{ when, effect: "deny", reason: "matched" }] });
    expect(evaluatePolicy(inputOf({ rules })).outcome).not.toBe("deny");
    const decision = evaluatePolicy(inputOf({ ...change, rules }));
    expect(decision.reasons).toContain("matched");
  });

  it("denies, naming the condition, when a condition fails at run time", () => {
    const failing = rulesOf({ conditions: [{ name: "Ratio", when: "100 / (request.duration_minutes - 60) > 1", effect: "auto_approve", reason: "x" }] });
    const decision = evaluatePolicy(inputOf({ rules: failing, durationMinutes: 60 }));
    expect(decision.outcome).toBe("deny");
    expect(decision.matched).toEqual({ rule: "condition", index: 0, name: "Ratio" });
    expect(decision.reasons).toEqual(["The policy cannot be applied: condition 1 failed (division by zero); ask an admin to fix it."]);
    expect(evaluatePolicy(inputOf({ rules: failing, durationMinutes: 61 })).outcome).toBe("auto_approve");
  });

  it("denies, naming the condition, when a stored condition does not compile (saved before validation existed)", () => {
    const stored = { ...rulesOf(), conditions: [{ name: "Broken", when: 'request.kind == "A" &&', effect: "auto_approve", reason: "x" }] } as PolicyRules;
    const decision = evaluatePolicy(inputOf({ rules: stored }));
    expect(decision.outcome).toBe("deny");
    expect(decision.reasons[0]).toMatch(/^The policy cannot be applied \(condition 1 "Broken": syntax error at line 1, column 23 \(position 22\): Unexpected token: EOF\); ask an admin to fix it\.$/);
  });

  it("evaluates the rules on sanitised values when the input is bad", () => {
    const rules = rulesOf({ conditions: [{ when: "request.duration_minutes == 0", effect: "auto_approve", reason: "zero" }] });
    const decision = evaluatePolicy(inputOf({ rules, durationMinutes: Number.NaN, startsAt: new Date("x"), justification: "" }));
    expect(decision.ruleOutcome).toBe("auto_approve");
    expect(decision.outcome).toBe("deny");
  });
});

describe("on-call relaxation", () => {
  const rules = rulesOf({ onCall: [{ groups: ["sre"], accessLevels: ["read"], maxDurationMinutes: 60 }] });
  const sre = { groups: ["sre"], onCall: true };

  it("auto-approves an on-call member's short read", () => {
    const decision = evaluatePolicy(inputOf({ rules, requester: sre, accessLevel: { key: "read" }, durationMinutes: 60 }));
    expect(decision).toMatchObject({ outcome: "auto_approve", matched: { rule: "on_call", index: 0 } });
    expect(decision.reasons).toEqual(["Auto-approved: you are on call for sre, and read access for up to 60 minutes needs no approval then."]);
  });

  it("routes a longer read to approval, and says why", () => {
    const decision = evaluatePolicy(inputOf({ rules, requester: sre, accessLevel: { key: "read" }, durationMinutes: 61 }));
    expect(decision.outcome).toBe("approval");
    expect(decision.reasons[0]).toBe("On call for sre, read access is auto-approved for up to 60 minutes; this request is longer.");
  });

  it.each<[string, Partial<PolicyInput["requester"]>, string]>([
    ["not on call", { groups: ["sre"], onCall: false }, "read"],
    ["on call, but not in the group", { groups: ["payments"], onCall: true }, "read"],
    ["on call in another rotation only", { groups: ["sre", "payments"], onCall: true, onCallGroups: ["payments"] }, "read"],
    ["on call, but for write", sre, "write"],
  ])("does not apply when %s", (_title, requester, key) => {
    expect(evaluatePolicy(inputOf({ rules, requester, accessLevel: { key }, durationMinutes: 30 })).outcome).toBe("approval");
  });

  it("applies to the rotation named in onCallGroups", () => {
    expect(evaluatePolicy(inputOf({ rules, requester: { groups: [], onCall: true, onCallGroups: ["sre"] }, accessLevel: { key: "read" }, durationMinutes: 30 })).outcome).toBe("auto_approve");
  });

  it("comes after the CEL conditions", () => {
    const withDeny = rulesOf({ ...rules, conditions: [{ when: '"pci" in resource.tags', effect: "deny", reason: "no" }] });
    expect(evaluatePolicy(inputOf({ rules: withDeny, requester: sre, accessLevel: { key: "read" }, durationMinutes: 30 })).outcome).toBe("deny");
  });

  it("lowers the risk score", () => {
    const off = evaluatePolicy(inputOf({ rules, accessLevel: { key: "read" } })).risk.score;
    const on = evaluatePolicy(inputOf({ rules, requester: sre, accessLevel: { key: "read" } })).risk;
    expect(on.score).toBe(Math.max(0, off - 10));
    expect(on.reasons).toContainEqual({ factor: "on_call", points: -10, detail: "Requester is on call" });
  });
});

describe("break-glass", () => {
  const allowed = rulesOf({ breakGlass: { allowed: true, maxDurationMinutes: 30 }, ticket: { required: true } });
  const breakGlass = { kind: "BREAK_GLASS" as const, durationMinutes: 30 };

  it("is granted at once, without approvers, for at most the break-glass maximum", () => {
    const decision = evaluatePolicy(inputOf({ rules: allowed, ...breakGlass }));
    expect(decision).toMatchObject({ outcome: "auto_approve", matched: { rule: "break_glass" }, stages: [], maxDurationMinutes: 30, violations: [] });
    expect(decision.reasons[0]).toMatch(/^Break-glass: granted at once for at most 30 minutes\. Security is alerted now/);
    expect(decision.risk.reasons).toContainEqual({ factor: "break_glass", points: 25, detail: "Break-glass: no approval before access" });
  });

  it("is refused where the policy does not allow it", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf(), ...breakGlass }));
    expect(decision).toMatchObject({ outcome: "deny", reasons: ["Break-glass access is not allowed for this resource."] });
  });

  it("is refused to machine identities", () => {
    const decision = evaluatePolicy(inputOf({ rules: allowed, ...breakGlass, requester: { kind: "MACHINE", ownerId: "owner-7" } }));
    expect(decision).toMatchObject({ outcome: "deny", reasons: ["Machine identities cannot use break-glass access."] });
  });

  it("cannot last longer than the break-glass maximum", () => {
    const decision = evaluatePolicy(inputOf({ rules: allowed, kind: "BREAK_GLASS", durationMinutes: 31 }));
    expect(decision.violations).toEqual([{ field: "durationMinutes", message: "Duration of 31 minutes is above the maximum of 30 minutes for break-glass access." }]);
  });

  it("cannot be scheduled for later", () => {
    expect(evaluatePolicy(inputOf({ rules: allowed, ...breakGlass, startsAt: at(10) })).violations).toEqual([
      { field: "startsAt", message: "Break-glass access starts now; it cannot be scheduled." },
    ]);
  });

  it("still needs a justification, but not a ticket", () => {
    const decision = evaluatePolicy(inputOf({ rules: allowed, ...breakGlass, justification: "", ticketRef: null }));
    expect(decision.violations).toEqual([{ field: "justification", message: "Justification is required." }]);
  });

  it("obeys deny conditions and ignores the others", () => {
    const rules = rulesOf({
      breakGlass: { allowed: true, maxDurationMinutes: 30 },
      conditions: [
        { when: "true", effect: "require_approval", reason: "approval", stages: [{ name: "x", required: 1, sources: ["owner"] }] },
        { when: 'request.kind == "BREAK_GLASS" && !("sre" in requester.groups)', effect: "deny", reason: "Only SREs may break glass here." },
      ],
    });
    expect(evaluatePolicy(inputOf({ rules, ...breakGlass })).reasons).toEqual(["Only SREs may break glass here."]);
    expect(evaluatePolicy(inputOf({ rules, ...breakGlass, requester: { groups: ["sre"] } })).outcome).toBe("auto_approve");
  });

  it("ignores the concurrent-grant limit", () => {
    const rules = rulesOf({ breakGlass: { allowed: true, maxDurationMinutes: 30 }, limits: { maxDurationMinutes: 60, maxConcurrentGrants: 1 } });
    expect(evaluatePolicy(inputOf({ rules, ...breakGlass, history: { activeGrantsForResource: 3 } })).outcome).toBe("auto_approve");
  });
});

describe("machine identities", () => {
  it("are refused without an accountable owner", () => {
    const decision = evaluatePolicy(inputOf({ requester: { kind: "MACHINE", ownerId: null } }));
    expect(decision).toMatchObject({ outcome: "deny", matched: { rule: "machine_owner" } });
  });

  it("get minutes-long access at once where the policy auto-approves", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ approval: { mode: "auto" } }), requester: { kind: "MACHINE", ownerId: "owner-3", groups: [] }, durationMinutes: 5 }));
    expect(decision.outcome).toBe("auto_approve");
    expect(decision.risk.reasons).toContainEqual({ factor: "machine_identity", points: 5, detail: "Requested by a machine identity" });
  });
});

describe("business hours and time zones", () => {
  const rules = rulesOf({ conditions: [{ when: "!business_hours", effect: "require_approval", reason: "Out of hours.", stages: [{ name: "On call", required: 1, sources: ["oncall:security"] }] }] });

  it.each<[string, Date, Date | undefined, boolean]>([
    ["now, Wednesday 10:00 in Berlin", WEDNESDAY_MORNING, undefined, true],
    ["now, Wednesday 19:30 in Berlin", new Date("2026-03-04T18:30:00Z"), undefined, false],
    ["at night, for a start the next morning (the start counts)", new Date("2026-03-04T22:00:00Z"), new Date("2026-03-05T08:00:00Z"), true],
    ["in the morning, for a start on Saturday", WEDNESDAY_MORNING, new Date("2026-03-07T09:00:00Z"), false],
  ])("%s", (_title, now, startsAt, within) => {
    const decision = evaluatePolicy(inputOf({ rules, now, startsAt: startsAt ?? now }));
    expect(decision.businessHours).toBe(within);
    expect(decision.matched.rule).toBe(within ? "base" : "condition");
    expect(decision.stages[0]?.name).toBe(within ? "Owners" : "On call");
    expect(decision.risk.reasons.some((reason) => reason.factor === "outside_business_hours")).toBe(!within);
  });

  it("checks an unknown time zone in UTC and says so", () => {
    const decision = evaluatePolicy(inputOf({ resource: { timeZone: "Nowhere/Special" } }));
    expect(decision.reasons).toContain('The resource\'s time zone "Nowhere/Special" is unknown; business hours were checked in UTC.');
  });
});

describe("the decision", () => {
  it("carries the SLA of the policy", () => {
    const decision = evaluatePolicy(inputOf({ rules: rulesOf({ sla: { remindAfterMinutes: 15, escalateAfterMinutes: 45, escalateTo: ["group:security", "fallback"], timeoutMinutes: 90 } }) }));
    expect(decision).toMatchObject({ reminderMinutes: 15, slaMinutes: 45, escalateTo: ["group:security", "fallback"], timeoutMinutes: 90 });
  });

  it("carries the risk score with its reasons", () => {
    const decision = evaluatePolicy(inputOf({ resource: { tier: 1 }, accessLevel: { riskWeight: 35 }, durationMinutes: 480, history: { grantsSameAccessEver: 0, requestsSameAccess7d: 6 } }));
    expect(decision.risk).toEqual({
      score: 95,
      reasons: [
        { factor: "tier", points: 25, detail: "Tier 1 resource" },
        { factor: "access_level", points: 35, detail: "Access level risk weight 35" },
        { factor: "duration", points: 15, detail: "480 of at most 480 minutes (100%)" },
        { factor: "first_time", points: 10, detail: "First time requesting this access" },
        { factor: "re_requests", points: 10, detail: "6 requests for this access in the last 7 days" },
      ],
    });
  });

  it("is plain JSON (it is stored with the request)", () => {
    const decision = evaluatePolicy(inputOf({ rules: ZPolicyRules.parse(tierDefaultRules[1]), ticketRef: "INC-1" }));
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });

  it("does not change its input", () => {
    const input = inputOf({ rules: ZPolicyRules.parse(tierDefaultRules[1]), ticketRef: "INC-1" });
    const before = structuredClone(input);
    evaluatePolicy(input);
    expect(input).toEqual(before);
  });

  it("is the same for the same input", () => {
    const input = inputOf({ rules: ZPolicyRules.parse(tierDefaultRules[1]), ticketRef: "INC-1" });
    expect(evaluatePolicy(input)).toEqual(evaluatePolicy(structuredClone(input)));
  });

  it("compiles a policy's conditions once, however it is loaded", () => {
    const rules = ZPolicyRules.parse(tierDefaultRules[1]);
    expect(compilePolicy(rules)).toBe(compilePolicy(rules));
    expect(compilePolicy(JSON.parse(JSON.stringify(rules)) as PolicyRules)).toBe(compilePolicy(rules));
  });
});

describe("the tier defaults", () => {
  const tier = (n: 1 | 2 | 3) => ZPolicyRules.parse(tierDefaultRules[n]);

  it("auto-approve a tier-3 read", () => {
    expect(evaluatePolicy(inputOf({ rules: tier(3), resource: { tier: 3 }, accessLevel: { key: "read", riskWeight: 0 } })).outcome).toBe("auto_approve");
  });

  it("review a first tier-3 write", () => {
    const decision = evaluatePolicy(inputOf({ rules: tier(3), resource: { tier: 3 }, history: { grantsSameAccessEver: 0 } }));
    expect(decision).toMatchObject({ outcome: "approval", stages: [{ name: "Owner", required: 1, sources: ["owner"] }] });
  });

  it("send a tier-1 write to two distinct owners, with a ticket", () => {
    const decision = evaluatePolicy(inputOf({ rules: tier(1), resource: { tier: 1 }, ticketRef: "INC-4711" }));
    expect(decision).toMatchObject({ outcome: "approval", stages: [{ name: "Owners", required: 2, sources: ["owner"] }], maxDurationMinutes: 240 });
    expect(evaluatePolicy(inputOf({ rules: tier(1), resource: { tier: 1 } })).violations).toEqual([{ field: "ticketRef", message: "A ticket reference is required for this resource." }]);
  });

  it("send tier-1 admin access to the team lead, then two owners, for at most an hour", () => {
    const decision = evaluatePolicy(inputOf({ rules: tier(1), resource: { tier: 1 }, accessLevel: { key: "admin" }, ticketRef: "INC-4711" }));
    expect(decision.stages.map((stage) => stage.name)).toEqual(["Team lead", "Owners"]);
    expect(decision.maxDurationMinutes).toBe(60);
  });

  it("send a tier-2 request to one owner, and let on-call engineers in at once", () => {
    expect(evaluatePolicy(inputOf({ rules: tier(2) })).stages).toEqual([{ name: "Owner", required: 1, sources: ["owner"] }]);
    expect(evaluatePolicy(inputOf({ rules: tier(2), requester: { groups: ["platform"], onCall: true }, durationMinutes: 60 })).outcome).toBe("auto_approve");
  });

  it("allow break-glass on tiers 1 and 2 only", () => {
    const request = { kind: "BREAK_GLASS" as const, durationMinutes: 30 };
    expect(evaluatePolicy(inputOf({ rules: tier(1), ...request })).outcome).toBe("auto_approve");
    expect(evaluatePolicy(inputOf({ rules: tier(2), ...request })).outcome).toBe("auto_approve");
    expect(evaluatePolicy(inputOf({ rules: tier(3), ...request })).outcome).toBe("deny");
  });
});
