/** Builders for policy tests and the benchmark: a plausible request that each case changes one thing of. */
import type { PolicyInput } from "./engine";
import { ZPolicyRules, type PolicyRules, type PolicyRulesInput } from "./schema";

/** Wednesday 4 March 2026, 10:00 in Berlin (09:00 UTC): inside default business hours. */
export const WEDNESDAY_MORNING = new Date("2026-03-04T09:00:00Z");

export function rulesOf(overrides: Partial<PolicyRulesInput> = {}): PolicyRules {
  return ZPolicyRules.parse({
    version: 1,
    approval: { mode: "approval", stages: [{ name: "Owners", required: 1, sources: ["owner"] }] },
    limits: { maxDurationMinutes: 480 },
    ...overrides,
  });
}

export type InputOverrides = Omit<Partial<PolicyInput>, "resource" | "accessLevel" | "requester" | "history"> & {
  resource?: Partial<PolicyInput["resource"]>;
  accessLevel?: Partial<PolicyInput["accessLevel"]>;
  requester?: Partial<PolicyInput["requester"]>;
  history?: Partial<PolicyInput["history"]>;
};

export function inputOf(overrides: InputOverrides = {}): PolicyInput {
  const now = overrides.now ?? WEDNESDAY_MORNING;
  return {
    rules: overrides.rules ?? rulesOf(),
    durationMinutes: overrides.durationMinutes ?? 60,
    startsAt: overrides.startsAt ?? now,
    now,
    kind: overrides.kind ?? "STANDARD",
    justification: overrides.justification ?? "Investigate the failed settlement run for INC-4711",
    ticketRef: overrides.ticketRef === undefined ? null : overrides.ticketRef,
    resource: {
      id: "res-1",
      slug: "orders-db-prod",
      tier: 2,
      timeZone: "Europe/Berlin",
      ownerGroupSlug: "payments-owners",
      ownerId: "owner-1",
      tags: ["prod", "pci"],
      ...overrides.resource,
    },
    accessLevel: { key: "write", riskWeight: 20, ...overrides.accessLevel },
    requester: { id: "user-1", kind: "HUMAN", groups: ["payments"], teamLeadIds: ["lead-1"], onCall: false, ownerId: null, ...overrides.requester },
    history: { requestsSameAccess7d: 0, grantsSameAccessEver: 3, activeGrantsForResource: 0, ...overrides.history },
  };
}
