/**
 * Property-based tests over generated organisations: random people and machines, groups and memberships
 * (the requester, machines and machine owners included, as in a real directory), machine ownership, team
 * leads, ordered stages, and sequences of people trying to decide. The oracle below is written from the
 * rules in plain terms, independently of eligibility.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApprovalStage, ApproverSource } from "@/server/domain/policies/schema";
import { canDecide, canStillBeApproved, nextState, type ApprovalContext, type DecisionKind, type RecordedDecision, type ResolvedApprovers } from "./eligibility";

interface Org {
  humans: string[];
  machines: string[];
  ownerOf: Map<string, string>;
  context: ApprovalContext;
  /** Everyone who might try to decide: the organisation plus an outsider. */
  everyone: string[];
}

const arbOrg: fc.Arbitrary<Org> = fc
  .record({ humanCount: fc.integer({ min: 1, max: 8 }), machineCount: fc.integer({ min: 0, max: 3 }), groupCount: fc.integer({ min: 1, max: 4 }) })
  .chain(({ humanCount, machineCount, groupCount }) => {
    const humans = Array.from({ length: humanCount }, (_, i) => `h${i}`);
    const machines = Array.from({ length: machineCount }, (_, i) => `m${i}`);
    const identities = [...humans, ...machines];
    const groupSlugs = Array.from({ length: groupCount }, (_, i) => `g${i}`);
    const sources: ApproverSource[] = ["owner", "owner_person", "team_lead", "fallback", ...groupSlugs.map((slug) => `group:${slug}` as const)];
    const members = fc.subarray(identities);
    const arbStage = fc.record({
      name: fc.constantFrom("Peer", "Owner", "Security"),
      required: fc.integer({ min: 1, max: 3 }),
      sources: fc.subarray(sources, { minLength: 1 }),
    });
    return fc.record({
      owners: fc.array(fc.constantFrom(...humans), { minLength: machineCount, maxLength: machineCount }),
      resolvedEntries: fc.tuple(...sources.map((source) => members.map((ids) => [source, ids] as const))),
      stages: fc.array(arbStage, { minLength: 1, maxLength: 3 }).map((stages) => stages.map((stage, i): ApprovalStage => ({ ...stage, name: `${stage.name} ${i}` }))),
      requester: fc.constantFrom(...identities),
      // People who created one of the requester's API tokens (an admin for a machine, or from before tokens were personal).
      tokenCreators: fc.subarray(humans, { maxLength: Math.min(2, humans.length) }),
    }).map(({ owners, resolvedEntries, stages, requester, tokenCreators }): Org => {
      const ownerOf = new Map(machines.map((machine, i) => [machine, owners[i] ?? "h0"]));
      const resolved: ResolvedApprovers = Object.fromEntries(resolvedEntries);
      return {
        humans,
        machines,
        ownerOf,
        everyone: [...identities, "outsider"],
        context: {
          stages,
          resolved,
          requester: { id: requester, ownerId: ownerOf.get(requester) ?? null, tokenCreatorIds: tokenCreators.filter((id) => id !== requester) },
          machineIds: new Set(machines),
        },
      };
    });
  });

// Mostly approvals and long enough sequences, so that many runs reach "approved" rather than stopping early.
const arbAttempts = fc.array(
  fc.record({ who: fc.nat(), decision: fc.oneof({ weight: 9, arbitrary: fc.constant<DecisionKind>("APPROVE") }, { weight: 1, arbitrary: fc.constant<DecisionKind>("DENY") }) }),
  { maxLength: 40 },
);

/** The rules, restated: who must never count toward the request. */
function isExcluded(org: Org, id: string): boolean {
  const { requester } = org.context;
  return id === requester.id || id === requester.ownerId || !!requester.tokenCreatorIds?.includes(id) || org.machines.includes(id);
}

/** The rules, restated: who is eligible for a stage. */
function oracleEligible(org: Org, stage: number): Set<string> {
  const people = new Set<string>();
  for (const source of org.context.stages[stage]?.sources ?? []) {
    for (const id of org.context.resolved[source] ?? []) if (!isExcluded(org, id)) people.add(id);
  }
  return people;
}

/** Runs the attempts through canDecide, recording what it allows, and checks each step against the oracle. */
function simulate(org: Org, attempts: { who: number; decision: DecisionKind }[]): RecordedDecision[] {
  const decisions: RecordedDecision[] = [];
  for (const attempt of attempts) {
    const who = org.everyone[attempt.who % org.everyone.length] ?? "outsider";
    const before = nextState(org.context, decisions);
    const result = canDecide(org.context, decisions, who);

    const decidedBefore = decisions.some((decision) => decision.approverId === who);
    const expectedAllowed = before.status === "pending" && !isExcluded(org, who) && !decidedBefore && oracleEligible(org, before.stage).has(who);
    expect(result.allowed, `${who} deciding in ${JSON.stringify(before)}`).toBe(expectedAllowed);

    if (result.allowed) {
      // Stages in order: a decision always lands in the stage being decided.
      expect(before.status === "pending" && result.stage === before.stage).toBe(true);
      decisions.push({ approverId: who, stage: result.stage, decision: attempt.decision });
    }
  }
  return decisions;
}

