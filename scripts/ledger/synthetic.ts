import type { JsonValue } from "@/server/ledger/canonical";
import { computeEventHash, GENESIS_HASH, LEDGER_FORMAT, type HashedEventFields } from "@/server/ledger/hash";
import { formatUuidv7 } from "@/server/uuid";

/**
 * A realistic synthetic ledger for the benchmark and for tests that need history Keycard cannot write
 * through its own code (last month's events: appends always take the database clock). It produces what
 * Keycard's capabilities append — sign-ins, requests with justifications and tickets, decisions with
 * comments, grants that are activated, extended, released or revoked, break-glass, drift, policy
 * changes — as a valid hash chain continuing from a given head, deterministically from a seed.
 */

export interface SyntheticPerson {
  id: string;
  name: string;
  email: string;
}

export interface SyntheticResource {
  id: string;
  slug: string;
  name: string;
  levels: readonly string[];
}

export interface SyntheticPopulation {
  people: SyntheticPerson[];
  resources: SyntheticResource[];
}

export interface ChainHead {
  seq: bigint;
  hash: string;
  occurredAt: Date;
}

export const EMPTY_HEAD: ChainHead = { seq: 0n, hash: GENESIS_HASH, occurredAt: new Date(0) };

const FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John", "Radia", "Tim", "Hedy", "Edsger", "Katherine", "Donald", "Sophie", "Jonas", "Mina", "Priya", "Tomás", "Yuki", "Oluwaseun", "Fatima", "Lars", "Ingrid", "Mateo", "Chen", "Aisha", "Noah", "Elena", "Kofi", "Sven", "Leila", "Ravi", "Zofia", "Hugo", "Amara", "Björn", "Nadia"];
const LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Backus", "Perlman", "Berners-Lee", "Lamarr", "Dijkstra", "Johnson", "Knuth", "Weber", "Schmidt", "Okafor", "Nakamura", "García", "Kowalski", "Haddad", "Andersson", "Rossi", "Novak", "Dubois", "Silva", "Müller", "Sato", "Mensah", "Patel", "Ivanova", "Byrne", "Costa", "Lindqvist", "Abebe", "Moreau", "Kim", "Jensen"];
const SYSTEMS = ["orders", "payments", "billing", "ledger", "search", "inventory", "identity", "shipping", "analytics", "reporting", "checkout", "fraud", "catalog", "pricing", "notifications"];
const KINDS = [
  { kind: "database", name: "database" },
  { kind: "redis", name: "cache" },
  { kind: "mariadb", name: "warehouse" },
  { kind: "webhook", name: "cloud role" },
];
const ENVIRONMENTS = ["production", "staging"];
const LEVELS = [["read"], ["read", "write"], ["read", "write", "admin"]];
const PROBLEMS = [
  "failed payment retries", "slow checkout queries", "replication lag", "duplicate invoices", "stuck refunds",
  "missing audit rows", "timeouts in the settlement batch", "disk pressure on the primary", "connection pool exhaustion",
  "a wrong exchange rate", "orphaned shipments", "a broken nightly export", "locked customer accounts", "stale search results",
  "a failed schema migration", "cache stampede after deploy", "an expired TLS certificate", "bad data from a partner feed",
];
const PURPOSES = [
  "Investigate {ticket}: {problem} in {resource}",
  "On-call: alert for {problem} fired on {resource}, need to look at the tables",
  "Customer escalation {ticket} — {problem}, need to check affected rows",
  "Deploy hotfix for {problem} ({ticket})",
  "Quarterly access review sampling on {resource}",
  "Backfill after {problem}; runbook step 4 needs {level} on {resource}",
  "Reproduce {problem} reported in {ticket}",
  "Incident {ticket}: {problem} — mitigation needs {level} access",
  "Data fix approved in {ticket} for {problem}",
  "Pairing with the DBA on {problem} in {resource}",
];
const COMMENTS = [
  "Approved, matches {ticket}", "OK for the incident window", "Fine — please release when done", "Limit to read next time",
  "Approved; ticket has the customer's consent", "Go ahead, I am watching the dashboards", "LGTM", "Approved for the change window",
];
const DENIALS = ["Use the read replica instead", "No ticket referenced", "Outside the change window; request again tomorrow", "Ask the owning team first", "Too broad: request read, not admin"];

