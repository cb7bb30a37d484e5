import { assertCan, can } from "@/server/auth/permissions";
import type { DbOrTx } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { planAccessLevel, planRemoval } from "@/server/domain/discovery/conversion";
import { connectorOwnLogin } from "@/server/domain/discovery/holders";
import { REPORT_PAGE_SIZE, ZStandingFilters, ZStandingListInput, type StandingFilters, type StandingListInput } from "@/server/domain/reports/schema";
import { recommend } from "@/server/domain/reports/recommend";
import type { StandingRowData, StandingSummary, StoredStandingRow } from "@/server/domain/reports/types";
import { DomainError } from "@/server/errors";

/**
 * Reading standing-privilege snapshots: the page (filters, search, paging), the CSV export and the
 * snapshot history. A snapshot is a record of one build and is never edited; what happened since (a row
 * marked baseline, converted, gone) is shown beside it, read live for the rows on screen.
 */

export interface SnapshotMeta {
  id: string;
  createdAt: Date;
  summary: StandingSummary;
}

export async function findSnapshot(db: DbOrTx, id?: string): Promise<SnapshotMeta | null> {
  const row = id
    ? await db.reportSnapshot.findFirst({ where: { id, kind: "STANDING_PRIVILEGES" }, select: { id: true, createdAt: true, summary: true } })
    : await db.reportSnapshot.findFirst({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "desc" }, select: { id: true, createdAt: true, summary: true } });
  return row ? { id: row.id, createdAt: row.createdAt, summary: row.summary as unknown as StandingSummary } : null;
}

interface RawRow {
  key: string;
  classification: "STANDING" | "BASELINE";
  riskRank: number;
  data: StoredStandingRow;
}

/** A stored row with what was left out of storage: its key and class, the connector's name, the reason. */
export function hydrateRow(row: RawRow, summary: StandingSummary): StandingRowData & { riskRank: number } {
  const d = row.data;
  const connector = summary.connectors.find((c) => c.id === d.connectorId);
  const baseline = d.baseline ?? null;
  const { reason } = recommend({
    classification: row.classification,
    tier: d.tier,
    power: d.power,
    privilegeKind: d.privilegeKind,
    idle: { daysIdle: d.daysIdle ?? null, watchedDays: d.watchedDays },
    holder: d.holder ?? null,
    connectorOwn: d.connectorOwn === true,
    baseline: baseline ? { ...baseline, reviewAt: new Date(baseline.reviewAt) } : null,
  });
  return {
    key: row.key,
    riskRank: row.riskRank,
    connectorId: d.connectorId,
    connector: connector?.name ?? "a removed connector",
    connectorKind: connector?.kind ?? "WEBHOOK",
    principal: d.principal,
    privilege: d.privilege,
    privilegeKind: d.privilegeKind,
    holder: d.holder ?? null,
    resource: d.resource ?? null,
    tier: d.tier,
    power: d.power,
    lastUsedAt: d.lastUsedAt ?? null,
    daysIdle: d.daysIdle ?? null,
    watchedDays: d.watchedDays,
    uses30d: d.uses30d,
    firstSeenAt: d.firstSeenAt,
    classification: row.classification,
    baseline,
    note: d.note ?? null,
    recommendation: d.recommendation,
    // The stored recommendation is the snapshot's; the words are written now from the same facts.
    reason,
    risk: d.risk,
    isNew: d.isNew,
  };
}

