import type { DbOrTx } from "@/server/db";

/**
 * The database's clock. Grant windows, expiry and revocation are decided by it, never by the
 * application server's clock, so a skewed app server cannot keep access alive or cut it early.
 */
export async function dbNow(db: DbOrTx): Promise<Date> {
  const [row] = await db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  if (!row) throw new Error("database clock unavailable");
  return row.now;
}
