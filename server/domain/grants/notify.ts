import type { DbOrTx } from "@/server/db";
import type { RevocationReason } from "@/server/generated/prisma/enums";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { grantActivated, grantProvisionFailed, grantRevoked, grantRevokeFailing, type GrantRef } from "@/server/notifications/messages";

export interface GrantNotice {
  grantId: string;
  identityId: string;
  resourceName: string;
  accessLevelName: string;
  endsAt: Date;
  reason?: RevocationReason;
  error?: string;
  attempts?: number;
}

/** Active admins, who hear about provisioning and revocation trouble. */
export async function adminIds(tx: DbOrTx): Promise<string[]> {
  const admins = await tx.identity.findMany({ where: { status: "ACTIVE", kind: "HUMAN", roles: { has: "ADMIN" } }, select: { id: true } });
  return admins.map((a) => a.id);
}

/**
 * Grant notifications, written in the transaction of the change they report (delivered after commit).
 */
export async function notifyGrant(tx: DbOrTx, kind: "activated" | "revoked" | "provision_failed" | "revoke_failing", notice: GrantNotice): Promise<void> {
  const holder = await tx.identity.findUnique({ where: { id: notice.identityId }, select: { id: true, name: true } });
  if (!holder) return;
  const grant: GrantRef = { id: notice.grantId, holder, resourceName: notice.resourceName, accessLevelName: notice.accessLevelName, endsAt: notice.endsAt };
  switch (kind) {
    case "activated":
      await enqueueNotifications(tx, grantActivated({ grant }));
      return;
    case "revoked":
      await enqueueNotifications(tx, grantRevoked({ grant, reason: notice.reason ?? "EXPIRED" }));
      return;
    case "provision_failed":
      await enqueueNotifications(tx, grantProvisionFailed({ grant, error: notice.error ?? "unknown error", adminIds: await adminIds(tx) }));
      return;
    case "revoke_failing":
      await enqueueNotifications(tx, grantRevokeFailing({ grant, error: notice.error ?? "unknown error", attempts: notice.attempts ?? 1, adminIds: await adminIds(tx), episode: new Date().toISOString() }));
      return;
  }
}