/** SQL conditions on "ReportRow" for the filters; every value is a bind parameter. */
export function standingWhere(snapshotId: string, filters: StandingFilters, summary: StandingSummary): { sql: string; params: unknown[] } {
  const params: unknown[] = [snapshotId];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = [`"snapshotId" = $1::uuid`];
  if (filters.recommendation === "action") conditions.push(`"data"->>'recommendation' IN ('remove', 'review')`);
  else if (filters.recommendation) conditions.push(`"data"->>'recommendation' = ${add(filters.recommendation)}`);
  if (filters.tier) conditions.push(`("data"->>'tier')::int = ${add(filters.tier)}::int`);
  if (filters.connector) conditions.push(`"data"->>'connectorId' = ${add(filters.connector)}`);
  if (filters.holder === "unmapped") conditions.push(`"data"->'holder' IS NULL`);
  else if (filters.holder) conditions.push(`"data"->'holder'->>'kind' = ${add(filters.holder)}`);
  if (filters.status) conditions.push(`"classification" = ${add(filters.status)}::"PrivilegeClass"`);
  if (filters.new) conditions.push(`("data"->>'isNew')::boolean`);
  const q = filters.q?.trim();
  if (q) {
    // A literal substring: %, _ and \ typed by the user are data.
    const pattern = add(`%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    // Connector names live in the summary: a match on a name is a match on its connector's rows.
    const connectors = summary.connectors.filter((c) => c.name.toLowerCase().includes(q.toLowerCase())).map((c) => c.id);
    const byConnector = connectors.length ? ` OR "data"->>'connectorId' = ANY(${add(connectors)}::text[])` : "";
    conditions.push(
      `(lower("data"->>'principal') LIKE ${pattern} OR lower("data"->>'privilege') LIKE ${pattern}
        OR lower(COALESCE("data"->'holder'->>'name', '')) LIKE ${pattern} OR lower(COALESCE("data"->'resource'->>'name', '')) LIKE ${pattern}${byConnector})`,
    );
  }
  return { sql: conditions.join(" AND "), params };
}

export interface RowState {
  /** What happened since the snapshot: converted (gone after a conversion), gone, or baselined (until). */
  since: "converted" | "gone" | "baselined" | null;
  baselineUntil: string | null;
  removal: { ok: true; action: string } | { ok: false; why: string };
  level: { ok: true; name: string; mode: string } | { ok: false; why: string };
}

export interface StandingListRow extends StandingRowData {
  riskRank: number;
  state: RowState;
}

async function liveState(db: DbOrTx, rows: readonly StandingRowData[]): Promise<Map<string, RowState>> {
  if (!rows.length) return new Map();
  const keys = rows.map((r) => r.key);
  const [privileges, connectors, converted] = await Promise.all([
    db.discoveredPrivilege.findMany({ where: { id: { in: keys } }, select: { id: true, goneAt: true, classification: true, connectorId: true, principal: true, privilege: true, holderKind: true } }),
    db.connector.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.connectorId))] } }, select: { id: true, kind: true, settings: true } }),
    db.ledgerEvent.findMany({ where: { action: "reports/privilege.converted", outcome: "success", subjectId: { in: keys } }, select: { subjectId: true } }),
  ]);
  const baselines = await db.baselineDeclaration.findMany({
    where: { OR: privileges.map((p) => ({ connectorId: p.connectorId, principal: p.principal, privilege: p.privilege })) },
    select: { connectorId: true, principal: true, privilege: true, reviewAt: true },
  });
  const byId = new Map(privileges.map((p) => [p.id, p]));
  const connectorById = new Map(connectors.map((c) => [c.id, c]));
  const convertedIds = new Set(converted.map((c) => c.subjectId));
  const baselineOf = new Map(baselines.map((b) => [`${b.connectorId}\u0000${b.principal}\u0000${b.privilege}`, b.reviewAt]));
  const now = Date.now();
  return new Map(
    rows.map((row) => {
      const current = byId.get(row.key);
      const connector = connectorById.get(row.connectorId);
      const reviewAt = baselineOf.get(`${row.connectorId}\u0000${row.principal}\u0000${row.privilege}`);
      const activeBaseline = reviewAt && reviewAt.getTime() > now ? reviewAt : null;
      const since: RowState["since"] = current?.goneAt ? (convertedIds.has(row.key) ? "converted" : "gone") : activeBaseline && row.classification !== "BASELINE" ? "baselined" : null;
      const ref = { principal: row.principal, privilege: row.privilege, privilegeKind: row.privilegeKind };
      const removal = connector ? planRemoval(connector.kind, ref, connectorOwnLogin(connector.kind, connector.settings)) : { ok: false as const, why: "The connector was removed." };
      const plan = connector ? planAccessLevel(connector.kind, ref, current?.holderKind ?? null) : { ok: false as const, why: "The connector was removed." };
      return [
        row.key,
        {
          since,
          baselineUntil: activeBaseline?.toISOString() ?? null,
          removal,
          level: plan.ok ? { ok: true as const, name: plan.name, mode: plan.mode } : { ok: false as const, why: plan.why },
        },
      ];
    }),
  );
}

export async function listStandingPrivileges(raw: StandingListInput, ctx: Ctx) {
  assertCan(ctx.actor, "reports:read");
  const input = ZStandingListInput.parse(raw);
  const snapshot = await findSnapshot(ctx.db, input.snapshot);
  if (!snapshot) {
    if (input.snapshot) throw new DomainError("NOT_FOUND", "No such report.");
    return { snapshot: null, rows: [] as StandingListRow[], total: 0, page: 1, pages: 0, pageSize: REPORT_PAGE_SIZE, canManage: can(ctx.actor, "reports:manage") };
  }
  const { sql, params } = standingWhere(snapshot.id, input, snapshot.summary);
  const offset = (input.page - 1) * REPORT_PAGE_SIZE;
  const [found, counted] = await Promise.all([
    ctx.db.$queryRawUnsafe<RawRow[]>(
      `SELECT "key", "classification"::text AS "classification", "riskRank", "data" FROM "ReportRow" WHERE ${sql} ORDER BY "riskRank" LIMIT ${REPORT_PAGE_SIZE} OFFSET ${offset}`,
      ...params,
    ),
    ctx.db.$queryRawUnsafe<{ total: number }[]>(`SELECT count(*)::int AS total FROM "ReportRow" WHERE ${sql}`, ...params),
  ]);
  const total = counted[0]?.total ?? 0;
  const rows = found.map((r) => hydrateRow(r, snapshot.summary));
  const states = await liveState(ctx.db, rows);
  return {
    snapshot,
    rows: rows.map((r): StandingListRow => ({ ...r, state: states.get(r.key) as RowState })),
    total,
    page: input.page,
    pages: Math.ceil(total / REPORT_PAGE_SIZE),
    pageSize: REPORT_PAGE_SIZE,
    canManage: can(ctx.actor, "reports:manage"),
  };
}

/** Every row matching the filters, riskiest first, in pages (keyset on riskRank): the CSV export. */
export async function* iterateStandingRows(raw: StandingFilters, ctx: Ctx, snapshot: SnapshotMeta): AsyncGenerator<StandingRowData & { riskRank: number }> {
  assertCan(ctx.actor, "reports:read");
  const filters = ZStandingFilters.parse(raw);
  const { sql, params } = standingWhere(snapshot.id, filters, snapshot.summary);
  let after = 0;
  for (;;) {
    const page = await ctx.db.$queryRawUnsafe<RawRow[]>(
      `SELECT "key", "classification"::text AS "classification", "riskRank", "data" FROM "ReportRow" WHERE ${sql} AND "riskRank" > ${after} ORDER BY "riskRank" LIMIT 2000`,
      ...params,
    );
    for (const row of page) yield hydrateRow(row, snapshot.summary);
    if (page.length < 2000) return;
    after = page[page.length - 1]?.riskRank ?? after;
  }
}

/** Snapshots for the history picker and the trend chart, newest first. */
export async function listStandingSnapshots(ctx: Ctx, limit = 52) {
  assertCan(ctx.actor, "reports:read");
  const rows = await ctx.db.reportSnapshot.findMany({
    where: { kind: "STANDING_PRIVILEGES" },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { id: true, createdAt: true, summary: true },
  });
  return rows.map((r) => ({ id: r.id, createdAt: r.createdAt, summary: r.summary as unknown as StandingSummary }));
}

/** The latest snapshot's id and time: what the page polls while a refresh runs. */
export async function latestStandingSnapshot(ctx: Ctx) {
  assertCan(ctx.actor, "reports:read");
  const row = await ctx.db.reportSnapshot.findFirst({ where: { kind: "STANDING_PRIVILEGES" }, orderBy: { createdAt: "desc" }, select: { id: true, createdAt: true } });
  return row ?? null;
}
