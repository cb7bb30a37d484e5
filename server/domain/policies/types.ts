/** The engine's input and output: what the caller loads, and what it stores with the request. */
import type { RiskAssessment } from "./risk";
import type { ApprovalStage, ApproverSource, PolicyRules } from "./schema";
import type { Violation } from "./violations";

export type { Violation, ViolationField } from "./violations";

export type RequestKind = "STANDARD" | "EXTENSION" | "BREAK_GLASS";
export type IdentityKind = "HUMAN" | "MACHINE";
export type PolicyOutcome = "deny" | "auto_approve" | "approval";

export interface PolicyInput {
  /** Parsed with ZPolicyRules (defaults filled in). */
  rules: PolicyRules;
  resource: {
    id: string;
    slug: string;
    /** 1 (most sensitive) to 3. */
    tier: number;
    /** IANA zone for business hours; an unknown zone falls back to UTC (said in the reasons). */
    timeZone: string;
    /** Absent or null: the resource has no owner group, and "owner" sources fall back to "fallback". */
    ownerGroupSlug?: string | null;
    /** The resource's owner person; absent or null: "owner_person" sources fall back to "fallback". */
    ownerId?: string | null;
    tags: readonly string[];
  };
  accessLevel: { key: string; riskWeight: number };
  requester: {
    id: string;
    kind: IdentityKind;
    /** Slugs of every group the requester is a member of. */
    groups: readonly string[];
    /** Leads of the requester's team groups (for a machine: of its owner's). */
    teamLeadIds: readonly string[];
    /** On call now in any rotation. */
    onCall: boolean;
    /** Slugs of the groups whose rotation the requester is on now. When absent, on call counts for all of `groups`. */
    onCallGroups?: readonly string[];
    /** For a machine: the human accountable for it. */
    ownerId?: string | null;
  };
  durationMinutes: number;
  startsAt: Date;
  now: Date;
  kind: RequestKind;
  justification: string;
  ticketRef?: string | null;
  history: {
    /** Requests for the same resource and access level in the last 7 days, this one excluded. */
    requestsSameAccess7d: number;
    /** Grants of the same resource and access level ever held; 0 means first time. */
    grantsSameAccessEver: number;
    /** Active (or scheduled) grants of this person on this resource, any access level. */
    activeGrantsForResource: number;
  };
}

/** Which rule decided ruleOutcome: stored with the request so an auditor can tell a CEL rule from the base rule. */
export type MatchedRule =
  | { rule: "machine_owner" }
  | { rule: "break_glass" }
  | { rule: "concurrent_grants" }
  | { rule: "condition"; index: number; name: string | null }
  | { rule: "on_call"; index: number }
  | { rule: "base" };

export interface PolicyDecision {
  /** What happens if the request is submitted now. "deny" whenever there are violations. */
  outcome: PolicyOutcome;
  /** What the rules decide once the violations are fixed (equal to outcome when there are none). */
  ruleOutcome: PolicyOutcome;
  matched: MatchedRule;
  /** Why, in plain language, shown to the requester before submitting: violations first, then the rules. */
  reasons: string[];
  /** The maximum duration for this access level (or for break-glass). */
  maxDurationMinutes: number;
  /** Presets for the form, ascending, all within the maximum. */
  durationPresets: number[];
  /** The approval stages, in order; empty unless ruleOutcome is "approval". */
  stages: ApprovalStage[];
  risk: RiskAssessment;
  /** The access starts within business hours in the resource's time zone. */
  businessHours: boolean;
  /** From the policy's sla: reminder, escalation (with its target sources) and expiry of an undecided request. */
  reminderMinutes: number;
  slaMinutes: number;
  escalateTo: ApproverSource[];
  timeoutMinutes: number;
  violations: Violation[];
}
