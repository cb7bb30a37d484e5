/**
 * `npm run bench:revocation` — how long access outlives its grant, end to end, on the local PostgreSQL
 * (as Keycard's database AND as the target), driving the real job code in the local runner.
 *
 * Each phase creates BENCH_SPREAD grants whose ends are spread over a minute plus BENCH_BURST grants that
 * end in the same second (ephemeral PostgreSQL logins), lets the provisioner job create them in the target,
 * and measures each grant's lag: from its end to the moment its login is gone from the target (polled in
 * pg_roles) AND its `access/grant.revoked` event is committed (polled in the ledger), both by the database
 * clock; the poll interval (BENCH_POLL_MS) is included, so the figures are upper bounds. Phase 1 runs the
 * per-grant timers and the sweeper; phase 2 runs the sweeper only (timers disabled), every
 * BENCH_SWEEPER_EVERY_S seconds (2, as the local runner does; 60 mimics Inngest's cron).
 *
 * The Keycard database is recreated at the start and dropped at the end (BENCH_KEEP=1 keeps it); the
 * target database and roles are made for the run and removed. Only the jobs under test run: the
 * provisioner, the expiry timers (phase 1) and the sweeper; reconciliation and notification delivery are
 * left out so they do not compete with what is measured.
 *
 * missed = grants not REVOKED at the end, whose login still exists, or without exactly one revoked event.
 * The last line printed is one JSON object:
 *   {"grants":N,"lag_p50_ms":…,"lag_p99_ms":…,"lag_max_ms":…,"sweeper_only_lag_p99_ms":…,"missed":0}
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

const KEYCARD_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/keycard_bench_revocation";
const SPREAD = Number(process.env.BENCH_SPREAD ?? 1000);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
const LEAD_S = Number(process.env.BENCH_LEAD_S ?? 90);
const POOL = Number(process.env.BENCH_CONNECTOR_POOL ?? 20);
const DB_POOL = Number(process.env.BENCH_DB_POOL ?? 16);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);
const SWEEPER_EVERY_S = Number(process.env.BENCH_SWEEPER_EVERY_S ?? 2);
const PEOPLE = 50;
const log = (line: string) => console.log(`[bench:revocation] ${line}`);

// Configuration the modules read on first use: set before importing them.
process.env.KEYCARD_SCHEDULER = "local";
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keycard-bench-revocation-"));
process.env.KEYCARD_DATA_DIR = dataDir; // the encryption key for the connector's secret
process.env.DATABASE_URL = KEYCARD_URL;

const { openDatabase, setDatabaseForProcess } = await import("@/server/db");
const { encryptSecret } = await import("@/server/crypto");
const { closeConnectors } = await import("@/server/domain/connectors/instance");
const { setLocalRunner, startLocalRunner } = await import("@/server/jobs/local-runner");
const { provisionGrants } = await import("@/server/jobs/functions/provision-grants");
const { grantExpiryTimer } = await import("@/server/jobs/functions/grant-expiry-timer");
const { revokeExpiredGrants } = await import("@/server/jobs/functions/revoke-expired-grants");
const { ephemeralPrincipalName } = await import("@/server/connectors/identifiers");

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function adminUrl(url: string, database = "postgres"): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>, database = "postgres"): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(KEYCARD_URL, database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const suffix = randomUUID().slice(0, 8);
const targetDb = `keycard_bench_target_${suffix}`;
const role = `bench_${suffix}_read`;
const keycardDbName = decodeURIComponent(new URL(KEYCARD_URL).pathname.slice(1));

async function setUp() {
  await withAdmin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(keycardDbName)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(keycardDbName)}`);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(targetDb)}`);
    await client.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
  });
  await withAdmin(async (client) => {
    await client.query("CREATE TABLE items (id serial PRIMARY KEY, name text)");
    await client.query(`GRANT SELECT ON items TO ${pg.escapeIdentifier(role)}`);
  }, targetDb);
  const database = openDatabase({ url: KEYCARD_URL, poolMax: DB_POOL });
  const applied = await database.migrate();
  setDatabaseForProcess(database);
  log(`Keycard database ${keycardDbName}: ${applied.length} migrations applied; target database ${targetDb}, role ${role}`);
  const db = database.prisma;
  const connector = await db.connector.create({
    data: { slug: `bench-${suffix}`, name: "Bench target", kind: "POSTGRES", settings: { host: "127.0.0.1", port: Number(new URL(KEYCARD_URL).port || 5432), database: targetDb, user: "postgres", poolSize: POOL } },
  });
  await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: new URL(KEYCARD_URL).password }), connector.id) } });
  const resource = await db.resource.create({
    data: { slug: `bench-${suffix}`, name: "Bench database", tier: 3, connectorId: connector.id, target: { database: targetDb }, accessLevels: { create: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role } }] } },
    include: { accessLevels: true },
  });
  await db.identity.createMany({ data: Array.from({ length: PEOPLE }, (_, i) => ({ kind: "HUMAN" as const, name: `Bench person ${i}`, email: `bench-${suffix}-${i}@example.test`, roles: ["REQUESTER" as const] })) });
  const people = (await db.identity.findMany({ where: { email: { startsWith: `bench-${suffix}-` } }, select: { id: true } })).map((p) => p.id);
  return { database, db, resourceId: resource.id, levelId: resource.accessLevels[0]!.id, people };
}

type World = Awaited<ReturnType<typeof setUp>>;

/** Approved requests and SCHEDULED grants starting now; ends spread over a minute plus a burst in one second. */
async function createGrants(world: World): Promise<Map<string, number>> {
  const [row] = await world.db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  const now = row!.now.getTime();
  const spreadStart = now + LEAD_S * 1000;
  const burstSecond = Math.floor((spreadStart + 30_000) / 1000) * 1000;
  const ends = [
    ...Array.from({ length: SPREAD }, (_, i) => spreadStart + Math.floor((i * 60_000) / SPREAD)),
    ...Array.from({ length: BURST }, () => burstSecond + Math.floor(Math.random() * 1000)),
  ];
  const rows = ends.map((endsAt, i) => ({ requestId: randomUUID(), grantId: randomUUID(), person: world.people[i % world.people.length]!, endsAt }));
  const startsAt = new Date(now);
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await world.db.accessRequest.createMany({
      data: chunk.map((r) => ({ id: r.requestId, status: "APPROVED" as const, requesterId: r.person, resourceId: world.resourceId, accessLevelId: world.levelId, justification: "bench", startsAt, durationMinutes: 2, decision: {}, decidedAt: startsAt })),
    });
    await world.db.grant.createMany({
      data: chunk.map((r) => ({ id: r.grantId, requestId: r.requestId, identityId: r.person, resourceId: world.resourceId, accessLevelId: world.levelId, status: "SCHEDULED" as const, startsAt, endsAt: new Date(r.endsAt) })),
    });
  }
  return new Map(rows.map((r) => [r.grantId, r.endsAt]));
}

