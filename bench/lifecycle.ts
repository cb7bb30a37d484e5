/**
 * `npm run bench:lifecycle`: the access lifecycle under load, end to end (issue 3, "Speed").
 *
 * What it does, by itself, and undoes:
 *  1. recreates the PostgreSQL database at DATABASE_URL (default keycard_bench_lifecycle on the local
 *     server), migrates it (`npm run db:migrate`), seeds the demo organisation, and points the demo
 *     PostgreSQL connector at a scratch target database on the same server (keycard_bench_target, with the
 *     demo's tables and target roles), so provisioning really creates and drops login roles;
 *  2. puts 10,000 pending requests in approvers' inboxes (bulk-inserted valid rows: policy decisions and
 *     routing computed by the domain for each requester/resource combination, each request with its
 *     hash-chained `access/request.created` ledger event);
 *  3. measures policy evaluation in-process (evaluatePolicy on inputs loaded from the database by the
 *     same loader createRequest uses), before the portal runs, so the figure is the engine's alone;
 *  4. builds the portal (NEXT_DIST_DIR=.next-bench, never the default .next) and starts `next start` on a
 *     free port in 3160–3169 with the in-process job runner (provisioning reacts to each grant at once);
 *  5. drives the HTTP API with 50 concurrent machine clients (own identity and token each): submit a
 *     tier-3 read request (auto-approved), follow it with GET /grants/{id}?wait=10 (a long poll) until
 *     ACTIVE, take the one-time credential, release the grant — until 2,000 submits succeeded — while
 *     every approver of the pending requests, signed in through Auth.js demo credentials, has the /inbox
 *     page open: it asks for the first page (tRPC `requests.inbox` over HTTP, the page's query) every
 *     INBOX_REFRESH_MS, as the page does;
 *  6. stops the server, drops the login roles it created in the cluster and the scratch target database,
 *     and prints as its last line:
 *     {"requests":N,"submit_p95_ms":…,"auto_grant_p95_ms":…,"policy_eval_p99_ms":…,"inbox_page_p95_ms":…}
 *
 * What the figures are: submit = POST /requests as the client sees it; auto_grant = from the client
 * sending the request to the grant becoming ACTIVE in the database (the client's wall clock against
 * Grant.activatedAt, one host, one clock; the client-observed time at its first poll showing ACTIVE is
 * printed too); policy_eval = one evaluatePolicy call; inbox_page = the tRPC query over HTTP as the
 * signed-in approver (not in-process), taken while the machines run.
 *
 * Knobs (env): DATABASE_URL, BENCH_REQUESTS (2000), BENCH_CLIENTS (50), BENCH_PENDING (10000),
 * BENCH_WAIT_S (10: the long poll's wait; 0 = short polls instead), BENCH_POLL_MS (25: with short polls,
 * the first one, then ×1.5 up to 250 ms), BENCH_THINK_MS (0: each
 * client starts its next cycle at once, a closed loop that saturates the server; a mean pause, drawn
 * exponentially and with clients starting out of step, models independent pipelines that run now and
 * then), BENCH_SKIP_BUILD=1 (reuse .next-bench), BENCH_SERVER_NODE_ARGS (node flags for
 * the portal, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). The portal's log is kept in bench/.cache/.
 * The per-token API rate limit is raised for the run (KEYCARD_API_RATE_LIMIT=1000000/60): the benchmark
 * measures the lifecycle, not the limiter (which still runs its counter update on every call).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
// Types only: the modules themselves are imported after the environment is set (see below).
import type { Database, Db } from "../server/db";
import type { Prisma as PrismaNamespace } from "../server/generated/prisma/client";
import { INBOX_REFRESH_MS } from "../app/(portal)/inbox/refresh";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/keycard_bench_lifecycle";
const TARGET_DATABASE = "keycard_bench_target";
const PORTS = [3160, 3169] as const;

const config = {
  databaseUrl: process.env.DATABASE_URL || DEFAULT_URL,
  requests: Number(process.env.BENCH_REQUESTS || 2000),
  clients: Number(process.env.BENCH_CLIENTS || 50),
  pending: Number(process.env.BENCH_PENDING || 10_000),
  waitSeconds: Number(process.env.BENCH_WAIT_S ?? 10),
  pollMs: Number(process.env.BENCH_POLL_MS || 25),
  maxPollMs: 250,
  thinkMs: Number(process.env.BENCH_THINK_MS || 0),
  skipBuild: process.env.BENCH_SKIP_BUILD === "1",
};

// The bench process itself uses Keycard's modules (seed, domain, policy engine) against the same database
// and the same encryption key as the server it starts; set before any module reads the environment.
const encryptionKey = randomBytes(32).toString("base64");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keycard-bench-"));
Object.assign(process.env, {
  DATABASE_URL: config.databaseUrl,
  KEYCARD_ENCRYPTION_KEY: encryptionKey,
  KEYCARD_DATA_DIR: dataDir,
  KEYCARD_SCHEDULER: "off",
});

const log = (line: string) => console.log(`[bench] ${line}`);

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const describe = (values: readonly number[], digits = 1) =>
  `n=${values.length} p50=${round(percentile(values, 50), digits)} p95=${round(percentile(values, 95), digits)} p99=${round(percentile(values, 99), digits)} max=${round(percentile(values, 100), digits)} ms`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function urlFor(database: string): string {
  const url = new URL(config.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor("postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, "w");
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", out, out] });
    child.on("error", reject);
    child.on("exit", (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}); last lines:\n${fs.readFileSync(logFile, "utf8").split("\n").slice(-25).join("\n")}`));
    });
  });
}

async function freePort(): Promise<number> {
  for (let port = PORTS[0]; port <= PORTS[1]; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${PORTS[0]}–${PORTS[1]}`);
}

// ─── 1. database, seed, target ─────────────────────────────────────────────────────────────────────

async function prepareDatabases(): Promise<void> {
  const benchDb = new URL(config.databaseUrl).pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(benchDb) || benchDb === "postgres") throw new Error(`refusing to recreate database "${benchDb}"`);
  await withAdmin(async (admin) => {
    for (const name of [benchDb, TARGET_DATABASE]) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    }
  });
  log(`recreated databases ${benchDb} and ${TARGET_DATABASE}`);
  await run("npm", ["run", "db:migrate"], { ...process.env }, path.join(dataDir, "migrate.log"));
  log("migrated (npm run db:migrate)");

  // The demo's target tables and roles (orders_read, analytics_read …), in the scratch database.
  const { demoTargetSchema } = await import("../server/demo-target");
  const target = new pg.Client({ connectionString: urlFor(TARGET_DATABASE) });
  await target.connect();
  await target.query(demoTargetSchema);
  await target.end();
}

type Prisma = Db;
type InputJsonValue = PrismaNamespace.InputJsonValue;

async function seed(prisma: Prisma): Promise<void> {
  const { seedDemo } = await import("../prisma/seed");
  await seedDemo(prisma, { demoTargetPort: 5432 });
  const parsed = new URL(config.databaseUrl);
  // The seeded demo connector points at the embedded target; here it is the local PostgreSQL server.
  await prisma.connector.update({
    where: { slug: "demo-postgres" },
    data: { settings: { host: parsed.hostname, port: Number(parsed.port || 5432), database: TARGET_DATABASE, user: decodeURIComponent(parsed.username || "postgres"), ssl: false, poolSize: 8 } },
  });
  const { encryptSecret } = await import("../server/crypto");
  const connector = await prisma.connector.findUniqueOrThrow({ where: { slug: "demo-postgres" } });
  await prisma.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: decodeURIComponent(parsed.password) }), connector.id) } });
  await prisma.resource.updateMany({ where: { connectorId: connector.id }, data: { target: { database: TARGET_DATABASE } } });
  log("seeded the demo organisation; demo-postgres → local PostgreSQL, database keycard_bench_target");
}

// ─── 2. 10,000 pending requests ────────────────────────────────────────────────────────────────────

const PENDING_ASKS = [
  { slug: "orders-db-prod", level: "write", justification: "Backfill refunds for the incident, runbook step 4", ticketRef: "INC-4242", minutes: 60 },
  { slug: "orders-db-prod", level: "read", justification: "Check the affected orders of the customer escalation", ticketRef: "INC-5120", minutes: 30 },
  { slug: "payments-db-prod", level: "read", justification: "Reconcile yesterday's settlement totals with finance", ticketRef: "CHG-881", minutes: 120 },
  { slug: "payments-db-prod", level: "admin", justification: "Unstick the settlement batch lock during the incident", ticketRef: "INC-5133", minutes: 30 },
  { slug: "support-admin-console", level: "admin", justification: "Issue the refunds approved in the ticket", ticketRef: "SUP-2211", minutes: 120 },
  { slug: "orders-db-staging", level: "write", justification: "Load fixtures for the new checkout tests", ticketRef: "", minutes: 240 },
];

async function insertPendingRequests(prisma: Prisma, count: number): Promise<{ approvers: string[] }> {
  const { loadPolicyInput } = await import("../server/domain/requests/policy-context");
  const { evaluatePolicy } = await import("../server/domain/policies/engine");
  const { storedDecision } = await import("../server/domain/requests/records");
  const { resolveApprovers, sourcesOf } = await import("../server/domain/requests/routing");
  const { eligibleApprovers } = await import("../server/domain/approvals/eligibility");
  const { computeEventHash, GENESIS_HASH, LEDGER_FORMAT } = await import("../server/ledger/hash");
  const { canonicalJson } = await import("../server/ledger/canonical");
  const { sanitizeForLedger } = await import("../server/ledger/canonical");
  const { describeActor } = await import("../server/actor");

  const people = await prisma.identity.findMany({ where: { kind: "HUMAN", roles: { has: "REQUESTER" } }, select: { id: true, name: true, email: true, kind: true, roles: true, ownerId: true } });
  const resources = await prisma.resource.findMany({ include: { accessLevels: true } });
  const now = new Date();

  // The policy decision and first-stage approvers of every (requester, ask) pair, computed by the domain.
  interface Combo {
    requester: (typeof people)[number];
    resourceId: string;
    accessLevelId: string;
    resourceName: string;
    levelName: string;
    ask: (typeof PENDING_ASKS)[number];
    decision: ReturnType<typeof storedDecision>;
    policyVersionId: string;
    policyId: string;
    approverIds: string[];
  }
  const combos: Combo[] = [];
  for (const requester of people) {
    for (const ask of PENDING_ASKS) {
      const resource = resources.find((r) => r.slug === ask.slug);
      const level = resource?.accessLevels.find((l) => l.key === ask.level);
      if (!resource || !level) continue;
      const loaded = await loadPolicyInput(prisma, {
        requesterId: requester.id,
        resourceId: resource.id,
        accessLevelId: level.id,
        durationMinutes: ask.minutes,
        startsAt: now,
        now,
        kind: "STANDARD",
        justification: ask.justification,
        ticketRef: ask.ticketRef || null,
      });
      const decision = evaluatePolicy(loaded.input);
      if (decision.outcome !== "approval") continue;
      const routing = { resource: loaded.resource, requester: { id: requester.id, ownerId: requester.ownerId } };
      const { resolved, machineIds } = await resolveApprovers(prisma, routing, sourcesOf(decision.stages));
      const first = eligibleApprovers({ stages: decision.stages, resolved, requester: { id: requester.id, ownerId: requester.ownerId }, machineIds })[0];
      if (!first || first.size === 0) continue;
      combos.push({
        requester,
        resourceId: resource.id,
        accessLevelId: level.id,
        resourceName: resource.name,
        levelName: level.name,
        ask,
        decision: storedDecision(decision, loaded.version.version),
        policyVersionId: loaded.version.id,
        policyId: loaded.policy.id,
        approverIds: [...first],
      });
    }
  }
  if (combos.length === 0) throw new Error("no requester/resource combination needs approval: cannot fill the inboxes");

  // Ledger events continue the chain from its head; time never goes back along it, so the requests are
  // spread over the last seconds (after the seed's events), not over days.
  const head = await prisma.ledgerEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true, occurredAt: true } });
  let seq = head?.seq ?? 0n;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const start = Math.max((head?.occurredAt.getTime() ?? 0) + 1, now.getTime() - 10_000);
  const step = Math.max(0, (now.getTime() - start) / count);
  const approverSet = new Set<string>();
  const batch = 1_000;
  for (let offset = 0; offset < count; offset += batch) {
    const requests: PrismaNamespace.AccessRequestCreateManyInput[] = [];
    const routes: PrismaNamespace.RequestApproverCreateManyInput[] = [];
    const events: PrismaNamespace.LedgerEventCreateManyInput[] = [];
    for (let i = offset; i < Math.min(count, offset + batch); i++) {
      const combo = combos[i % combos.length]!;
      const id = randomUUID();
      const createdAt = new Date(Math.floor(start + i * step));
      const stored = combo.decision;
      requests.push({
        id,
        kind: "STANDARD" as const,
        status: "PENDING" as const,
        requesterId: combo.requester.id,
        resourceId: combo.resourceId,
        accessLevelId: combo.accessLevelId,
        justification: combo.ask.justification,
        ticketRef: combo.ask.ticketRef || null,
        startsAt: createdAt,
        durationMinutes: combo.ask.minutes,
        policyVersionId: combo.policyVersionId,
        decision: stored as unknown as InputJsonValue,
        riskScore: stored.risk.score,
        slaDueAt: new Date(createdAt.getTime() + stored.slaMinutes * 60_000),
        expiresAt: new Date(createdAt.getTime() + stored.timeoutMinutes * 60_000),
        createdAt,
        updatedAt: createdAt,
      });
      for (const identityId of combo.approverIds) {
        routes.push({ requestId: id, identityId, stage: 0, createdAt });
        approverSet.add(identityId);
      }
      const actor = { type: "identity" as const, id: combo.requester.id, kind: combo.requester.kind, name: combo.requester.name, email: combo.requester.email, roles: combo.requester.roles };
      seq += 1n;
      const fields = sanitizeForLedger({
        format: LEDGER_FORMAT,
        seq,
        id: randomUUID(),
        occurredAt: createdAt,
        action: "access/request.created",
        outcome: "success",
        ...describeActor(actor),
        subjectType: "request",
        subjectId: id,
        resourceId: combo.resourceId,
        requestId: id,
        grantId: null,
        summary: `${combo.requester.name} requested ${combo.levelName} on ${combo.resourceName} for ${combo.ask.minutes} min: ${combo.ask.justification}`,
        data: {
          justification: combo.ask.justification,
          ticketRef: combo.ask.ticketRef || null,
          durationMinutes: combo.ask.minutes,
          startsAt: createdAt.toISOString(),
          outcome: stored.outcome,
          reasons: stored.reasons,
          riskScore: stored.risk.score,
          policyVersion: stored.policyVersion,
          policyId: combo.policyId,
        },
        prevHash,
      });
      const hash = computeEventHash(fields);
      prevHash = hash;
      // Canonical key order: the ORM writes JSON.stringify's text, which the ledger then stores verbatim.
      events.push({ ...fields, data: JSON.parse(canonicalJson(fields.data)) as InputJsonValue, hash });
    }
    // Generous timeout: the portal's build may be running alongside on the same two cores.
    await prisma.$transaction(
      async (tx) => {
        await tx.accessRequest.createMany({ data: requests });
        await tx.requestApprover.createMany({ data: routes });
        await tx.ledgerEvent.createMany({ data: events });
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
  }
  return { approvers: [...approverSet] };
}

// ─── 3. policy evaluation, in-process ──────────────────────────────────────────────────────────────

async function measurePolicyEvaluation(prisma: Prisma): Promise<number[]> {
  const { loadPolicyInput } = await import("../server/domain/requests/policy-context");
  const { evaluatePolicy } = await import("../server/domain/policies/engine");
  const identities = await prisma.identity.findMany({ where: { roles: { has: "REQUESTER" } }, select: { id: true } });
  const levels = await prisma.accessLevel.findMany({ select: { id: true, resourceId: true } });
  const durations = [15, 30, 60, 120, 240, 480];
  const inputs = [];
  const now = new Date();
  // Realistic inputs: every requester (people and machines) × access level, loaded as createRequest does.
  for (const [i, identity] of identities.entries()) {
    for (const [j, level] of levels.entries()) {
      const loaded = await loadPolicyInput(prisma, {
        requesterId: identity.id,
        resourceId: level.resourceId,
        accessLevelId: level.id,
        durationMinutes: durations[(i + j) % durations.length]!,
        startsAt: now,
        now,
        kind: "STANDARD",
        justification: "Investigate the nightly export failure for the data team",
        ticketRef: (i + j) % 3 === 0 ? null : `INC-${1000 + i * 10 + j}`,
      });
      inputs.push(loaded.input);
    }
  }
  const times: number[] = [];
  const evaluations = 10_000;
  for (let warm = 0; warm < 500; warm++) evaluatePolicy(inputs[warm % inputs.length]!);
  for (let k = 0; k < evaluations; k++) {
    const input = inputs[k % inputs.length]!;
    const started = performance.now();
    evaluatePolicy(input);
    times.push(performance.now() - started);
  }
  log(`policy evaluation: ${evaluations} evaluations over ${inputs.length} inputs loaded from the database`);
  return times;
}

// ─── 4. the portal ─────────────────────────────────────────────────────────────────────────────────

async function startServer(port: number): Promise<{ child: ChildProcess; baseUrl: string; stop(): Promise<void> }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: ".next-bench",
    DATABASE_URL: config.databaseUrl,
    DATABASE_POOL_MAX: "20",
    AUTH_SECRET: randomBytes(32).toString("base64"),
    AUTH_TRUST_HOST: "true",
    KEYCARD_ENCRYPTION_KEY: encryptionKey,
    KEYCARD_DATA_DIR: dataDir,
    KEYCARD_DEMO: "1",
    KEYCARD_ALLOW_DEMO_IN_PRODUCTION: "1",
    KEYCARD_SCHEDULER: "local",
    KEYCARD_API_RATE_LIMIT: "1000000/60",
    KEYCARD_URL: `http://127.0.0.1:${port}`,
  };
  const logFile = path.join(dataDir, "server.log");
  const out = fs.openSync(logFile, "w");
  // Own process group: `next start` leaves its next-server child behind when only the CLI is killed.
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the portal under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const nextBin = path.join(root, "node_modules/next/dist/bin/next");
  const child = spawn(process.execPath, [...nodeArgs, nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: root, env, detached: true, stdio: ["ignore", out, out] });
  const baseUrl = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.closeSync(out);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the portal exited during startup; log:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    try {
      const health = await fetch(`${baseUrl}/api/health`);
      if (health.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the portal did not become healthy in 60 s; log:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    await sleep(250);
  }
  return { child, baseUrl, stop };
}

// ─── 5. the load ───────────────────────────────────────────────────────────────────────────────────

async function api(baseUrl: string, token: string, method: "GET" | "POST", pathname: string, body?: unknown) {
  const response = await fetch(`${baseUrl}/api/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json };
}

/** Signs in as a demo persona through Auth.js (CSRF token + credentials POST) and returns the cookies. */
async function signIn(baseUrl: string, name: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const personas = (await (await fetch(`${baseUrl}/api/trpc/auth.demoPersonas`)).json()) as { result: { data: { json: { id: string; name: string }[] } } };
  const persona = personas.result.data.json.find((p) => p.name === name);
  if (!persona) throw new Error(`no demo persona ${name}`);
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrfResponse);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const callback = await fetch(`${baseUrl}/api/auth/callback/demo`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, identityId: persona.id, callbackUrl: "/" }),
    redirect: "manual",
  });
  keep(callback);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in as ${name} failed (${callback.status})`);
  return cookie();
}

async function inboxPage(baseUrl: string, cookie: string): Promise<{ ms: number; count: number }> {
  const input = encodeURIComponent(JSON.stringify({ json: { tab: "pending" } }));
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/trpc/requests.inbox?input=${input}`, { headers: { cookie } });
  const body = (await response.json()) as { result?: { data: { json: { pending: unknown[] } } } };
  const ms = performance.now() - started;
  if (!response.ok || !body.result) throw new Error(`inbox failed: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, count: body.result.data.json.pending.length };
}

/**
 * A client's pause between cycles: exponential around BENCH_THINK_MS, so that 50 clients together arrive
 * like independent pipelines (a Poisson stream) rather than in lockstep bursts of 50.
 */
function thinkTime(): number {
  return -Math.log(1 - Math.random()) * config.thinkMs;
}

interface LoadResult {
  submitted: number;
  submitMs: number[];
  /** Client-observed: submit → the poll that first shows ACTIVE (quantized by the polling schedule). */
  observedMs: number[];
  /** Wall-clock start of each auto-approved submit, to measure against the grant's activatedAt. */
  submittedAt: Map<string, number>;
  errors: Map<string, number>;
  wallMs: number;
}

async function drive(baseUrl: string, tokens: string[], resources: { resourceId: string; accessLevelId: string }[]): Promise<LoadResult> {
  const result: LoadResult = { submitted: 0, submitMs: [], observedMs: [], submittedAt: new Map(), errors: new Map(), wallMs: 0 };
  const fail = (what: string) => result.errors.set(what, (result.errors.get(what) ?? 0) + 1);
  // Runs until `config.requests` submits succeeded; a failed submit is retried by the next cycle.
  let remaining = config.requests;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, client) => {
      // With pauses, clients start out of step, as independent pipelines would.
      if (config.thinkMs) await sleep(Math.random() * config.thinkMs);
      for (;;) {
        if (remaining <= 0) return;
        const index = config.requests - remaining--;
        if (result.errors.size && [...result.errors.values()].reduce((a, b) => a + b, 0) > config.requests / 10) throw new Error(`too many errors: ${JSON.stringify([...result.errors])}`);
        const ask = resources[(index + client) % resources.length]!;
        const t0 = performance.now();
        const wallStart = Date.now();
        const created = await api(baseUrl, token, "POST", "/requests", { ...ask, durationMinutes: 15, justification: `Deploy pipeline run ${index}: migrate the reporting views` });
        const t1 = performance.now();
        if (created.status !== 201) {
          fail(`submit ${created.status} ${JSON.stringify(created.json).slice(0, 120)}`);
          remaining++;
          continue;
        }
        result.submitted++;
        result.submitMs.push(t1 - t0);
        const grantId = created.json.grantId as string | null;
        if (!grantId) {
          fail(`not auto-approved: ${String(created.json.status)}`);
          continue;
        }
        result.submittedAt.set(String(created.json.id), wallStart);
        // Follow the grant to ACTIVE (real provisioning in PostgreSQL), as a pipeline would: a long poll
        // (GET /grants/{id}?wait=), or with BENCH_WAIT_S=0 short polls, soon and then less often.
        let status = "";
        let delay = config.pollMs;
        while (performance.now() - t0 < 30_000) {
          if (!config.waitSeconds) {
            await sleep(delay);
            delay = Math.min(config.maxPollMs, Math.round(delay * 1.5));
          }
          const grant = await api(baseUrl, token, "GET", `/grants/${grantId}${config.waitSeconds ? `?wait=${config.waitSeconds}` : ""}`);
          status = String(grant.json.status);
          if (status !== "SCHEDULED" && status !== "PROVISIONING") break;
        }
        if (status !== "ACTIVE") {
          fail(`grant ended ${status}`);
          continue;
        }
        result.observedMs.push(performance.now() - t0);
        const credential = await api(baseUrl, token, "POST", `/grants/${grantId}/credential`);
        if (credential.status !== 200) fail(`credential ${credential.status}`);
        const released = await api(baseUrl, token, "POST", `/grants/${grantId}/release`);
        if (released.status !== 200) fail(`release ${released.status}`);
        if (config.thinkMs) await sleep(thinkTime());
      }
    }),
  );
  result.wallMs = performance.now() - started;
  return result;
}

// ─── 6. cleanup ────────────────────────────────────────────────────────────────────────────────────

/** Login roles are cluster-wide: drop every one a bench grant may have created (named from the grant id). */
async function dropTargetRoles(prisma: Prisma): Promise<number> {
  const { ephemeralPrincipalName, grantRoleName } = await import("../server/connectors/identifiers");
  const grants = await prisma.grant.findMany({ select: { id: true } });
  const names = grants.flatMap((g) => [ephemeralPrincipalName(g.id), grantRoleName(g.id)]);
  return withAdmin(async (admin) => {
    // Sessions of bench logins (none expected) would block DROP ROLE.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1::text[])`, [names]);
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(TARGET_DATABASE)} WITH (FORCE)`);
    const existing = (await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])`, [names])).rows.map((r) => r.rolname);
    for (let i = 0; i < existing.length; i += 500) {
      await admin.query(`DROP ROLE IF EXISTS ${existing.slice(i, i + 500).map((n) => pg.escapeIdentifier(n)).join(", ")}`);
    }
    return existing.length;
  });
}

