import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import type { IdentityActor } from "@/server/actor";
import { database, openDatabase, type Database } from "@/server/db";
import { encodeCursor, searchDigest } from "@/server/domain/ledger/cursor";
import { startLedgerExport } from "@/server/domain/ledger/export";
import { searchLedger } from "@/server/domain/ledger/queries";
import type { LedgerSearchInput } from "@/server/domain/ledger/schema";
import { toActor } from "@/server/domain/identities/queries";
import { appendLedgerEvent } from "@/server/ledger";
import { ledgerActions } from "@/server/ledger/actions";
import { trustedKeyIds } from "@/server/ledger/signing";
import { indexLedgerLexemes } from "@/server/ledger/lexemes";
import { verifyChain } from "@/server/ledger/verify";
import { insertEventsWithPg } from "@/scripts/ledger/bulk-insert";
import { createPopulation, createRandom, EMPTY_HEAD, generateEvents, type SyntheticPopulation } from "@/scripts/ledger/synthetic";

/**
 * `npm run bench:ledger` — the auditor's ledger at scale, on the local PostgreSQL.
 *
 * Builds (or reuses, when it already holds exactly BENCH_EVENTS generated events) a ledger of realistic
 * events in BENCH_DATABASE_URL, then measures through the same code the portal runs: filtered first
 * pages (searchLedger), deep pages (a cursor beyond row 5M, or near the end for smaller ledgers),
 * free-text search, a full CSV export in a child process (rows/s and its peak RSS), full verification,
 * and appends from 8 concurrent writers. The last line printed is one JSON object (docs/ledger.md).
 *
 *   BENCH_EVENTS=10000000 npm run bench:ledger
 */

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const URL_ = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/keycard_bench_ledger";
const SEED = 20_261_123;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const log = (line: string) => console.log(`[bench:ledger] ${line}`);

function p(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function ensureDatabase(): Promise<void> {
  const target = new URL(URL_);
  const admin = new URL(URL_);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const name = decodeURIComponent(target.pathname.slice(1));
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!exists.rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await client.end();
}

async function dropDatabase(): Promise<void> {
  const admin = new URL(URL_);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(decodeURIComponent(new URL(URL_).pathname.slice(1)))} WITH (FORCE)`);
  await client.end();
}

async function generatedCount(): Promise<number | null> {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('keycard_bench_meta') AS t`);
    if (!table.rows[0]?.t) return null;
    const row = await client.query(`SELECT value FROM keycard_bench_meta WHERE key = 'generated'`);
    return row.rows[0] ? Number(row.rows[0].value) : null;
  } finally {
    await client.end();
  }
}

/**
 * Bulk load: secondary indexes are dropped and rebuilt afterwards (several times faster than keeping
 * them up to date row by row), batches are hashed in Node and inserted over two connections.
 */
