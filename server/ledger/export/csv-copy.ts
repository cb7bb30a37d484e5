import { escapeLiteral, type Pool } from "pg";
import { to as copyTo } from "pg-copy-streams";
import { ledgerActions } from "@/server/ledger/actions";

/**
 * CSV exports produced by PostgreSQL itself (`COPY (…) TO STDOUT (FORMAT csv)`), on a PostgreSQL
 * database: the server writes the rows in C and Node only hashes and forwards the bytes, several times
 * the speed of building each line in JavaScript, in constant memory (the stream's backpressure pauses the
 * socket). Same columns, cells and neutralisation as the JavaScript writer (formats.ts `csvRow`, which
 * the embedded database uses); PostgreSQL quotes a cell exactly when it holds a comma, quote or line
 * break, and writes an empty string as `""` to tell it from null.
 *
 * COPY takes no bind parameters, so the search's parameters are written into the statement as literals
 * quoted by the driver's own escapeLiteral; nothing else in it comes from the user.
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
  const select = `SELECT e.seq, e.id, to_char(e."occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.action,
      coalesce(${ACTION_LABELS} ->> e.action, e.action), e.outcome, e."actorType", ${cell('e."actorId"')}, ${cell('e."actorLabel"')},
      e."subjectType", ${cell('e."subjectId"')}, e."resourceId", ${cell(`${jsonbMap(resourceNames)} ->> e."resourceId"::text`)},
      e."requestId", e."grantId", ${cell("e.summary")}, e.data, e."prevHash", e.hash
    FROM "LedgerEvent" e WHERE ${conditions.map((condition) => `(${condition})`).join(" AND ")} ORDER BY e.seq`;
  return `COPY (${inlineParameters(select, params)}) TO STDOUT (FORMAT csv)`;
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

export interface CopiedRows {
  chunks: AsyncIterableIterator<Buffer>;
  /** Rows written, once the chunks have ended. */
  rowCount(): number;
  /** Stops early (the client went away): the connection is discarded, not reused mid-COPY. */
  cancel(): void;
}

export async function copyRows(pool: Pool, statement: string): Promise<CopiedRows> {
  const client = await pool.connect();
  const stream = client.query(copyTo(statement));
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  stream.on("end", () => release());
  stream.on("error", (error: Error) => release(error));
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterableIterator<Buffer>;
  return {
    chunks: iterator,
    rowCount: () => stream.rowCount,
    cancel() {
      stream.destroy();
      release(new Error("export cancelled"));
    },
  };
}
