import { spawn } from "node:child_process";
import path from "node:path";
import type { Readable } from "node:stream";
import { escapeLiteral, type Pool } from "pg";
import { ledgerActions } from "@/server/ledger/actions";

/**
 * CSV exports produced by PostgreSQL itself (`COPY (…) TO STDOUT (FORMAT csv)`), on a PostgreSQL
 * database: the server writes the rows in C and the export worker (copy-worker.mjs) only hashes and
 * forwards the bytes, several times the speed of building each line in JavaScript, in constant memory
 * (backpressure pauses the worker's pipe, then its socket, then the COPY). Same columns, cells and
 * neutralisation as the JavaScript writer (formats.ts `csvRow`, which the embedded database uses);
 * PostgreSQL quotes a cell exactly when it holds a comma, quote or line break, and writes an empty string
 * as `""` to tell it from null.
 *
 * COPY takes no bind parameters, so the search's parameters are written into its conditions as literals
 * quoted by the driver's own escapeLiteral (the conditions are Keycard's own SQL with $n placeholders);
 * the only other text from people is the resource-name map, a literal added after that substitution.
 */

/**
 * keycard_csv_cell (migration 20261206153000): server/csv.ts `neutralizeCell` in SQL. Applied to the cells that
 * carry what people and integrations typed (names, labels, ids they chose, summaries); the others hold
 * Keycard's own vocabulary, numbers, uuids, times, hashes and JSON objects, none of which can start a
 * formula, and skipping them is a third of the server's time per row.
 */
const cell = (column: string) => `keycard_csv_cell(${column})`;

/** A constant map for a per-row lookup (a binary search in jsonb, cheaper than a join that keeps seq order). */
const jsonbMap = (map: Record<string, string>) => `${escapeLiteral(JSON.stringify(map))}::jsonb`;
const ACTION_LABELS = jsonbMap(ledgerActions);

/**
 * The COPY statement for rows matching `conditions` (over "LedgerEvent"), in seq order. Resource names
 * come from `resourceNames` (id → name, read when the export starts).
 */
export function csvCopyStatement(conditions: readonly string[], params: readonly unknown[], resourceNames: Record<string, string>): string {
  // The parameters go into the conditions alone, before the name maps join the statement: a "$1" inside a
  // literal (a resource named "Billing ($1M+ accounts)") must stay text, never become a place for a value.
  const where = inlineParameters(conditions.map((condition) => `(${condition})`).join(" AND "), params);
  const select = `SELECT e.seq, e.id, to_char(e."occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.action,
      coalesce(${ACTION_LABELS} ->> e.action, e.action), e.outcome, e."actorType", ${cell('e."actorId"')}, ${cell('e."actorLabel"')},
      e."subjectType", ${cell('e."subjectId"')}, e."resourceId", ${cell(`${jsonbMap(resourceNames)} ->> e."resourceId"::text`)},
      e."requestId", e."grantId", ${cell("e.summary")}, e.data, e."prevHash", e.hash, e.format
    FROM "LedgerEvent" e WHERE ${where} ORDER BY e.seq`;
  return `COPY (${select}) TO STDOUT (FORMAT csv)`;
}

/** Replaces $1…$n with SQL literals of the values (strings, string arrays, numbers, booleans, null). */
export function inlineParameters(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`parameter $${n} has no value`);
    return sqlLiteral(params[index]);
  });
}

function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return escapeLiteral(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return value.length ? `ARRAY[${value.map(sqlLiteral).join(", ")}]` : "'{}'";
  throw new Error(`cannot write a ${typeof value} as an SQL literal`);
}

/** What the worker reports when the file is complete. */
export interface CopiedFile {
  rows: number;
  /** Bytes of the whole file, header included. */
  bytes: number;
  /** SHA-256 (hex) of the whole file. */
  sha256: string;
  /** The worker's peak resident memory (benchmarks report it as the export's). */
  peakRssMb: number;
}

export interface FileCopy {
  /** The file's bytes: `header`, then the rows. */
  chunks: AsyncIterableIterator<Buffer>;
  /** Settles once the worker has exited: its report, or why it failed. */
  done: Promise<CopiedFile>;
  /** Stops early (the client went away): the worker is ended, and with its connection the COPY. */
  cancel(): void;
}

/** copy-worker.mjs, from the project root: its path is the same under `next start`, tests and scripts. */
const WORKER = path.join(process.cwd(), "server/ledger/export/copy-worker.mjs");

/**
 * What the worker inherits: the search path for node, and what the pg driver and TLS read from the
 * environment (PGPASSWORD, PGSSLMODE, … and extra CA certificates), as the portal's own pool does.
 */
function workerEnv(): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => name === "PATH" || name === "NODE_EXTRA_CA_CERTS" || name.startsWith("PG"));
  return { ...Object.fromEntries(kept), NODE_ENV: process.env.NODE_ENV ?? "production" };
}

/**
 * Runs `statement` in the export worker (copy-worker.mjs, a process of its own: the streaming and hashing
 * stay off the portal's event loop and out of its memory). Only what the worker needs is passed, on stdin.
 */
export function copyFileInWorker(pool: Pool, statement: string, header: string): FileCopy {
  const url = pool.options.connectionString;
  if (!url) throw new Error("the export worker needs the database's connection string");
  const child = spawn(process.execPath, ["--max-old-space-size=64", WORKER], { stdio: ["pipe", "pipe", "pipe", "pipe"], env: workerEnv() });
  child.stdin.end(JSON.stringify({ url, statement, header }));
  let report = "";
  let errors = "";
  (child.stdio[3] as Readable).on("data", (chunk: Buffer) => (report += chunk.toString("utf8")));
  // One line on failure; bounded all the same.
  child.stderr.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString("utf8")).slice(0, 2_000)));
  let cancelled = false;
  const done = new Promise<CopiedFile>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0 && report.trim()) return resolve(JSON.parse(report) as CopiedFile);
      reject(new Error(cancelled ? "export cancelled" : `the export worker failed (${signal ?? `exit ${code}`}): ${errors.trim() || "no message"}`));
    });
  });
  // The caller may stop reading before awaiting `done` (cancel): never an unhandled rejection.
  done.catch(() => undefined);
  return {
    chunks: child.stdout[Symbol.asyncIterator]() as AsyncIterableIterator<Buffer>,
    done,
    cancel() {
      cancelled = true;
      // Unread output would hold the pipe open, and 'close' (all stdio ended) would never come.
      child.stdout.destroy();
      child.kill("SIGTERM");
    },
  };
}