async function build(population: SyntheticPopulation): Promise<void> {
  const started = performance.now();
  const clients = [new pg.Client({ connectionString: URL_ }), new pg.Client({ connectionString: URL_ })];
  for (const client of clients) {
    await client.connect();
    await client.query("SET synchronous_commit = off");
  }
  const [main] = clients as [pg.Client, pg.Client];
  const indexes = (await main.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'LedgerEvent' AND indexname <> 'LedgerEvent_pkey'`,
  )).rows;
  for (const index of indexes) await main.query(`DROP INDEX ${pg.escapeIdentifier(index.name)}`);

  const random = createRandom(SEED + 1);
  const until = new Date(Date.now() - 86_400_000);
  const from = new Date(until.getTime() - 1_000 * 86_400_000);
  let inserted = 0;
  const inflight: Promise<void>[] = [];
  let turn = 0;
  for (const batch of generateEvents({ population, random, head: EMPTY_HEAD, from, until, count: EVENTS }, 10_000)) {
    const client = clients[turn++ % clients.length]!;
    const job = insertEventsWithPg(client, batch).then(() => {
      inserted += batch.length;
    });
    inflight.push(job);
    if (inflight.length >= clients.length) await inflight.shift();
    if (turn % 50 === 0) log(`loaded ${(inserted / 1e6).toFixed(2)}M events (${Math.round(inserted / ((performance.now() - started) / 1000))}/s)`);
  }
  await Promise.all(inflight);
  log(`loaded ${inserted} events in ${round((performance.now() - started) / 1000)} s; rebuilding ${indexes.length} indexes`);
  await main.query("SET maintenance_work_mem = '1GB'");
  await main.query("SET max_parallel_maintenance_workers = 2");
  // Two index builds at a time (one per connection): the machine has two cores.
  const queue = [...indexes];
  await Promise.all(
    clients.map(async (client) => {
      await client.query("SET maintenance_work_mem = '1GB'");
      for (let index = queue.shift(); index; index = queue.shift()) await client.query(index.def);
    }),
  );
  await main.query(`VACUUM ANALYZE "LedgerEvent"`);
  await main.query(`CREATE TABLE IF NOT EXISTS keycard_bench_meta (key text PRIMARY KEY, value text NOT NULL)`);
  await main.query(`INSERT INTO keycard_bench_meta VALUES ('generated', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(EVENTS)]);
  for (const client of clients) await client.end();
  log(`built in ${round((performance.now() - started) / 1000)} s`);
}

async function auditorActor(db: Database): Promise<IdentityActor> {
  const identity =
    (await db.prisma.identity.findUnique({ where: { email: "bench.auditor@example.com" } })) ??
    (await db.prisma.identity.create({ data: { kind: "HUMAN", name: "Bench Auditor", email: "bench.auditor@example.com", roles: ["AUDITOR"] } }));
  return toActor(identity);
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function measureSearch(db: Database, actor: IdentityActor, population: SyntheticPopulation, head: bigint, firstTime: Date, lastTime: Date) {
  const random = createRandom(SEED + 2);
  const ctx = { actor, db: db.prisma };
  const actions = Object.keys(ledgerActions);
  const week = () => {
    const start = firstTime.getTime() + random.next() * Math.max(0, lastTime.getTime() - firstTime.getTime() - 7 * 86_400_000);
    return { from: new Date(start).toISOString(), to: new Date(start + 7 * 86_400_000).toISOString() };
  };
  const filtered = (): LedgerSearchInput => {
    switch (random.int(6)) {
      case 0: return { actor: random.pick(population.people).id };
      case 1: return { resource: random.pick(population.resources).id };
      case 2: return { action: [random.pick(actions)] };
      case 3: return { ...week(), resource: random.pick(population.resources).id };
      case 4: return { action: ["access/grant.*"], resource: random.pick(population.resources).id };
      default: return { outcome: "denied", ...week() };
    }
  };
  for (let i = 0; i < 20; i++) await searchLedger(filtered(), ctx);
  const search: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const input = filtered();
    search.push(await timed(() => searchLedger(input, ctx)));
  }

  // Deep pages: beyond row 5M of the newest-first order, or in the oldest tenth of a smaller ledger.
  const deep: number[] = [];
  const deepest = head > 5_000_000n ? head - 5_000_000n : head / 10n;
  for (let i = 0; i < SAMPLES; i++) {
    const seq = BigInt(Math.max(2, Math.floor(random.next() * Number(deepest))));
    const filters = random.next() < 0.5 ? {} : { action: [random.pick(["access/grant.*", "access/request.*", "auth/session.signed_in"])] };
    const cursor = encodeCursor(seq, "after", searchDigest(filters, "desc"));
    deep.push(await timed(() => searchLedger({ ...filters, cursor }, ctx)));
  }

  const words = [
    ...population.people.slice(0, 50).map((person) => person.name.split(" ")[1]!),
    "replication lag", "stuck refunds", "exchange rate", "hotfix", "escalation", "partner feed", "certificate", "runbook",
    "INC-4", "SEC-12", "CHG-30", "approved change window", "Orders", "Billing database", "ingrid", "backfill migration",
  ];
  const fts: number[] = [];
  const slowest: { q: string; ms: number }[] = [];
  for (let i = 0; i < 10; i++) await searchLedger({ q: random.pick(words) }, ctx);
  for (let i = 0; i < SAMPLES; i++) {
    const q = random.next() < 0.3 ? `${random.pick(words)} ${random.pick(words)}` : random.pick(words);
    const ms = await timed(() => searchLedger({ q }, ctx));
    fts.push(ms);
    slowest.push({ q, ms });
  }
  // The tail is what p95 measures: name it, so that a regression (or the next improvement) has a face.
  slowest.sort((a, b) => b.ms - a.ms);
  log(`slowest free-text searches: ${slowest.slice(0, 12).map((s) => `"${s.q}" ${round(s.ms)} ms`).join(", ")}`);
  return { search_p95_ms: round(p(search, 0.95)), deep_page_p95_ms: round(p(deep, 0.95)), fts_p95_ms: round(p(fts, 0.95)), search_p50_ms: round(p(search, 0.5)), fts_p50_ms: round(p(fts, 0.5)) };
}

