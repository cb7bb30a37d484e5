import type { Tx } from "@/server/db";

/**
 * A transaction-scoped lock on a name (`machine-name:deploy-bot`, `discovery:<connector id>`): two
 * transactions that take the same name run their checks one after the other. Held until commit or
 * rollback; names are hashed to PostgreSQL's 64-bit advisory lock keys.
 */
export async function lockByName(tx: Tx, name: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`keycard:${name}`}, 0))`;
}
