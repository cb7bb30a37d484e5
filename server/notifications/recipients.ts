import type { DbOrTx } from "@/server/db";

/**
 * Active human admins: who hears about failing provisioning/revocation and break-glass. Pass the
 * requester in `except` where the rule is "another admin" (break-glass review).
 */
export async function adminRecipientIds(db: DbOrTx, options: { except?: readonly string[] } = {}): Promise<string[]> {
  const admins = await db.identity.findMany({
    where: { kind: "HUMAN", status: "ACTIVE", roles: { has: "ADMIN" }, ...(options.except?.length ? { id: { notIn: [...options.except] } } : {}) },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return admins.map((admin) => admin.id);
}