/** Deterministic PRNG (mulberry32): the same seed gives the same ledger. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const hex = (length: number) => {
    let out = "";
    while (out.length < length) out += int(0x100000000).toString(16).padStart(8, "0");
    return out.slice(0, length);
  };
  const uuid = () => {
    const h = hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  return { next, int, pick, hex, uuid };
}

export type Random = ReturnType<typeof createRandom>;

export function createPopulation(random: Random, people = 2_000, resources = 120): SyntheticPopulation {
  const seen = new Set<string>();
  const persons: SyntheticPerson[] = [];
  while (persons.length < people) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    let name = `${first} ${last}`;
    if (seen.has(name)) name = `${first} ${last} ${persons.length}`;
    seen.add(name);
    const email = `${name.toLowerCase().normalize("NFD").replace(/[^a-z0-9 ]/g, "").replaceAll(" ", ".")}@example.com`;
    persons.push({ id: random.uuid(), name, email });
  }
  const resourceList: SyntheticResource[] = [];
  for (let i = 0; resourceList.length < resources; i++) {
    const system = SYSTEMS[i % SYSTEMS.length]!;
    const kind = KINDS[Math.floor(i / SYSTEMS.length) % KINDS.length]!;
    const environment = ENVIRONMENTS[Math.floor(i / (SYSTEMS.length * KINDS.length)) % ENVIRONMENTS.length]!;
    const suffix = i >= SYSTEMS.length * KINDS.length * ENVIRONMENTS.length ? `-${i}` : "";
    resourceList.push({
      id: random.uuid(),
      slug: `${system}-${kind.kind}-${environment === "production" ? "prod" : "stg"}${suffix}`,
      name: `${system[0]!.toUpperCase()}${system.slice(1)} ${kind.name} (${environment})${suffix}`,
      levels: random.pick(LEVELS),
    });
  }
  return { people: persons, resources: resourceList };
}

type Draft = Omit<HashedEventFields, "format" | "seq" | "prevHash" | "occurredAt">;

interface Pending {
  at: number;
  draft: Draft;
}

/** A tiny binary heap of future events (a grant's revocation comes hours after its activation). */
class Queue {
  private items: Pending[] = [];
  get size() {
    return this.items.length;
  }
  peek(): Pending | undefined {
    return this.items[0];
  }
  push(item: Pending) {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.at <= item.at) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }
  pop(): Pending | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!items.length || !last) return top;
    // Sift the last item down from the root.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = -1;
      let smallestAt = last.at;
      if (left < items.length && items[left]!.at < smallestAt) {
        smallest = left;
        smallestAt = items[left]!.at;
      }
      if (right < items.length && items[right]!.at < smallestAt) smallest = right;
      if (smallest < 0) break;
      items[i] = items[smallest]!;
      i = smallest;
    }
    items[i] = last;
    return top;
  }
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? "");
}

export interface GenerateOptions {
  population: SyntheticPopulation;
  random: Random;
  /** Continue the chain from here (EMPTY_HEAD for a new ledger). */
  head: ChainHead;
  /** Times of the generated events, spread evenly (with jitter) over [from, until). */
  from: Date;
  until: Date;
  count: number;
  /** The hashed encoding's format (LEDGER_FORMAT; 1 or 2 for a ledger as it was before later formats). */
  format?: number;
}

/**
 * Yields `count` chained events in batches. Times never go backwards, and never before the head's.
 */