/** Brute force: can each slot get a different person from its list? (Slots ≤ 9 here.) */
function hasDistinctAssignment(slots: string[][], used: Set<string> = new Set(), index = 0): boolean {
  if (index === slots.length) return true;
  for (const person of slots[index] ?? []) {
    if (used.has(person)) continue;
    used.add(person);
    if (hasDistinctAssignment(slots, used, index + 1)) return true;
    used.delete(person);
  }
  return false;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const runs = { numRuns: 400 };

describe("separation of duties over generated organisations", () => {
  it("nobody reaches a decision on their own request: not the requester, not a machine's owner, not who holds the requester's token, never a machine", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, (org, attempts) => {
        for (const decision of simulate(org, attempts)) expect(isExcluded(org, decision.approverId)).toBe(false);
        // And directly: every excluded identity is refused in every state reached.
        const { requester } = org.context;
        for (const id of [requester.id, ...(requester.ownerId ? [requester.ownerId] : []), ...(requester.tokenCreatorIds ?? []), ...org.machines]) {
          expect(canDecide(org.context, [], id).allowed).toBe(false);
        }
      }),
      runs,
    );
  });

  it("a request is approved only when every stage has its required number of distinct eligible approvers", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, (org, attempts) => {
        const decisions = simulate(org, attempts);
        if (nextState(org.context, decisions).status !== "approved") return;
        const approvers = decisions.map((decision) => decision.approverId);
        expect(new Set(approvers).size).toBe(approvers.length);
        org.context.stages.forEach((stage, index) => {
          const eligible = oracleEligible(org, index);
          const approvals = new Set(decisions.filter((d) => d.stage === index && d.decision === "APPROVE" && eligible.has(d.approverId)).map((d) => d.approverId));
          expect(approvals.size).toBeGreaterThanOrEqual(stage.required);
        });
      }),
      runs,
    );
  });

  it("no list of recorded decisions, however forged, approves without enough distinct eligible people", () => {
    const arbForged = fc.array(fc.record({ who: fc.nat(), stage: fc.nat({ max: 3 }) }), { maxLength: 20 });
    fc.assert(
      fc.property(arbOrg, arbForged, (org, forged) => {
        const decisions: RecordedDecision[] = forged.map(({ who, stage }) => ({ approverId: org.everyone[who % org.everyone.length] ?? "outsider", stage, decision: "APPROVE" }));
        if (nextState(org.context, decisions).status !== "approved") return;
        // There must be distinct people filling every stage's slots, each eligible for the stage they fill and
        // having approved in it.
        const slots = org.context.stages.flatMap((stage, index) => {
          const eligible = oracleEligible(org, index);
          const approvedHere = [...new Set(decisions.filter((d) => d.stage === index && eligible.has(d.approverId)).map((d) => d.approverId))];
          return Array.from({ length: stage.required }, () => approvedHere);
        });
        expect(hasDistinctAssignment(slots)).toBe(true);
      }),
      runs,
    );
  });

  it("a denial is final: nobody decides after it, and the state stays denied", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, arbAttempts, (org, first, after) => {
        const decisions = simulate(org, first);
        const state = nextState(org.context, decisions);
        if (state.status !== "denied") return;
        for (const attempt of after) {
          const who = org.everyone[attempt.who % org.everyone.length] ?? "outsider";
          expect(canDecide(org.context, decisions, who).allowed).toBe(false);
        }
        expect(nextState(org.context, [...decisions, { approverId: "h0", stage: 0, decision: "APPROVE" }]).status).toBe("denied");
      }),
      runs,
    );
  });

  it("the outcome does not depend on the order the decisions are listed in", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, fc.integer(), (org, attempts, seed) => {
        const decisions = simulate(org, attempts);
        const state = nextState(org.context, decisions);
        const reordered = nextState(org.context, shuffled(decisions, seed));
        // Which deny is reported first may differ; the status and the pending position may not.
        expect(reordered.status).toBe(state.status);
        if (state.status === "pending") expect(reordered).toEqual(state);
      }),
      runs,
    );
  });

  it("someone removed from every source of the open stage can no longer decide", () => {
    fc.assert(
      fc.property(arbOrg, fc.nat(), (org, pick) => {
        const state = nextState(org.context, []);
        if (state.status !== "pending") return;
        const eligible = [...oracleEligible(org, state.stage)];
        const removed = eligible[pick % Math.max(1, eligible.length)];
        if (removed === undefined) return;
        const resolved = Object.fromEntries(Object.entries(org.context.resolved).map(([source, ids]) => [source, (ids ?? []).filter((id) => id !== removed)]));
        expect(canDecide({ ...org.context, resolved }, [], removed).allowed).toBe(false);
      }),
      runs,
    );
  });

  it("an approved request stays approved and accepts no more decisions", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, (org, attempts) => {
        const decisions = simulate(org, attempts.map((attempt) => ({ ...attempt, decision: "APPROVE" as const })));
        if (nextState(org.context, decisions).status !== "approved") return;
        for (const who of org.everyone) expect(canDecide(org.context, decisions, who)).toMatchObject({ allowed: false });
      }),
      runs,
    );
  });

  it("a request said to be beyond approval is never approved by further decisions", () => {
    fc.assert(
      fc.property(arbOrg, arbAttempts, arbAttempts, (org, first, after) => {
        const decisions = simulate(org, first);
        if (canStillBeApproved(org.context, decisions)) return;
        const more = simulate(org, [...first, ...after.map((attempt) => ({ ...attempt, decision: "APPROVE" as const }))]);
        expect(nextState(org.context, more).status).not.toBe("approved");
      }),
      runs,
    );
  });
});
