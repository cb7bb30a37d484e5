import { randomUUID } from "node:crypto";
import type { ConnectorKind } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { classifyPrivilege } from "@/server/domain/discovery/classify";
import { connectorOwnLogin, loginOfPrincipal } from "@/server/domain/discovery/holders";
import { privilegePower } from "@/server/domain/discovery/power";
import { idleness, judge, tierOf, type Recommendation } from "@/server/domain/reports/recommend";
import type { ConnectorSummary, StandingSummary, StoredStandingRow } from "@/server/domain/reports/types";
import { enqueueNotifications, kickDelivery, type EnqueueResult } from "@/server/notifications";
import { standingPrivilegesFound } from "@/server/notifications/reports";
import { adminRecipientIds } from "@/server/notifications/recipients";

/**
 * Builds a standing-privilege snapshot from what discovery stored and what usage collection counted:
 * every STANDING and BASELINE privilege still present (JIT-backed ones are only counted), with holder,
 * target, tier, last use, days idle, a recommendation and its reason, ordered riskiest first, and marked
 * new when the previous snapshot did not have it. The snapshot, its rows and the notification to admins
 * about new tier-1 standing privileges are written in one transaction.
 *
 * Baselines are re-read here, not taken from discovery: a review date that passed since the last
 * discovery turns the privilege back to standing in this very report.
 */

export interface BuildResult {
  snapshotId: string;
  rows: number;
  summary: StandingSummary;
  /** Where the time went (ms), for the benchmark and the job's run record. */
  phases: Record<string, number>;
}

const DAY_MS = 86_400_000;
const ROW_CHUNK = 5_000;

interface UsageAggregate {
  last: Date | null;
  uses30: number;
}

async function usageByKey(db: Db, since: Date): Promise<Map<string, UsageAggregate>> {
  const rows = await db.$queryRawUnsafe<{ connectorId: string; principal: string; privilege: string; last: Date; uses30: number }[]>(
    `SELECT "connectorId"::text AS "connectorId", "principal", "privilege", max("lastUsedAt") AS last,
            COALESCE(sum(CASE WHEN "day" >= $1::date THEN "count" ELSE 0 END), 0)::int AS uses30
       FROM "UsageDaily" GROUP BY 1, 2, 3`,
    since.toISOString().slice(0, 10),
  );
  return new Map(rows.map((r) => [`${r.connectorId}\u0000${r.principal}\u0000${r.privilege}`, { last: r.last, uses30: r.uses30 }]));
}

/** Use of this privilege, or of the principal as a whole (`*`: sessions do not name privileges). */
function usageFor(usage: Map<string, UsageAggregate>, kind: ConnectorKind, connectorId: string, principal: string, privilege: string): UsageAggregate {
  const principals = [...new Set([principal, loginOfPrincipal(kind, principal)])];
  let last: Date | null = null;
  let uses30 = 0;
  for (const p of principals) {
    for (const priv of [privilege, "*"]) {
      const found = usage.get(`${connectorId}\u0000${p}\u0000${priv}`);
      if (!found) continue;
      uses30 += found.uses30;
      if (found.last && (!last || found.last > last)) last = found.last;
    }
  }
  return { last, uses30 };
}