export function* generateEvents(options: GenerateOptions, batchSize = 5_000): Generator<SyntheticEvent[]> {
  const { population, random } = options;
  const start = Math.max(options.from.getTime(), options.head.occurredAt.getTime());
  const span = Math.max(1, options.until.getTime() - start);
  const gap = span / options.count;
  const queue = new Queue();
  let seq = options.head.seq;
  let prevHash = options.head.hash;
  let lastTime = options.head.occurredAt.getTime();
  let produced = 0;
  let batch: SyntheticEvent[] = [];
  let clock = start;

  const person = () => random.pick(population.people);
  const resource = () => random.pick(population.resources);
  const ticket = () => `${random.pick(["INC", "CHG", "SEC", "OPS"])}-${1000 + random.int(90000)}`;

  const startStory = (at: number) => {
    const roll = random.next();
    if (roll < 0.22) {
      const p = person();
      const method = random.next() < 0.9 ? "oidc" : "demo";
      return [{ at, draft: draft("auth/session.signed_in", p, "identity", p.id, null, null, null, `${p.name} signed in through single sign-on`, { method, groups: ["engineering"], roles: ["REQUESTER"] }) }];
    }
    if (roll < 0.235) {
      const p = person();
      return [{ at, draft: { ...draft("auth/session.refused", p, "identity", p.id, null, null, null, `Sign-in refused for ${p.name}: identity is disabled`, { method: "oidc" }), outcome: "denied" } }];
    }
    if (roll < 0.24) {
      const admin = person();
      const r = resource();
      return [{ at, draft: draft("policy/policy.changed", admin, "policy", random.uuid(), r.id, null, null, `${admin.name} changed the policy of ${r.name} to version ${2 + random.int(20)}`, { note: `Require two approvers for ${random.pick(r.levels)} on ${r.slug}`, version: 2 + random.int(20) }) }];
    }
    if (roll < 0.245) {
      const admin = person();
      const name = `${random.pick(SYSTEMS)}-ci`;
      return [{ at, draft: draft("identity/token.created", admin, "token", random.uuid(), null, null, null, `${admin.name} created API token "${name}"`, { name, scopes: ["requests:write"], expiresInDays: 90 }) }];
    }
    return accessStory(at);
  };

  const accessStory = (at: number): Pending[] => {
    const requester = person();
    const r = resource();
    const level = random.pick(r.levels);
    const requestId = random.uuid();
    const grantId = random.uuid();
    const t = ticket();
    const problem = random.pick(PROBLEMS);
    const breakGlass = random.next() < 0.01;
    const justification = fill(random.pick(PURPOSES), { ticket: t, problem, resource: r.name, level });
    const minutes = random.pick([30, 60, 60, 120, 240, 480]);
    const events: Pending[] = [];
    const requestData = { justification, ticket: t, accessLevel: level, durationMinutes: minutes, riskScore: random.int(100) };
    if (breakGlass) {
      events.push({ at, draft: draft("access/break_glass.activated", requester, "request", requestId, r.id, requestId, grantId, `${requester.name} used break-glass for ${level} on ${r.name}`, { ...requestData, reason: `Emergency: ${problem}` }) });
      events.push({ at: at + 2_000, draft: system("provisioner", "access/grant.activated", "grant", grantId, r.id, requestId, grantId, `${level} on ${r.name} is active for ${requester.name} (break-glass)`, { accessLevel: level, breakGlass: true }) });
      events.push({ at: at + minutes * 60_000, draft: system("grant-expiry", "access/grant.revoked", "grant", grantId, r.id, requestId, grantId, `${level} on ${r.name} for ${requester.name} ended (expired)`, { reason: "EXPIRED" }) });
      const reviewer = person();
      events.push({ at: at + 86_400_000, draft: draft("access/break_glass.reviewed", reviewer, "grant", grantId, r.id, requestId, grantId, `${reviewer.name} reviewed ${requester.name}'s break-glass on ${r.name}`, { outcome: random.pick(["justified", "justified", "follow-up needed"]), notes: `Checked against ${t}` }) });
      return events;
    }
    events.push({ at, draft: draft("access/request.created", requester, "request", requestId, r.id, requestId, null, `${requester.name} requested ${level} on ${r.name} for ${minutes} min`, requestData) });
    const approver = person();
    const decisionAt = at + (1 + random.int(30)) * 60_000;
    const rollDecision = random.next();
    if (rollDecision < 0.06) {
      const comment = random.pick(DENIALS);
      events.push({ at: decisionAt, draft: { ...draft("access/request.denied", approver, "request", requestId, r.id, requestId, null, `${approver.name} denied ${requester.name}'s request for ${level} on ${r.name}`, { comment }), outcome: "denied" } });
      return events;
    }
    if (rollDecision < 0.09) {
      events.push({ at: decisionAt + 86_400_000, draft: system("approval-escalation", "access/request.expired", "request", requestId, r.id, requestId, null, `${requester.name}'s request for ${level} on ${r.name} expired unreviewed`, {}) });
      return events;
    }
    const auto = rollDecision > 0.7;
    const comment = fill(random.pick(COMMENTS), { ticket: t });
    if (auto) {
      events.push({ at: at + 500, draft: system("policy", "access/request.approved", "request", requestId, r.id, requestId, null, `${requester.name}'s request for ${level} on ${r.name} was approved by policy`, { mode: "auto", reasons: ["tier 3", "business hours"] }) });
    } else {
      events.push({ at: decisionAt, draft: draft("access/decision.recorded", approver, "request", requestId, r.id, requestId, null, `${approver.name} approved ${requester.name}'s request for ${level} on ${r.name}`, { decision: "APPROVE", comment, stage: 0 }) });
      events.push({ at: decisionAt + 1, draft: system("policy", "access/request.approved", "request", requestId, r.id, requestId, null, `${requester.name}'s request for ${level} on ${r.name} is approved`, { approvers: [approver.name] }) });
    }
    const activatedAt = (auto ? at + 500 : decisionAt) + 3_000;
    if (random.next() < 0.01) {
      events.push({ at: activatedAt, draft: { ...system("provisioner", "access/grant.failed", "grant", grantId, r.id, requestId, grantId, `Provisioning ${level} on ${r.name} for ${requester.name} failed`, { error: "connection refused", attempts: 5 }), outcome: "failure" } });
      return events;
    }
    events.push({ at: activatedAt, draft: system("provisioner", "access/grant.activated", "grant", grantId, r.id, requestId, grantId, `${level} on ${r.name} is active for ${requester.name} until ${new Date(activatedAt + minutes * 60_000).toISOString().slice(11, 16)} UTC`, { accessLevel: level, principal: requester.email.split("@")[0]!, minutes }) });
    let endAt = activatedAt + minutes * 60_000;
    if (random.next() < 0.08) {
      events.push({ at: endAt - 10 * 60_000, draft: draft("access/grant.extended", requester, "grant", grantId, r.id, requestId, grantId, `${requester.name} extended ${level} on ${r.name} by 60 min`, { minutes: 60, justification: `Still working on ${t}` }) });
      endAt += 60 * 60_000;
    }
    const ending = random.next();
    if (ending < 0.35) {
      const releasedAt = activatedAt + Math.floor((endAt - activatedAt) * random.next());
      events.push({ at: releasedAt, draft: draft("access/grant.released", requester, "grant", grantId, r.id, requestId, grantId, `${requester.name} released ${level} on ${r.name} early`, { reason: "RELEASED" }) });
    } else {
      events.push({ at: endAt + random.int(30_000), draft: system("grant-expiry", "access/grant.revoked", "grant", grantId, r.id, requestId, grantId, `${level} on ${r.name} for ${requester.name} ended (expired)`, { reason: "EXPIRED", lagSeconds: random.int(30) }) });
    }
    if (random.next() < 0.004) {
      events.push({ at: endAt + 3_600_000, draft: { ...system("reconciliation", "access/grant.drift_found", "grant", grantId, r.id, requestId, grantId, `Drift on ${r.name}: ${requester.email.split("@")[0]} still had ${level} after revocation; removed`, { principal: requester.email.split("@")[0]!, privilege: level, fixed: true }), outcome: "failure" } });
    }
    return events;
  };

  function draft(
    action: string,
    actor: SyntheticPerson,
    subjectType: string,
    subjectId: string | null,
    resourceId: string | null,
    requestId: string | null,
    grantId: string | null,
    summary: string,
    data: JsonValue,
  ): Draft {
    return {
      id: random.uuid(),
      action,
      outcome: "success",
      actorType: "user",
      actorId: actor.id,
      actorLabel: actor.email,
      subjectType,
      subjectId,
      resourceId,
      requestId,
      grantId,
      summary,
      data,
    };
  }

  function system(job: string, action: string, subjectType: string, subjectId: string | null, resourceId: string | null, requestId: string | null, grantId: string | null, summary: string, data: JsonValue): Draft {
    return { id: random.uuid(), action, outcome: "success", actorType: "system", actorId: job, actorLabel: `system:${job}`, subjectType, subjectId, resourceId, requestId, grantId, summary, data };
  }

  while (produced < options.count) {
    // New stories start at the clock; pending events (later steps of earlier stories) come out in time order.
    const next = queue.peek();
    let item: Pending;
    if (next && next.at <= clock) {
      item = queue.pop()!;
    } else {
      for (const story of startStory(clock)) queue.push(story);
      clock += gap * (0.5 + random.next());
      item = queue.pop()!;
    }
    const at = Math.max(lastTime, Math.min(item.at, options.until.getTime()));
    lastTime = at;
    seq += 1n;
    // Event ids are version 7, dated by the event, as appendLedgerEvent makes them.
    const id = formatUuidv7(at, Uint8Array.from(Buffer.from(item.draft.id.replace(/-/g, "").slice(12), "hex")));
    const fields: HashedEventFields = { ...item.draft, format: options.format ?? LEDGER_FORMAT, id, seq, occurredAt: new Date(at), prevHash };
    const hash = computeEventHash(fields);
    prevHash = hash;
    batch.push(Object.assign(fields, { hash }));
    produced += 1;
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export type SyntheticEvent = HashedEventFields & { hash: string };
