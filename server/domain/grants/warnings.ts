import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { grantExpiring } from "@/server/notifications/messages";

/** Lead times (minutes before the end) at which a holder is warned; configurable by KEYCARD_EXPIRY_WARNINGS. */
export function expiryWarningLeads(): number[] {
  const raw = process.env.KEYCARD_EXPIRY_WARNINGS ?? "15,5";
  const leads = raw.split(",").map((v) => Number(v.trim())).filter((v) => Number.isInteger(v) && v > 0 && v <= 24 * 60);
  return [...new Set(leads)].sort((a, b) => b - a);
}

/**
 * Warns holders before their access ends. The notification key includes the end time and the lead, so
 * each warning is sent once per window (an extended grant warns again before its new end). A lead as long
 * as the grant's own window is skipped: a 10-minute grant is not told "15 minutes left" as it starts. The
 * message gives the time actually left (a tick every 30 s may come a little after the lead).
 */
export async function warnExpiringGrants(db: Db): Promise<number> {
  const leads = expiryWarningLeads();
  if (!leads.length) return 0;
  const now = await dbNow(db);
  const horizon = new Date(now.getTime() + Math.max(...leads) * 60_000);
  const grants = await db.grant.findMany({
    where: { status: "ACTIVE", endsAt: { gt: now, lte: horizon } },
    select: {
      id: true, requestId: true, startsAt: true, activatedAt: true, endsAt: true, breakGlass: true,
      identity: { select: { id: true, name: true } }, resource: { select: { name: true } }, accessLevel: { select: { name: true } },
    },
    // The soonest ends first; more than a batch is finished by the next tick.
    orderBy: { endsAt: "asc" },
    take: 1000,
  });
  let sent = 0;
  for (const grant of grants) {
    const minutesLeft = (grant.endsAt.getTime() - now.getTime()) / 60_000;
    const windowMinutes = (grant.endsAt.getTime() - (grant.activatedAt ?? grant.startsAt).getTime()) / 60_000;
    // The tightest lead already reached: a grant with 4 minutes left gets the 5-minute warning.
    const lead = leads.filter((l) => minutesLeft <= l && l < windowMinutes).at(-1);
    if (lead === undefined) continue;
    const result = await enqueueNotifications(
      db,
      grantExpiring({
        grant: { id: grant.id, requestId: grant.requestId, holder: grant.identity, resourceName: grant.resource.name, accessLevelName: grant.accessLevel.name, endsAt: grant.endsAt, breakGlass: grant.breakGlass },
        leadMinutes: lead,
        minutesLeft: Math.max(1, Math.ceil(minutesLeft)),
      }),
    );
    sent += result.created;
  }
  return sent;
}