export async function buildStandingReport(db: Db, options: { trigger?: string } = {}): Promise<BuildResult> {
  const phases: Record<string, number> = {};
  let mark = Date.now();
  const phase = (name: string) => {
    const at = Date.now();
    phases[name] = at - mark;
    mark = at;
  };
  const now = await dbNow(db);
  const [privileges, jit, connectors, baselines, usage, previous] = await Promise.all([
    db.discoveredPrivilege.findMany({
      where: { goneAt: null, classification: { in: ["STANDING", "BASELINE"] } },
      select: { id: true, connectorId: true, principal: true, privilege: true, privilegeKind: true, identityId: true, resourceId: true, firstSeenAt: true, lastSeenAt: true },
    }),
    db.discoveredPrivilege.count({ where: { goneAt: null, classification: "JIT" } }),
    db.connector.findMany({
      select: { id: true, name: true, kind: true, settings: true, health: true, lastError: true, lastCheckedAt: true, resources: { where: { archivedAt: null }, select: { tier: true } } },
    }),
    db.baselineDeclaration.findMany({ select: { connectorId: true, principal: true, privilege: true, reason: true, reviewAt: true, declaredBy: { select: { name: true } } } }),
    usageByKey(db, new Date(now.getTime() - 30 * DAY_MS)),
    db.reportSnapshot.findFirst({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "desc" }, select: { id: true } }),
  ]);

  phase("load");
  const identityIds = [...new Set(privileges.map((p) => p.identityId).filter((v): v is string => Boolean(v)))];
  const resourceIds = [...new Set(privileges.map((p) => p.resourceId).filter((v): v is string => Boolean(v)))];
  const [identities, resources, previousKeys] = await Promise.all([
    identityIds.length ? db.identity.findMany({ where: { id: { in: identityIds } }, select: { id: true, name: true, kind: true, status: true } }) : [],
    resourceIds.length ? db.resource.findMany({ where: { id: { in: resourceIds } }, select: { id: true, name: true, tier: true } }) : [],
    previous ? db.reportRow.findMany({ where: { snapshotId: previous.id }, select: { key: true } }).then((rows) => new Set(rows.map((r) => r.key))) : Promise.resolve(new Set<string>()),
  ]);
  phase("lookups");
  const identityById = new Map(identities.map((i) => [i.id, i]));
  const resourceById = new Map(resources.map((r) => [r.id, r]));
  const connectorById = new Map(
    connectors.map((c) => [
      c.id,
      { ...c, own: connectorOwnLogin(c.kind, c.settings), targetTier: c.resources.length ? Math.min(...c.resources.map((r) => r.tier)) : null },
    ]),
  );
  const baselineByKey = new Map(baselines.map((b) => [`${b.connectorId}\u0000${b.principal}\u0000${b.privilege}`, b]));

  interface BuiltRow {
    key: string;
    classification: "STANDING" | "BASELINE";
    connector: string;
    data: StoredStandingRow;
  }
  const rows: BuiltRow[] = [];
  for (const p of privileges) {
    const connector = connectorById.get(p.connectorId);
    if (!connector) continue;
    const declared = baselineByKey.get(`${p.connectorId}\u0000${p.principal}\u0000${p.privilege}`);
    const { classification, note } = classifyPrivilege({ keycardGrantId: null, managedByKeycard: false, baseline: declared ? { reviewAt: declared.reviewAt } : null, now });
    if (classification === "JIT") continue;
    const identity = p.identityId ? identityById.get(p.identityId) : undefined;
    const holder = identity ? { id: identity.id, name: identity.name, kind: identity.kind, disabled: identity.status !== "ACTIVE" } : null;
    const resource = p.resourceId ? resourceById.get(p.resourceId) : undefined;
    const power = privilegePower(connector.kind, p.privilegeKind, p.privilege);
    const tier = tierOf({ mappedTier: resource?.tier ?? null, targetTier: connector.targetTier, power });
    const used = usageFor(usage, connector.kind, p.connectorId, p.principal, p.privilege);
    const idle = idleness({ lastUsedAt: used.last, firstSeenAt: p.firstSeenAt, now });
    const baseline = classification === "BASELINE" && declared ? { reason: declared.reason, reviewAt: declared.reviewAt, declaredBy: declared.declaredBy.name } : null;
    const connectorOwn = connector.own !== null && loginOfPrincipal(connector.kind, p.principal) === connector.own;
    const { recommendation, risk } = judge({ classification, tier, power, privilegeKind: p.privilegeKind, idle, holder, connectorOwn, baseline });
    // Absent rather than null: tens of thousands of rows per snapshot, every byte counts.
    const data: StoredStandingRow = {
      connectorId: p.connectorId,
      principal: p.principal,
      privilege: p.privilege,
      privilegeKind: p.privilegeKind,
      tier,
      power,
      watchedDays: idle.watchedDays,
      uses30d: used.uses30,
      firstSeenAt: p.firstSeenAt.toISOString(),
      recommendation,
      risk,
      isNew: !previousKeys.has(p.id),
    };
    if (holder) data.holder = holder;
    if (resource) data.resource = { id: resource.id, name: resource.name };
    if (used.last) data.lastUsedAt = used.last.toISOString();
    if (idle.daysIdle !== null) data.daysIdle = idle.daysIdle;
    if (connectorOwn) data.connectorOwn = true;
    if (baseline) data.baseline = { ...baseline, reviewAt: baseline.reviewAt.toISOString() };
    if (note) data.note = note;
    rows.push({ key: p.id, classification, connector: connector.name, data });
  }
  rows.sort(
    (a, b) => b.data.risk - a.data.risk || a.connector.localeCompare(b.connector) || a.data.principal.localeCompare(b.data.principal) || a.data.privilege.localeCompare(b.data.privilege),
  );

  phase("judge");
  const standing = rows.filter((r) => r.classification === "STANDING");
  const currentKeys = new Set(rows.map((r) => r.key));
  const newTier1 = standing.filter((r) => r.data.isNew && r.data.tier === 1);
  const count = (list: BuiltRow[], test: (r: StoredStandingRow) => boolean) => list.reduce((n, r) => n + (test(r.data) ? 1 : 0), 0);
  const lastDiscovered = await db.discoveredPrivilege.groupBy({ by: ["connectorId"], _max: { lastSeenAt: true } });
  const lastDiscoveredBy = new Map(lastDiscovered.map((g) => [g.connectorId, g._max.lastSeenAt]));
  const connectorSummaries: ConnectorSummary[] = connectors.map((c) => ({
    id: c.id,
    name: c.name,
    kind: c.kind,
    health: c.health,
    lastError: c.lastError,
    lastCheckedAt: c.lastCheckedAt?.toISOString() ?? null,
    lastDiscoveredAt: lastDiscoveredBy.get(c.id)?.toISOString() ?? null,
    standing: count(standing, (r) => r.connectorId === c.id),
  }));
  const byRecommendation: Record<Recommendation, number> = { remove: 0, review: 0, baseline: 0 };
  for (const r of standing) byRecommendation[r.data.recommendation] += 1;
  const summary: StandingSummary = {
    version: 1,
    builtAt: now.toISOString(),
    trigger: options.trigger ?? "manual",
    standing: standing.length,
    baseline: rows.length - standing.length,
    jit,
    byTier: { "1": count(standing, (r) => r.tier === 1), "2": count(standing, (r) => r.tier === 2), "3": count(standing, (r) => r.tier >= 3) },
    byRecommendation,
    machineHeld: count(standing, (r) => r.holder?.kind === "MACHINE"),
    unmappedHeld: count(standing, (r) => !r.holder),
    previousSnapshotId: previous?.id ?? null,
    newCount: count(rows, (r) => r.isNew),
    newTier1Count: newTier1.length,
    goneCount: [...previousKeys].filter((key) => !currentKeys.has(key)).length,
    connectors: connectorSummaries,
  };

  phase("summary");
  const snapshotId = randomUUID();
  const queued = await db.$transaction(
    async (tx): Promise<EnqueueResult | null> => {
      await tx.reportSnapshot.create({ data: { id: snapshotId, kind: "STANDING_PRIVILEGES", summary: summary as unknown as object, createdAt: now } });
      // Keys and classes as arrays, the row data as one JSON array (parsed once, not once per array element).
      for (let start = 0; start < rows.length; start += ROW_CHUNK) {
        const chunk = rows.slice(start, start + ROW_CHUNK);
        await tx.$executeRawUnsafe(
          `INSERT INTO "ReportRow" ("snapshotId", "key", "classification", "riskRank", "data")
           SELECT $1::uuid, k.key, k.class::"PrivilegeClass", $2::int + k.n::int, d.value
             FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS k(key, class, n)
             JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS d(value, n) ON d.n = k.n`,
          snapshotId,
          start,
          chunk.map((r) => r.key),
          chunk.map((r) => r.classification),
          JSON.stringify(chunk.map((r) => r.data)),
        );
      }
      if (!newTier1.length) return null;
      return enqueueNotifications(
          tx,
          standingPrivilegesFound({
            snapshotId,
            total: newTier1.length,
            firstReport: previous === null,
            found: newTier1.map((r) => ({ principal: r.data.principal, privilege: r.data.privilege, connector: r.connector, holder: r.data.holder?.name ?? null })),
            adminIds: await adminRecipientIds(tx),
          }),
        );
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  phase("write");
  if (queued) kickDelivery(queued);
  return { snapshotId, rows: rows.length, summary, phases };
}
