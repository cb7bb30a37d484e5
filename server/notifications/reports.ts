import { oneLine } from "@/server/notifications/format";
import type { NotificationData, NotificationItem } from "@/server/notifications/types";

/**
 * The standing-privilege report's message: admins hear when a snapshot finds standing privileges on tier
 * 1 that the previous snapshot did not have (on the first snapshot, every one is new). One message per
 * snapshot — the key is the snapshot id, so a retried build enqueues nothing twice.
 */

export interface FoundPrivilege {
  principal: string;
  privilege: string;
  connector: string;
  holder: string | null;
}

export function standingPrivilegesFound(input: {
  snapshotId: string;
  found: readonly FoundPrivilege[];
  total: number;
  firstReport: boolean;
  adminIds: readonly string[];
}): NotificationItem[] {
  if (input.total === 0) return [];
  const key = `reports.standing_found:${input.snapshotId}`;
  const plural = input.total === 1 ? "privilege" : "privileges";
  const title = `${input.total} new standing ${plural} on tier 1`;
  const shown = input.found.slice(0, 5).map((p) => `• ${oneLine(p.principal, 80)}: ${oneLine(p.privilege, 120)} on ${p.connector}${p.holder ? ` (${p.holder})` : ""}`);
  const body = [
    input.firstReport ? "The first standing-privilege report found these on tier-1 targets:" : "Since the previous report, these appeared on tier-1 targets:",
    ...shown,
    input.total > shown.length ? `…and ${input.total - shown.length} more.` : null,
    "Convert them to just-in-time access, or declare them baseline with a review date.",
  ]
    .filter((line): line is string => line !== null)
    .join("\n");
  const link = `/reports/standing?new=1&tier=1`;
  const data: NotificationData = { snapshotId: input.snapshotId, total: input.total, firstReport: input.firstReport };
  return [
    ...[...new Set(input.adminIds)].map((recipientId) => ({ kind: "reports.standing_found" as const, key, recipientId, title, body, link, data })),
    { kind: "reports.standing_found" as const, key, recipientId: null, channels: ["WEBHOOK"] as const, title, body, link, data },
  ];
}