// ─── main ──────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  // What this run started, undone in this order: the server, the target roles it created, the connection.
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let database: Database | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    const step = async (what: string, fn: () => Promise<unknown>) => fn().catch((error: unknown) => console.error(`[bench] cleanup (${what}): ${(error as Error).message}`));
    if (server) await step("server", server.stop);
    if (database) {
      const prisma = database.prisma;
      await step("target roles", async () => log(`dropped ${await dropTargetRoles(prisma)} login role(s) the bench created, and ${TARGET_DATABASE}`));
      await step("database", () => database!.close());
    }
    // Keep the portal's log for a look afterwards (bench/.cache is git-ignored).
    const serverLog = path.join(dataDir, "server.log");
    if (fs.existsSync(serverLog)) {
      fs.mkdirSync(path.join(root, "bench/.cache"), { recursive: true });
      fs.copyFileSync(serverLog, path.join(root, "bench/.cache/lifecycle-server.log"));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`database ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}; ${config.clients} clients, ${config.requests} requests, ${config.pending} pending`);
    const build = config.skipBuild && fs.existsSync(path.join(root, ".next-bench", "BUILD_ID"))
      ? Promise.resolve(log("reusing the .next-bench build (BENCH_SKIP_BUILD=1)"))
      : (async () => {
          const t = performance.now();
          // `next build` adds its dist folder's type paths to tsconfig.json; the bench must leave the tree as it was.
          const tsconfig = fs.readFileSync(path.join(root, "tsconfig.json"));
          try {
            await run(path.join(root, "node_modules/.bin/next"), ["build"], { ...process.env, NEXT_DIST_DIR: ".next-bench", NODE_ENV: "production" } as NodeJS.ProcessEnv, path.join(dataDir, "build.log"));
          } finally {
            fs.writeFileSync(path.join(root, "tsconfig.json"), tsconfig);
          }
          log(`built the portal into .next-bench in ${round((performance.now() - t) / 1000)} s`);
        })();
    // The build runs while the database is prepared; a build failure is reported after.
    build.catch(() => undefined);

    await prepareDatabases();
    const { openDatabase } = await import("../server/db");
    database = openDatabase({ url: config.databaseUrl, poolMax: 8 });
    const prisma = database.prisma;
    await seed(prisma);

    const t = performance.now();
    const { approvers } = await insertPendingRequests(prisma, config.pending);
    // Fresh statistics, as autovacuum would have them on a live database (a bulk insert leaves them stale).
    await prisma.$executeRawUnsafe("ANALYZE");
    log(`inserted ${config.pending} pending requests routed to ${approvers.length} approvers in ${round((performance.now() - t) / 1000)} s`);
    const approverNames = (await prisma.identity.findMany({ where: { id: { in: approvers } }, select: { name: true }, orderBy: { name: "asc" } })).map((a) => a.name);

    // Machine clients: one identity and token each, owned by a person (a machine without an owner is denied).
    const admin = await prisma.identity.findFirstOrThrow({ where: { name: "Priya Raman" } });
    const owner = await prisma.identity.findFirstOrThrow({ where: { name: "Marcus Lee" } });
    const { toActor } = await import("../server/domain/identities/queries");
    const { createApiToken } = await import("../server/domain/tokens/mutations");
    const tokens: string[] = [];
    for (let i = 0; i < config.clients; i++) {
      const machine = await prisma.identity.create({ data: { kind: "MACHINE", name: `bench-pipeline-${i}`, title: "Benchmark CI pipeline", roles: ["REQUESTER"], ownerId: owner.id } });
      const token = await createApiToken({ identityId: machine.id, name: "bench", scopes: ["resources:read", "requests:write", "grants:write"], expiresInDays: 1 }, { actor: toActor(admin), db: prisma });
      tokens.push(token.secret);
    }
    const asks = await prisma.accessLevel.findMany({ where: { key: "read", resource: { slug: { in: ["analytics-warehouse", "orders-db-staging"] } } }, select: { id: true, resourceId: true } });
    const resources = asks.map((a) => ({ resourceId: a.resourceId, accessLevelId: a.id }));
    log(`created ${tokens.length} machine identities with API tokens`);

    const policyTimes = await measurePolicyEvaluation(prisma);

    await build;
    const port = await freePort();
    const portal = await startServer(port);
    server = portal;
    log(`portal up at ${portal.baseUrl} (next start, PostgreSQL, in-process job runner)`);

    // Warm-up: compile routes and connections (not measured).
    const cookies = await Promise.all(approverNames.map((name) => signIn(portal.baseUrl, name)));
    for (const cookie of cookies) await inboxPage(portal.baseUrl, cookie);
    for (const token of tokens.slice(0, 5)) {
      const warm = await api(portal.baseUrl, token, "POST", "/requests", { ...resources[0]!, durationMinutes: 15, justification: "Warm-up run of the pipeline" });
      if (warm.status !== 201) throw new Error(`warm-up request failed: ${warm.status} ${JSON.stringify(warm.json)}`);
    }
    const inboxSizes = await Promise.all(cookies.map((cookie) => inboxPage(portal.baseUrl, cookie)));
    log(`approvers' first inbox pages hold ${inboxSizes.map((s) => s.count).join(", ")} requests (${approverNames.join(", ")})`);

    // Other work on this machine skews every figure: say how busy it was.
    log(`load average before the load: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (${os.cpus().length} cores)`);
    // The load, with every approver's /inbox page open meanwhile: each asks for its first page as the
    // page does (every INBOX_REFRESH_MS, out of step with the others). Only pages asked for while the
    // machines run count.
    let loadDone = false;
    const inboxMs: number[] = [];
    const inboxLoops = cookies.map(async (cookie) => {
      await sleep(Math.random() * INBOX_REFRESH_MS);
      while (!loadDone) {
        const page = await inboxPage(portal.baseUrl, cookie);
        if (!loadDone) inboxMs.push(page.ms);
        await sleep(INBOX_REFRESH_MS);
      }
    });
    const load = await drive(portal.baseUrl, tokens, resources);
    loadDone = true;
    await Promise.all(inboxLoops);

    log(`load average after the load: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    // auto_grant: from the moment the client sent the request to the moment the grant became ACTIVE in the
    // database (after the connector created the login and verified it) — same host, same clock, no
    // polling quantization.
    const activations = await prisma.grant.findMany({
      where: { requestId: { in: [...load.submittedAt.keys()] }, activatedAt: { not: null } },
      select: { requestId: true, activatedAt: true, request: { select: { createdAt: true } } },
    });
    const autoGrantMs = activations.map((g) => g.activatedAt!.getTime() - load.submittedAt.get(g.requestId)!);
    const inServerMs = activations.map((g) => g.activatedAt!.getTime() - g.request.createdAt.getTime());

    log(`load: ${load.submitted} requests by ${config.clients} clients in ${round(load.wallMs / 1000)} s (${round((load.submitted * 1000) / load.wallMs)} requests/s; each client: submit → ${config.waitSeconds ? "long poll" : "polls"} → take credential → release${config.thinkMs ? ` → pause ~${config.thinkMs} ms (exponential)` : ", back to back"})`);
    log(`submit (POST /requests, client-observed):          ${describe(load.submitMs)}`);
    log(`auto_grant (client sends → grant ACTIVE in the DB): ${describe(autoGrantMs)}`);
    log(`  of which in the server (request row → ACTIVE):   ${describe(inServerMs)}`);
    log(`  as the client saw it (first poll showing ACTIVE): ${describe(load.observedMs)}  [${config.waitSeconds ? `GET /grants/{id}?wait=${config.waitSeconds}` : `polls at ${config.pollMs} ms, ×1.5, ≤ ${config.maxPollMs} ms`}]`);
    log(`policy evaluation (in-process evaluatePolicy):     ${describe(policyTimes, 3)}`);
    log(`inbox first page (tRPC requests.inbox over HTTP, ${approverNames.length} approvers' open pages, every ${INBOX_REFRESH_MS / 1000} s each, during the load): ${describe(inboxMs)}`);
    if (load.errors.size) log(`errors: ${[...load.errors].map(([k, v]) => `${v}× ${k}`).join("; ")}`);
    log("targets (issue 3): submit p95 ≤ 50 ms, auto_grant p95 ≤ 150 ms, policy p99 ≤ 5 ms, inbox p95 ≤ 100 ms");

    await cleanup();
    console.log(
      JSON.stringify({
        requests: load.submitted,
        submit_p95_ms: round(percentile(load.submitMs, 95)),
        auto_grant_p95_ms: round(percentile(autoGrantMs, 95)),
        policy_eval_p99_ms: round(percentile(policyTimes, 99), 3),
        inbox_page_p95_ms: round(percentile(inboxMs, 95)),
      }),
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
