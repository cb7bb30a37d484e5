/**
 * The default policy of each sensitivity tier (Policy rows with tier set, resourceId null), for the seed and
 * for a new installation. A resource without its own policy is decided by its tier's default.
 *
 * Nothing here depends on the time of day, so a demo or an end-to-end run gets the same outcome at 03:00 as
 * at noon; docs/policies.md shows the time-based conditions an admin may add.
 */
import type { PolicyRulesInput } from "./schema";

export const tierDefaultRules = {
  /** Production data and admin surfaces: two owners, a ticket, short windows. */
  1: {
    version: 1,
    approval: { mode: "approval", stages: [{ name: "Owners", required: 2, sources: ["owner"] }] },
    conditions: [
      {
        name: "Admin needs the team lead first",
        when: 'request.access_level == "admin"',
        effect: "require_approval",
        reason: "Admin access to a tier-1 resource needs your team lead, then two of its owners.",
        stages: [
          { name: "Team lead", required: 1, sources: ["team_lead"] },
          { name: "Owners", required: 2, sources: ["owner"] },
        ],
      },
    ],
    onCall: [{ groups: ["platform", "security"], accessLevels: ["read"], maxDurationMinutes: 60 }],
    limits: {
      maxDurationMinutes: 240,
      maxDurationByAccessLevel: { admin: 60 },
      durationPresetsMinutes: [15, 30, 60, 120, 240],
      maxConcurrentGrants: 2,
    },
    justification: { minLength: 20 },
    ticket: { required: true, pattern: "[A-Za-z][A-Za-z0-9]*-\\d+", example: "INC-1234" },
    breakGlass: { allowed: true, maxDurationMinutes: 60 },
    sla: { remindAfterMinutes: 30, escalateAfterMinutes: 120, escalateTo: ["fallback"], timeoutMinutes: 480 },
  },
  /** Internal tools and staging with customer data: one owner. */
  2: {
    version: 1,
    approval: { mode: "approval", stages: [{ name: "Owner", required: 1, sources: ["owner"] }] },
    onCall: [{ groups: ["platform", "security"], accessLevels: ["read", "write"], maxDurationMinutes: 60 }],
    limits: { maxDurationMinutes: 480, durationPresetsMinutes: [30, 60, 120, 240, 480], maxConcurrentGrants: 3 },
    justification: { minLength: 10 },
    ticket: { required: false },
    breakGlass: { allowed: true, maxDurationMinutes: 60 },
    sla: { remindAfterMinutes: 60, escalateAfterMinutes: 240, escalateTo: ["fallback"], timeoutMinutes: 1440 },
  },
  /** Low sensitivity: granted at once, except a first write, which one owner looks at. */
  3: {
    version: 1,
    approval: { mode: "auto" },
    conditions: [
      {
        name: "First write is reviewed",
        when: 'request.access_level == "write" && requester.first_time',
        effect: "require_approval",
        reason: "Your first write access to this resource needs one approval from its owners.",
        stages: [{ name: "Owner", required: 1, sources: ["owner"] }],
      },
    ],
    limits: { maxDurationMinutes: 1440, durationPresetsMinutes: [60, 240, 480, 1440] },
    justification: { minLength: 10 },
    breakGlass: { allowed: false, maxDurationMinutes: 60 },
    sla: { remindAfterMinutes: 120, escalateAfterMinutes: 480, escalateTo: ["fallback"], timeoutMinutes: 2880 },
  },
} as const satisfies Record<1 | 2 | 3, PolicyRulesInput>;
