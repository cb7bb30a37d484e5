import type pg from "pg";
import { postgresPoolOf, type DbOrTx } from "@/server/db";

/**
 * Reads for the ledger's bulk paths (verification, exports, evidence packs): millions of rows whose
 * columns the SQL already casts to text. On PostgreSQL they go straight through the client's pg pool with
 * every type parser off — Prisma's per-row result conversion costs more than everything else those paths
 * do per row. Elsewhere (the embedded database, a transaction's client) Prisma is used.
 */
export interface BulkReader {
  query<T>(sql: string, params: unknown[], options?: BulkQueryOptions): Promise<T[]>;
  /** Whether concurrent queries run on separate connections (verification walks two chunks at a time then). */
  parallel: boolean;
  /** The pool itself, for COPY (PostgreSQL only). */
  pool?: pg.Pool;
}

export interface BulkQueryOptions {
  /**
   * Run the statement in one backend, without parallel workers or JIT. For CPU-bound walks that the caller
   * already runs two at a time: a Gather Merge adds two workers per query on a machine with two cores,
   * and the processes then contend instead of adding up (docs/ledger.md, "Verification"); JIT compiled
   * code walked no faster here, and loading LLVM costs each new backend about half a second.
   */
  serial?: boolean;
}

const rawText = { getTypeParser: () => (value: string) => value };

export function bulkReaderFor(db: DbOrTx): BulkReader {
  const pool = postgresPoolOf(db);
  if (pool) {
    return {
      parallel: true,
      pool,
      async query<T>(sql: string, params: unknown[], options: BulkQueryOptions = {}) {
        const statement = { text: sql, values: params, types: rawText as unknown as pg.CustomTypesConfig };
        if (!options.serial) return (await pool.query(statement)).rows as T[];
        const client = await pool.connect();
        try {
          // SET LOCAL ends with the transaction: the pooled connection goes back as it came.
          await client.query("BEGIN READ ONLY");
          await client.query("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off");
          const result = await client.query(statement);
          await client.query("COMMIT");
          return result.rows as T[];
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
    };
  }
  return { parallel: false, query: <T>(sql: string, params: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...params) };
}
