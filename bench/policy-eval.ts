/**
 * Policy evaluation speed: p50/p99 over 10,000 evaluations of varied requests (tier defaults plus a policy
 * with several CEL conditions), the way the request mutation calls it — stored JSON in, decision out.
 * Target (issue 3): p99 ≤ 5 ms. Run: npx tsx bench/policy-eval.ts
 */
import { performance } from "node:perf_hooks";
import { parseStoredRules } from "../server/domain/policies/compile";
import { tierDefaultRules } from "../server/domain/policies/defaults";
import { evaluatePolicy } from "../server/domain/policies/engine";
import { inputOf, rulesOf } from "../server/domain/policies/test-fixtures";

const EVALUATIONS = 10_000;
const WARMUP = 500;

// A policy as an admin might write it: several CEL conditions, each evaluated on most requests.
const custom = rulesOf({
  approval: { mode: "approval", stages: [{ name: "Peer", required: 1, sources: ["team_lead"] }, { name: "Owners", required: 2, sources: ["owner"] }] },
  conditions: [
    { name: "No admin at night", when: 'request.access_level == "admin" && !business_hours && !requester.on_call', effect: "deny", reason: "no" },
    { name: "Machines read briefly", when: 'requester.kind == "MACHINE" && request.access_level == "read" && request.duration_minutes <= 15', effect: "auto_approve", reason: "ok" },
    { name: "Risky", when: "risk_score >= 80 || requester.recent_requests > 10", effect: "require_approval", reason: "risky", stages: [{ name: "Security", required: 1, sources: ["group:security"] }] },
    { name: "PCI tickets", when: '"pci" in resource.tags && !request.ticket.matches("^(INC|CHG)-[0-9]+$")', effect: "deny", reason: "ticket" },
    { name: "DB operators", when: 'requester.groups.exists(g, g.startsWith("db-")) && request.ends_at < now + duration("2h")', effect: "auto_approve", reason: "dbo" },
  ],
  onCall: [{ groups: ["sre"], accessLevels: ["read"], maxDurationMinutes: 60 }],
  ticket: { required: true, pattern: "(INC|CHG)-\\d+" },
});

// The stored form: JSON text as it comes out of PolicyVersion.rules.
const storedPolicies = [JSON.stringify(tierDefaultRules[1]), JSON.stringify(tierDefaultRules[2]), JSON.stringify(tierDefaultRules[3]), JSON.stringify(custom)];
const levels = [
  { key: "read", riskWeight: 10 },
  { key: "write", riskWeight: 35 },
  { key: "admin", riskWeight: 50 },
];
const groupSets = [["payments"], ["sre", "platform"], ["db-operators"], []];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const matched = new Map<string, number>();

function run(count: number): number[] {
  const times: number[] = [];
  matched.clear();
  const base = Date.UTC(2026, 2, 2, 0, 0);
  for (let i = 0; i < count; i++) {
    const stored = storedPolicies[i % storedPolicies.length];
    const now = new Date(base + ((i * 37) % (7 * 24 * 60)) * 60_000); // every minute of a week, business hours or not
    const input = inputOf({
      now,
      durationMinutes: [15, 60, 120, 240, 600][i % 5],
      accessLevel: levels[i % levels.length],
      kind: i % 50 === 0 ? "BREAK_GLASS" : i % 7 === 0 ? "EXTENSION" : "STANDARD",
      ticketRef: i % 3 === 0 ? null : `INC-${i}`,
      requester: { kind: i % 11 === 0 ? "MACHINE" : "HUMAN", ownerId: i % 11 === 0 ? "owner-1" : null, groups: groupSets[i % groupSets.length], onCall: i % 4 === 1 },
      resource: { tier: (i % 3) + 1, tags: i % 2 === 0 ? ["pci", "prod"] : ["staging"] },
      history: { requestsSameAccess7d: i % 13, grantsSameAccessEver: i % 5, activeGrantsForResource: i % 3 },
    });

    const started = performance.now();
    const parsed = parseStoredRules(stored);
    if (!parsed.ok) throw new Error(parsed.error);
    const decision = evaluatePolicy({ ...input, rules: parsed.rules });
    times.push(performance.now() - started);
    const key = `${decision.outcome}/${decision.matched.rule}`;
    matched.set(key, (matched.get(key) ?? 0) + 1);
  }
  return times;
}

const coldStart = performance.now();
run(storedPolicies.length); // first sight of each policy: validation and CEL compilation
const coldMs = performance.now() - coldStart;
run(WARMUP);
const times = run(EVALUATIONS).sort((a, b) => a - b);
const p50 = percentile(times, 50);
const p99 = percentile(times, 99);
const max = times.at(-1) ?? Number.NaN;

console.log(`policy evaluation over ${EVALUATIONS} requests (${storedPolicies.length} policies, stored JSON in, decision out)`);
console.log(`  first evaluation of each policy (validate + compile CEL): ${(coldMs / storedPolicies.length).toFixed(3)} ms on average`);
console.log(`  outcomes: ${[...matched].sort().map(([key, n]) => `${key} ${n}`).join(", ")}`);
console.log(`  p50 ${p50.toFixed(4)} ms   p99 ${p99.toFixed(4)} ms   max ${max.toFixed(3)} ms   (target p99 ≤ 5 ms)`);
console.log(JSON.stringify({ evaluations: EVALUATIONS, policy_eval_p50_ms: Number(p50.toFixed(4)), policy_eval_p99_ms: Number(p99.toFixed(4)) }));
if (!(p99 <= 5)) process.exitCode = 1;
