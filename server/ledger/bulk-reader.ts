import type pg from "pg";
import { postgresPoolOf, type DbOrTx } from "@/server/db";

/**
 * Reads for the ledger's bulk paths (verification, exports, evidence packs): millions of rows whose
 * columns the SQL already casts to text. On PostgreSQL they go straight through the client's pg pool with
 * every type parser off — Prisma's per-row result conversion costs more than everything else those paths
 * do per row. Elsewhere (the embedded database, a transaction's client) Prisma is used.
 */
export interface BulkReader {
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** Whether concurrent queries run on separate connections (verification walks two chunks at a time then). */
  parallel: boolean;
  /** The pool itself, for COPY (PostgreSQL only). */
  pool?: pg.Pool;
}

const rawText = { getTypeParser: () => (value: string) => value };

export function bulkReaderFor(db: DbOrTx): BulkReader {
  const pool = postgresPoolOf(db);
  if (pool) {
    return {
      parallel: true,
      pool,
      async query<T>(sql: string, params: unknown[]) {
        const result = await pool.query({ text: sql, values: params, types: rawText as unknown as pg.CustomTypesConfig });
        return result.rows as T[];
      },
    };
  }
  return { parallel: false, query: <T>(sql: string, params: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...params) };
}
