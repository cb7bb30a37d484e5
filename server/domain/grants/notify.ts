import type { DbOrTx } from "@/server/db";
import type { RevocationReason } from "@/server/generated/prisma/enums";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { grantActivated, grantProvisionFailed, grantRevoked, grantRevokeFailing, type GrantRef } from "@/server/notifications/messages";
import { adminRecipientIds } from "@/server/notifications/recipients";

export interface GrantNotice {
  grantId: string;
  identityId: string;
  /** The holder's name when the caller has it (saves a lookup inside the transaction). */
  holderName?: string;
  resourceName: string;
  accessLevelName: string;
  endsAt: Date;
  reason?: RevocationReason;
  error?: string;
  attempts?: number;
  /** revoke_failing: when the revocation became due (one alert per episode). */
  episode?: Date;
}

type GrantNoticeKind = "activated" | "revoked" | "provision_failed" | "revoke_failing";

/**
 * Grant notifications, written in the transaction of the change they report (delivered after commit).
 */
export async function notifyGrant(tx: DbOrTx, kind: GrantNoticeKind, notice: GrantNotice): Promise<void> {
  await notifyGrants(tx, kind, [notice]);
}

/**
 * The same for many grants at once (a batch of revocations commits together): one lookup of the holders
 * and one insert, instead of a few queries per grant inside the ledger's serialised section.
 */
export async function notifyGrants(tx: DbOrTx, kind: GrantNoticeKind, notices: readonly GrantNotice[]): Promise<void> {
  if (!notices.length) return;
  const unknown = [...new Set(notices.filter((n) => n.holderName === undefined).map((n) => n.identityId))];
  const holders = new Map(notices.flatMap((n) => (n.holderName === undefined ? [] : [[n.identityId, { id: n.identityId, name: n.holderName }] as const])));
  if (unknown.length) for (const h of await tx.identity.findMany({ where: { id: { in: unknown } }, select: { id: true, name: true } })) holders.set(h.id, h);
  const admins = kind === "provision_failed" || kind === "revoke_failing" ? await adminRecipientIds(tx) : [];
  const items = notices.flatMap((notice) => {
    const holder = holders.get(notice.identityId);
    if (!holder) return [];
    const grant: GrantRef = { id: notice.grantId, holder, resourceName: notice.resourceName, accessLevelName: notice.accessLevelName, endsAt: notice.endsAt };
    switch (kind) {
      case "activated":
        return grantActivated({ grant });
      case "revoked":
        return grantRevoked({ grant, reason: notice.reason ?? "EXPIRED" });
      case "provision_failed":
        return grantProvisionFailed({ grant, error: notice.error ?? "unknown error", adminIds: admins });
      case "revoke_failing":
        // One alert per failing episode: the episode is when this grant's revocation became due.
        return grantRevokeFailing({ grant, error: notice.error ?? "unknown error", attempts: notice.attempts ?? 1, adminIds: admins, episode: (notice.episode ?? new Date()).toISOString() });
    }
  });
  await enqueueNotifications(tx, items);
}