/**
 * The whole ledger as CSV, started from a child process that holds what the portal holds (Prisma, the pg
 * pools). On PostgreSQL the file is written by the export worker (csv-copy.ts), whose peak RSS is the
 * export's; the child's own growth while it forwards the bytes is reported beside it.
 */
function measureExport(): Promise<ExportFigures> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    // A small JavaScript heap: a leak or an export that buffered its rows would fail here, not just use more.
    const child = spawn(process.execPath, [...process.execArgv, "--max-old-space-size=96", script, "--export-child"], { env: process.env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`export child exited with ${code}: ${out}`));
      resolve(JSON.parse(last) as ExportFigures);
    });
  });
}

interface ExportFigures {
  rows: number;
  seconds: number;
  /** Peak RSS of the process that wrote the file: the export worker, or the child itself without one. */
  rssMb: number;
  /** The child's RSS before the export, and its peak during it. */
  baselineMb: number;
  portalPeakMb: number;
}

async function exportChild(): Promise<void> {
  const db = database();
  const actor = await auditorActor(db);
  // What the process holds before the export: Node, tsx, Prisma's engine, the pg pools.
  const baselineMb = process.memoryUsage().rss / 1024 / 1024;
  const started = performance.now();
  const exported = await startLedgerExport({ format: "csv" }, { actor, db: db.prisma });
  const reader = exported.stream.getReader();
  let bytes = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.length;
  const manifest = await exported.finished;
  const seconds = (performance.now() - started) / 1000;
  const portalPeakMb = process.resourceUsage().maxRSS / 1024;
  const figures: ExportFigures = { rows: manifest?.rows ?? 0, seconds, rssMb: exported.workerPeakRssMb() ?? portalPeakMb, baselineMb, portalPeakMb };
  console.log(JSON.stringify({ ...figures, bytes }));
  await db.close();
}

