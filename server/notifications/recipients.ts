import type { DbOrTx } from "@/server/db";

/**
 * Active human admins: who hears about failing provisioning/revocation, break-glass and new standing
 * privileges. Pass the requester in `except` where the rule is "another admin" (break-glass review).
 * The enum array is tested in SQL: Prisma's `roles: { has: "ADMIN" }` fails on the embedded PGlite
 * adapter ("malformed array literal"), which would fail the very transaction that records the trouble.
 */
export async function adminRecipientIds(db: DbOrTx, options: { except?: readonly string[] } = {}): Promise<string[]> {
  const admins = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM "Identity" WHERE status = 'ACTIVE' AND kind = 'HUMAN' AND 'ADMIN'::"Role" = ANY(roles) ORDER BY id`;
  const except = new Set(options.except ?? []);
  return admins.map((admin) => admin.id).filter((id) => !except.has(id));
}