/**
 * Watches the target and the ledger from outside Keycard: when each grant's login stopped existing (or
 * stopped being able to log in), and when its revoked event became visible (committed), by the DB clock.
 */
function watch(ends: Map<string, number>) {
  const loginOf = new Map([...ends.keys()].map((id) => [ephemeralPrincipalName(id), id]));
  const gone = new Map<string, number>();
  const recorded = new Map<string, number>();
  const seen = new Set<string>();
  let lastSeq = 0n;
  let stopped = false;
  const client = new pg.Client({ connectionString: KEYCARD_URL });
  const done = (async () => {
    await client.connect();
    const [{ seq }] = (await client.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM "LedgerEvent"`)).rows as [{ seq: string | null }];
    lastSeq = BigInt(seq ?? "0");
    while (!stopped) {
      const roles = await client.query<{ rolname: string; at: Date }>(`SELECT rolname, clock_timestamp() AS at FROM pg_roles WHERE rolname LIKE 'kc\\_%' AND rolcanlogin`);
      const at = roles.rows[0]?.at.getTime() ?? (await client.query<{ at: Date }>("SELECT clock_timestamp() AS at")).rows[0]!.at.getTime();
      const present = new Set(roles.rows.map((r) => r.rolname));
      for (const [login, id] of loginOf) {
        if (present.has(login)) seen.add(id);
        else if (seen.has(id) && !gone.has(id)) gone.set(id, at);
      }
      const events = await client.query<{ grantId: string; seq: string; at: Date }>(
        `SELECT "grantId", seq::text AS seq, clock_timestamp() AS at FROM "LedgerEvent" WHERE seq > $1 AND action = 'access/grant.revoked' ORDER BY seq`,
        [lastSeq.toString()],
      );
      for (const e of events.rows) {
        if (!recorded.has(e.grantId)) recorded.set(e.grantId, e.at.getTime());
        lastSeq = BigInt(e.seq);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await client.end();
  })();
  return {
    gone,
    recorded,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function phase(world: World, label: string, options: { timers: boolean; sweeperEverySeconds: number }) {
  const jobs = [provisionGrants, { ...revokeExpiredGrants, localEverySeconds: options.sweeperEverySeconds }, ...(options.timers ? [grantExpiryTimer] : [])];
  const ends = await createGrants(world);
  const ids = [...ends.keys()];
  const watcher = watch(ends);
  const runner = startLocalRunner(jobs, { log: (line) => log(`job: ${line}`) });
  setLocalRunner(runner);
  const started = Date.now();
  const count = (status: "ACTIVE" | "REVOKED") => world.db.grant.count({ where: { id: { in: ids }, status } });
  let active = 0;
  while ((active = await count("ACTIVE")) + (await count("REVOKED")) < ids.length && Date.now() - started < LEAD_S * 1000) await sleep(500);
  log(`${label}: ${active} of ${ids.length} grants active after ${((Date.now() - started) / 1000).toFixed(1)} s (lead ${LEAD_S} s)`);
  const lastEnd = Math.max(...ends.values());
  const deadline = lastEnd + 180_000;
  let revoked = 0;
  for (;;) {
    revoked = await count("REVOKED");
    const [row] = await world.db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    if ((revoked === ids.length && watcher.recorded.size >= ids.length) || row!.now.getTime() > deadline) break;
    await sleep(1000);
  }
  runner.stop();
  setLocalRunner(undefined);
  await sleep(POLL_MS * 3);
  await watcher.stop();

  // The audit: status, one event each, and nothing of it left in the target.
  const events = await world.db.ledgerEvent.groupBy({ by: ["grantId"], where: { grantId: { in: ids }, action: "access/grant.revoked" }, _count: { _all: true } });
  const eventCount = new Map(events.map((e) => [e.grantId, e._count._all]));
  const leftovers = await withAdmin(async (client) => {
    const { rows } = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [ids.map((id) => ephemeralPrincipalName(id))]);
    return new Set(rows.map((r) => r.rolname));
  });
  const statuses = new Map((await world.db.grant.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } })).map((g) => [g.id, g.status]));
  const missed = ids.filter((id) => statuses.get(id) !== "REVOKED" || leftovers.has(ephemeralPrincipalName(id)) || eventCount.get(id) !== 1);

  const occurred = new Map((await world.db.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.revoked" }, select: { grantId: true, occurredAt: true } })).map((e) => [e.grantId!, e.occurredAt.getTime()]));
  const lags = ids.filter((id) => watcher.recorded.has(id)).map((id) => Math.max(watcher.recorded.get(id)!, watcher.gone.get(id) ?? 0) - ends.get(id)!);
  const occurredLags = ids.filter((id) => occurred.has(id)).map((id) => occurred.get(id)! - ends.get(id)!);
  const lagOf = (group: string[]) => group.filter((id) => watcher.recorded.has(id)).map((id) => Math.max(watcher.recorded.get(id)!, watcher.gone.get(id) ?? 0) - ends.get(id)!);
  const spreadLags = lagOf(ids.slice(0, SPREAD));
  const burstLags = lagOf(ids.slice(SPREAD));
  const result = {
    grants: ids.length,
    p50: percentile(lags, 0.5),
    p99: percentile(lags, 0.99),
    max: Math.max(...lags),
    occurredP99: percentile(occurredLags, 0.99),
    spreadP50: percentile(spreadLags, 0.5),
    spreadP99: percentile(spreadLags, 0.99),
    burstP50: percentile(burstLags, 0.5),
    burstMax: Math.max(...burstLags),
    goneObserved: watcher.gone.size,
    missed: missed.length,
  };
  log(`${label}: ${JSON.stringify(result)}`);
  return result;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main() {
  const world = await setUp();
  try {
    log(`${SPREAD} grants ending over a minute + ${BURST} ending in one second; connector pool ${POOL}, Keycard pool ${DB_POOL}, poll ${POLL_MS} ms; host load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    const timers = await phase(world, "timers + sweeper", { timers: true, sweeperEverySeconds: 2 });
    const sweeperOnly = await phase(world, `sweeper only (every ${SWEEPER_EVERY_S} s)`, { timers: false, sweeperEverySeconds: SWEEPER_EVERY_S });
    log(`host load after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log(
      JSON.stringify({
        grants: timers.grants,
        lag_p50_ms: Math.round(timers.p50),
        lag_p99_ms: Math.round(timers.p99),
        lag_max_ms: Math.round(timers.max),
        sweeper_only_lag_p99_ms: Math.round(sweeperOnly.p99),
        missed: timers.missed + sweeperOnly.missed,
      }),
    );
  } finally {
    await closeConnectors();
    await world.database.close();
    await withAdmin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(targetDb)} WITH (FORCE)`);
      if (!process.env.BENCH_KEEP) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(keycardDbName)} WITH (FORCE)`);
      const { rows } = await client.query<{ rolname: string }>(
        `SELECT m.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE r.rolname = $1`,
        [role],
      );
      for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
      await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    }).catch((error: unknown) => log(`clean-up: ${(error as Error).message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

await main();
