import pg from "pg";
import { database, type DbOrTx } from "@/server/db";
import { env } from "@/server/env";

/**
 * Reads for the ledger's bulk paths (verification, exports, evidence packs): millions of rows whose
 * columns the SQL already casts to text. On PostgreSQL they go through a small pg pool of their own with
 * every type parser off — Prisma's per-row result conversion costs more than everything else those paths
 * do per row. Elsewhere (the embedded database, a test's or a transaction's client) Prisma is used.
 */
export interface BulkReader {
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
}

const rawText = { getTypeParser: () => (value: string) => value };

export function createPgBulkReader(url: string, max = 2): BulkReader & { end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max });
  return {
    async query<T>(sql: string, params: unknown[]) {
      const result = await pool.query({ text: sql, values: params, types: rawText as unknown as pg.CustomTypesConfig });
      return result.rows as T[];
    },
    end: () => pool.end(),
  };
}

let shared: (BulkReader & { end(): Promise<void> }) | undefined;

export function bulkReaderFor(db: DbOrTx): BulkReader {
  const url = env().DATABASE_URL;
  // Only for the process's own PostgreSQL client: a transaction or another database must see its own rows.
  if (url && db === database().prisma) {
    shared ??= createPgBulkReader(url);
    return shared;
  }
  return { query: <T>(sql: string, params: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...params) };
}