async function measureAppends(db: Database, actor: IdentityActor) {
  const writers = 8;
  const perWriter = Number(process.env.BENCH_APPENDS_PER_WRITER ?? 500);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        latencies.push(
          await timed(() =>
            db.prisma.$transaction((tx) =>
              appendLedgerEvent(tx, {
                action: "access/request.created",
                actor,
                subject: { type: "request", id: `bench-${w}-${i}` },
                summary: `Bench Auditor requested read on Orders database for 60 min: benchmark writer ${w} append ${i}`,
                data: { justification: `Benchmark append ${i} from writer ${w}`, durationMinutes: 60 },
              }),
            ),
          ),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { append_per_s: Math.round((writers * perWriter) / seconds), append_p99_ms: round(p(latencies, 0.99)), append_p50_ms: round(p(latencies, 0.5)) };
}

async function main(): Promise<void> {
  await ensureDatabase();
  const existing = await generatedCount().catch(() => null);
  const population = createPopulation(createRandom(SEED), 2_000, 120);
  if (existing !== EVENTS) {
    if (existing !== null) {
      log(`the bench database holds ${existing} generated events, not ${EVENTS}: rebuilding it`);
      await dropDatabase();
      await ensureDatabase();
    }
    const fresh = openDatabase({ url: URL_, poolMax: 2 });
    await fresh.migrate();
    await fresh.close();
    log(`building a ledger of ${EVENTS.toLocaleString("en")} events`);
    await build(population);
  } else {
    log(`reusing the ledger of ${EVENTS.toLocaleString("en")} generated events`);
    const reused = openDatabase({ url: URL_, poolMax: 2 });
    const applied = await reused.migrate();
    if (applied.length) log(`applied ${applied.join(", ")}`);
    await reused.close();
  }

  const db = database();
  // What the ledger-lexemes job does behind a live ledger: the dictionary catches up before measuring.
  const lexemeStart = performance.now();
  const lexemes = await indexLedgerLexemes(db.prisma, { batch: 200_000, maxBatches: 1_000 });
  if (lexemes.events) log(`lexeme dictionary: read ${lexemes.events.toLocaleString("en")} events in ${round((performance.now() - lexemeStart) / 1000)} s`);
  const actor = await auditorActor(db);
  const [bounds] = await db.prisma.$queryRawUnsafe<{ head: bigint; first: Date; last: Date; total: bigint }[]>(
    `SELECT max(seq) AS head, min("occurredAt") AS first, max("occurredAt") AS last, count(*) AS total FROM "LedgerEvent"`,
  );
  log(`ledger: ${bounds!.total} events, head #${bounds!.head}`);

  const search = await measureSearch(db, actor, population, bounds!.head, bounds!.first, bounds!.last);
  log(`search ${JSON.stringify(search)}`);

  const exported = await measureExport();
  const exportResult = { export_csv_rows_per_s: Math.round(exported.rows / exported.seconds), export_rss_mb: Math.round(exported.rssMb) };
  log(
    `export ${exported.rows} rows in ${round(exported.seconds)} s, peak RSS of the writer ${Math.round(exported.rssMb)} MB; ` +
      `the portal-side process ${Math.round(exported.baselineMb)} MB before, ${Math.round(exported.portalPeakMb)} MB at its peak`,
  );

  const verification = await verifyChain(db.prisma, { trustedKeyIds: trustedKeyIds() });
  if (!verification.ok) throw new Error(`the bench ledger does not verify: ${verification.detail}`);
  const verifyResult = { verify_rows_per_s: Math.round(verification.events / (verification.durationMs / 1000)) };
  log(`verify ${verification.events} events in ${round(verification.durationMs / 1000)} s`);

  const appends = await measureAppends(db, actor);
  log(`appends ${JSON.stringify(appends)}`);
  await db.close();

  console.log(
    JSON.stringify({
      events: Number(bounds!.total),
      search_p95_ms: search.search_p95_ms,
      deep_page_p95_ms: search.deep_page_p95_ms,
      fts_p95_ms: search.fts_p95_ms,
      export_csv_rows_per_s: exportResult.export_csv_rows_per_s,
      export_rss_mb: exportResult.export_rss_mb,
      verify_rows_per_s: verifyResult.verify_rows_per_s,
      append_per_s: appends.append_per_s,
      append_p99_ms: appends.append_p99_ms,
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // The portal's own database path: the process database (and its bulk reader) on the bench database.
  process.env.DATABASE_URL = URL_;
  process.env.DATABASE_POOL_MAX ??= "10";
  // The signing key the bench's checkpoints use lives beside the bench, not in the developer's .data.
  process.env.KEYCARD_DATA_DIR ??= ".data-bench-ledger";
  // process.exit: the Prisma and pg pools would otherwise keep the process alive a while.
  (process.argv.includes("--export-child") ? exportChild() : main()).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`[bench:ledger] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}

