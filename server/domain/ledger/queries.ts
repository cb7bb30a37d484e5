import { assertCan } from "@/server/auth/permissions";
import type { Tx } from "@/server/db";
import type { Ctx } from "@/server/domain/context";
import { decodeCursor, encodeCursor, searchDigest } from "@/server/domain/ledger/cursor";
import { buildLedgerWhere, ParamList } from "@/server/domain/ledger/filters";
import {
  ZLedgerSearchInput,
  type LedgerEventInput,
  type LedgerFilters,
  type LedgerSearchInput,
  type LedgerTimelineInput,
} from "@/server/domain/ledger/schema";
import { DomainError } from "@/server/errors";
import { ledgerActions } from "@/server/ledger/actions";
import { fieldsHash, GENESIS_HASH, toEncodedFields } from "@/server/ledger/hash";
import { exactTermsQuery, type SearchTerm } from "@/server/ledger/lexemes";
import type { JsonValue } from "@/server/ledger/canonical";

/** What a row of the ledger table shows. */
export interface LedgerListItem {
  seq: string;
  id: string;
  occurredAt: Date;
  action: string;
  actionLabel: string;
  outcome: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  subjectType: string;
  subjectId: string | null;
  resourceId: string | null;
  resourceName: string | null;
  requestId: string | null;
  grantId: string | null;
  summary: string;
  hash: string;
}

export interface LedgerPage {
  events: LedgerListItem[];
  /** The page after this one in the chosen order (older, for newest-first), if any. */
  nextCursor: string | null;
  /** The page before this one, if any. */
  prevCursor: string | null;
  textMode: "none" | "words" | "substring";
}

export function actionLabel(action: string): string {
  return (ledgerActions as Record<string, string>)[action] ?? action;
}

const LIST_COLUMNS = `seq, id, "occurredAt", action, outcome, "actorType", "actorId", "actorLabel", "subjectType", "subjectId",
  "resourceId", "requestId", "grantId", summary, hash`;

type ListRow = Omit<LedgerListItem, "seq" | "actionLabel" | "resourceName"> & { seq: bigint; resourceName: string | null };

/**
 * One page of the ledger for a search. Keyset pagination on `seq` (never OFFSET): the cost of a page is
 * the same at any depth, and new events arriving meanwhile never shift the pages being read.
 */
export async function searchLedger(input: LedgerSearchInput, ctx: Ctx): Promise<LedgerPage> {
  assertCan(ctx.actor, "ledger:read");
  const parsed = ZLedgerSearchInput.parse(input);
  const { cursor, limit, order, ...filters } = parsed;
  const digest = searchDigest(filters, order);
  const position = cursor ? decodeCursor(cursor, digest) : null;

  const params = new ParamList();
  const where = await buildLedgerWhere(ctx.db, filters, params);
  if (where.empty) return { events: [], nextCursor: null, prevCursor: null, textMode: where.textMode };

  // "after" walks in the page order; "before" walks backwards from the cursor and is flipped afterwards.
  const forward = position?.direction !== "before";
  const descending = (order === "desc") === forward;
  const conditions = [...where.conditions];
  if (position) conditions.push(`seq ${descending ? "<" : ">"} ${params.add(position.seq.toString())}::bigint`);
  const sql = `SELECT e.*, r.name AS "resourceName"
       FROM (SELECT ${LIST_COLUMNS} FROM "LedgerEvent"
              ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""}
              ORDER BY seq ${descending ? "DESC" : "ASC"} LIMIT ${limit + 1}) AS e
       LEFT JOIN "Resource" r ON r.id = e."resourceId"
      ORDER BY e.seq ${descending ? "DESC" : "ASC"}`;
  const rows =
    where.textMode === "words"
      ? await wordSearch(ctx, { conditions, values: params.values, descending, take: limit + 1, terms: where.terms })
      : await ctx.db.$queryRawUnsafe<ListRow[]>(sql, ...params.values);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (!forward) page.reverse();
  const events = page.map(toListItem);
  const first = page[0];
  const last = page[page.length - 1];
  // Going forward there is a next page when the query found more; a previous one whenever we came from a cursor.
  const hasNext = forward ? more : true;
  const hasPrev = forward ? Boolean(position) : more;
  return {
    events,
    nextCursor: last && hasNext ? encodeCursor(last.seq, "after", digest) : null,
    prevCursor: first && hasPrev ? encodeCursor(first.seq, "before", digest) : null,
    textMode: where.textMode,
  };
}

/** How many events (in page order) a word search tests one by one before it turns to the index. */
let NEAR_WINDOW = 20_000;
/** Beyond the window, a search the planner expects to match more events than this keeps reading in page order… */
let WALK_ABOVE = 20_000;
/**
 * …for eight times as many events as the page needs at the expected frequency of matches, at least
 * WALK_MIN_SPAN (room for a burst of unrelated events) and at most WALK_MAX_SPAN, before the rest is left
 * to the index. Tests fix the span instead.
 */
const WALK_MIN_SPAN = 50_000;
const WALK_MAX_SPAN = 500_000;
let walkSpanForTests: number | null = null;
/**
 * Fetching one match through the index costs about as much as testing twenty events in page order (at 10M
 * events: ~1.3 µs per event walked; 12–35 µs per match fetched for the pairs of common words this is
 * for — GIN's posting lists of both words plus a heap page per match, more when that page is not cached).
 */
const WALK_COST_RATIO = 20;
/** Fewer hits than this in the window say too little about how dense the matches are. */
let DENSITY_SAMPLE = 5;

/** Tests shrink the phases so that every one of them runs on a small ledger; no argument restores them. */
export function setWordSearchPhasesForTests(phases: { window?: number; walkAbove?: number; walkSpan?: number; densitySample?: number } = {}): void {
  NEAR_WINDOW = phases.window ?? 20_000;
  WALK_ABOVE = phases.walkAbove ?? 20_000;
  walkSpanForTests = phases.walkSpan ?? null;
  DENSITY_SAMPLE = phases.densitySample ?? 5;
}

/**
 * Walking on at the density the window showed (`windowHits` matches over `windowSeqs` seqs): the span
 * that should find the `need` matches still missing (twice that, for a density that thins out), or null
 * when the index would fetch all the matches beyond the window more cheaply than the walk would test
 * its events. At 10M events, "Schmidt ingrid" (15 hits in the window, ~10,600 matches in all) took
 * 170–430 ms through the index and ~60 ms walking on.
 */
function densityWalkSpan(need: number, windowHits: number, windowSeqs: bigint, eventsBeyond: bigint): bigint | null {
  if (walkSpanForTests !== null || windowHits < DENSITY_SAMPLE) return null;
  const density = windowHits / Number(windowSeqs);
  const toWalk = need / density;
  if (toWalk >= WALK_COST_RATIO * density * Number(eventsBeyond)) return null;
  return BigInt(Math.round(Math.min(WALK_MAX_SPAN, 2 * toWalk)));
}

/** Walking on because the planner expects many matches beyond a window that had few (a burst). */
function estimateWalkSpan(need: number, eventsBeyond: bigint, expectedMatches: number): bigint {
  if (walkSpanForTests !== null) return BigInt(walkSpanForTests);
  const spacing = Number(eventsBeyond) / Math.max(1, expectedMatches);
  return BigInt(Math.round(Math.min(WALK_MAX_SPAN, Math.max(WALK_MIN_SPAN, 8 * need * spacing))));
}

/**
 * Full-text pages without the planner's blind spot. Left alone, PostgreSQL answers "newest 50 events
 * matching these words" by walking the primary key backwards and testing each event: right for common
 * words, disastrous for rare ones or for words that never occur together ("orders billing" is estimated
 * at thousands of matches and really has none, so it reads the whole table). Driving every search
 * through the GIN index instead costs as much as there are matches, which is too much for common words.
 *
 * So, in page order:
 * 1. test the nearest NEAR_WINDOW events (bounded, and enough for common words);
 * 2. if that did not fill the page, keep testing events in page order, a bounded span further, when
 *    either the window's own hits say the rest is near enough that walking is cheaper than fetching
 *    every match through the index (densityWalkSpan), or the planner expects many matches although
 *    the window had few (a common word behind a burst of unrelated events, e.g. a sweep of ten thousand
 *    revocations: estimateWalkSpan) — fetching a common word's hundreds of thousands of matches
 *    through the index to keep fifty would read most of the table;
 * 3. fetch the remaining matches beyond that through the index alone (bitmap scans only, so the cost
 *    follows the number of matches: few, or an earlier phase would have found them). There, prefixes are
 *    expanded into the exact words they stand for when the lexeme dictionary has read every event this
 *    phase can return (server/ledger/lexemes.ts): a prefix makes GIN materialise every event with any
 *    word of that prefix, exact words do not.
 * Each phase continues exactly where the previous one stopped, so the page is exact either way.
 */
async function wordSearch(
  ctx: Ctx,
  query: { conditions: string[]; values: unknown[]; descending: boolean; take: number; terms: SearchTerm[] },
): Promise<ListRow[]> {
  const { conditions, values, descending, take, terms } = query;
  const text = conditions.filter((c) => c.startsWith("search @@"));
  const others = conditions.filter((c) => !c.startsWith("search @@"));
  const direction = descending ? "DESC" : "ASC";
  const where = (list: string[]) => (list.length ? `WHERE ${list.join(" AND ")}` : "");
  const [near] = await ctx.db.$queryRawUnsafe<{ first: bigint | null; edge: bigint | null; scanned: bigint; hits: bigint[] }[]>(
    `WITH nearest AS (SELECT seq, search FROM "LedgerEvent" ${where(others)} ORDER BY seq ${direction} LIMIT ${NEAR_WINDOW})
     SELECT (SELECT ${descending ? "max" : "min"}(seq) FROM nearest) AS first, (SELECT ${descending ? "min" : "max"}(seq) FROM nearest) AS edge,
            (SELECT count(*) FROM nearest) AS scanned,
            array(SELECT seq FROM nearest WHERE ${text.join(" AND ")} ORDER BY seq ${direction} LIMIT ${take}) AS hits`,
    ...values,
  );
  const hits = (near?.hits ?? []).map((seq) => BigInt(seq));
  if (hits.length >= take || !near || Number(near.scanned) < NEAR_WINDOW || near.edge === null || near.first === null) return fetchListRows(ctx, hits, direction);

  // Every phase reads the events strictly beyond `edge` in page order, and moves it on.
  let edge = BigInt(near.edge);
  const beyondEdge = `seq ${descending ? "<" : ">"} $${values.length + 1}::bigint`;
  const need = take - hits.length;
  const eventsBeyond = descending ? edge : (await headSeq(ctx)) - edge;
  // Densities are per seq, not per event tested: other filters make the walk skip events as the window did.
  const windowSeqs = (descending ? BigInt(near.first) - edge : edge - BigInt(near.first)) + 1n;
  let span = densityWalkSpan(need, hits.length, windowSeqs, eventsBeyond);
  if (span === null) {
    const expected = await estimateRows(ctx, [...conditions, beyondEdge], [...values, String(edge)]);
    span = expected > WALK_ABOVE ? estimateWalkSpan(need, eventsBeyond, expected) : null;
  }
  if (span !== null) {
    const bound = descending ? edge - span : edge + span;
    const walked = await ctx.db.$transaction(async (tx) => {
      await setLocal(tx, { enable_bitmapscan: "off", jit: "off" });
      return tx.$queryRawUnsafe<{ seq: bigint }[]>(
        `SELECT seq FROM "LedgerEvent" WHERE ${[...conditions, beyondEdge, `seq ${descending ? ">=" : "<="} $${values.length + 2}::bigint`].join(" AND ")}
          ORDER BY seq ${direction} LIMIT ${take - hits.length}`,
        ...values,
        String(edge),
        String(bound),
      );
    });
    hits.push(...walked.map((row) => BigInt(row.seq)));
    if (hits.length >= take) return fetchListRows(ctx, hits, direction);
    edge = bound; // the walk read everything up to the bound, itself included
    if (descending && edge <= 1n) return fetchListRows(ctx, hits, direction); // it reached the first event
  }

  // The highest seq the index phase can return: below the edge, or the head going up.
  const exact = await exactTermsQuery(ctx.db, terms, descending ? edge - 1n : await headSeq(ctx));
  // The same condition, its tsquery parameter swapped for the exact one.
  const textParam = Number(/^search @@ \$(\d+)/.exec(text[0] ?? "")?.[1] ?? 0) - 1;
  const indexValues = exact && textParam >= 0 ? values.map((value, i) => (i === textParam ? exact : value)) : values;
  const indexed = await ctx.db.$transaction(async (tx) => {
    // Bitmap scans only; no JIT (a large estimate would buy a compilation that costs more than the query);
    // room for an exact bitmap of every match (a lossy one would re-test whole pages of events).
    await setLocal(tx, { enable_indexscan: "off", enable_seqscan: "off", jit: "off", work_mem: "64MB" });
    return tx.$queryRawUnsafe<{ seq: bigint }[]>(
      `SELECT seq FROM "LedgerEvent" WHERE ${[...conditions, beyondEdge].join(" AND ")} ORDER BY seq ${direction} LIMIT ${take - hits.length}`,
      ...indexValues,
      String(edge),
    );
  });
  hits.push(...indexed.map((row) => BigInt(row.seq)));
  return fetchListRows(ctx, hits, direction);
}

/** Planner settings for the rest of this transaction (SET LOCAL), all in one round trip. */
async function setLocal(tx: Tx, settings: Record<string, string>): Promise<void> {
  const names = Object.keys(settings);
  await tx.$queryRawUnsafe(
    `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`,
    ...names.flatMap((name) => [name, settings[name]]),
  );
}

/** The list rows of these events, in page order. */
async function fetchListRows(ctx: Ctx, seqs: bigint[], direction: "ASC" | "DESC"): Promise<ListRow[]> {
  if (seqs.length === 0) return [];
  return ctx.db.$queryRawUnsafe<ListRow[]>(
    `SELECT e.*, r.name AS "resourceName"
       FROM (SELECT ${LIST_COLUMNS} FROM "LedgerEvent" WHERE seq = ANY($1::bigint[])) AS e
       LEFT JOIN "Resource" r ON r.id = e."resourceId"
      ORDER BY e.seq ${direction}`,
    seqs.map((seq) => seq.toString()),
  );
}

async function headSeq(ctx: Ctx): Promise<bigint> {
  const [head] = await ctx.db.$queryRaw<{ seq: bigint | null }[]>`SELECT max(seq) AS seq FROM "LedgerEvent"`;
  return head?.seq ?? 0n;
}

/** PostgreSQL's estimate of how many events match (from ANALYZE's statistics: no rows are read). */
async function estimateRows(ctx: Ctx, conditions: string[], values: unknown[]): Promise<number> {
  const [plan] = await ctx.db.$queryRawUnsafe<{ "QUERY PLAN": unknown }[]>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM "LedgerEvent" ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""}`,
    ...values,
  );
  return planRows(plan?.["QUERY PLAN"]);
}

function toListItem(row: ListRow): LedgerListItem {
  return { ...row, seq: row.seq.toString(), actionLabel: actionLabel(row.action), resourceName: row.resourceName ?? null };
}

/** Counts up to this many exactly; above it, the planner's estimate ("about 1.2M"). */
export const EXACT_COUNT_LIMIT = 10_000;

export interface LedgerCount {
  count: number;
  exact: boolean;
}

/**
 * How many events match. Counting millions of rows exactly would take seconds, so the count stops at
 * EXACT_COUNT_LIMIT + 1 (and after two seconds at most); past that, PostgreSQL's own row estimate for
 * the same conditions is shown, marked as an estimate.
 */
export async function countLedger(filters: LedgerFilters, ctx: Ctx): Promise<LedgerCount> {
  assertCan(ctx.actor, "ledger:read");
  const params = new ParamList();
  const where = await buildLedgerWhere(ctx.db, filters, params);
  if (where.empty) return { count: 0, exact: true };
  const whereSql = where.conditions.length ? `WHERE ${where.conditions.join(" AND ")}` : "";
  let capped: number | null = null;
  try {
    capped = await ctx.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = '2s'`);
      const [row] = await tx.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM "LedgerEvent" ${whereSql} LIMIT ${EXACT_COUNT_LIMIT + 1}) AS capped`,
        ...params.values,
      );
      return Number(row?.n ?? 0);
    });
  } catch {
    capped = null; // timed out: fall back to the estimate
  }
  if (capped !== null && capped <= EXACT_COUNT_LIMIT) return { count: capped, exact: true };
  const estimate = await estimateRows(ctx, where.conditions, params.values);
  return { count: Math.max(estimate, capped ?? EXACT_COUNT_LIMIT + 1), exact: false };
}

function planRows(plan: unknown): number {
  const document = typeof plan === "string" ? (JSON.parse(plan) as unknown) : plan;
  const top = Array.isArray(document) ? (document[0] as { Plan?: { "Plan Rows"?: number } } | undefined) : undefined;
  return Math.round(top?.Plan?.["Plan Rows"] ?? 0);
}

export interface LedgerEventDetail {
  /** `format`: the encoding its hash is over (docs/ledger.md, "Event format"). */
  event: LedgerListItem & { data: JsonValue; prevHash: string; format: number };
  /** The hash recomputed from the stored content, and whether it links to its neighbour. */
  integrity: { hashMatches: boolean; linksToPrevious: boolean; linkedFromNext: boolean | null };
  previous: LedgerListItem | null;
  next: LedgerListItem | null;
  /** The first checkpoint after the event: it vouches for it. */
  coveredBy: { seq: string; occurredAt: Date } | null;
}

/** One event with its hash, its neighbours in the chain, and whether its own link holds. */
export async function getLedgerEvent(input: LedgerEventInput, ctx: Ctx): Promise<LedgerEventDetail> {
  assertCan(ctx.actor, "ledger:read");
  const seq = BigInt(input.seq);
  const rows = await ctx.db.$queryRawUnsafe<(ListRow & { data: JsonValue; prevHash: string; format: number })[]>(
    `SELECT e.*, r.name AS "resourceName"
       FROM (SELECT ${LIST_COLUMNS}, data, "prevHash", format FROM "LedgerEvent" WHERE seq BETWEEN $1::bigint - 1 AND $1::bigint + 1) AS e
       LEFT JOIN "Resource" r ON r.id = e."resourceId" ORDER BY e.seq`,
    seq.toString(),
  );
  const current = rows.find((row) => row.seq === seq);
  if (!current) throw new DomainError("NOT_FOUND", `There is no ledger event #${seq}.`);
  const previous = rows.find((row) => row.seq === seq - 1n) ?? null;
  const next = rows.find((row) => row.seq === seq + 1n) ?? null;
  const [checkpoint] = await ctx.db.$queryRawUnsafe<{ seq: bigint; occurredAt: Date }[]>(
    `SELECT seq, "occurredAt" FROM "LedgerEvent" WHERE action = 'ledger/checkpoint.signed' AND seq > $1::bigint ORDER BY seq LIMIT 1`,
    seq.toString(),
  );
  // Null for a format that does not exist (a tampered row): it then simply does not match.
  const recomputed = fieldsHash(toEncodedFields(current));
  return {
    event: { ...toListItem(current), data: current.data, prevHash: current.prevHash, format: current.format },
    integrity: {
      hashMatches: recomputed === current.hash,
      linksToPrevious: current.prevHash === (previous?.hash ?? (seq === 1n ? GENESIS_HASH : null)),
      linkedFromNext: next ? next.prevHash === current.hash : null,
    },
    previous: previous ? toListItem(previous) : null,
    next: next ? toListItem(next) : null,
    coveredBy: checkpoint ? { seq: checkpoint.seq.toString(), occurredAt: checkpoint.occurredAt } : null,
  };
}

export interface TimelineHeader {
  kind: "grant" | "request";
  id: string;
  requestId: string | null;
  grantId: string | null;
  requester: string | null;
  resource: string | null;
  accessLevel: string | null;
  justification: string | null;
  ticketRef: string | null;
  status: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  revokedAt: Date | null;
  breakGlass: boolean;
  approvers: { name: string; decision: string; comment: string | null; at: Date }[];
}

/**
 * Everything the ledger recorded about one grant or one request, start to end: the request's events
 * and its grant's (a grant's timeline starts at the request that led to it).
 */
export async function getLedgerTimeline(input: LedgerTimelineInput, ctx: Ctx): Promise<{ header: TimelineHeader; events: LedgerListItem[] }> {
  assertCan(ctx.actor, "ledger:read");
  let requestId: string | null = "requestId" in input ? input.requestId : null;
  let grantId: string | null = "grantId" in input ? input.grantId : null;
  if (grantId && !requestId) {
    const grant = await ctx.db.grant.findUnique({ where: { id: grantId }, select: { requestId: true } });
    requestId = grant?.requestId ?? (await firstLinked(ctx, "grantId", grantId, "requestId"));
  } else if (requestId && !grantId) {
    const grant = await ctx.db.grant.findUnique({ where: { requestId }, select: { id: true } });
    grantId = grant?.id ?? (await firstLinked(ctx, "requestId", requestId, "grantId"));
  }
  const conditions: string[] = [];
  const params = new ParamList();
  if (requestId) conditions.push(`"requestId" = ${params.add(requestId)}::uuid`);
  if (grantId) conditions.push(`"grantId" = ${params.add(grantId)}::uuid`);
  const rows = await ctx.db.$queryRawUnsafe<ListRow[]>(
    `SELECT e.*, r.name AS "resourceName"
       FROM (SELECT ${LIST_COLUMNS} FROM "LedgerEvent" WHERE ${conditions.join(" OR ")} ORDER BY seq LIMIT 1000) AS e
       LEFT JOIN "Resource" r ON r.id = e."resourceId" ORDER BY e.seq`,
    ...params.values,
  );
  const events = rows.map(toListItem);
  if (events.length === 0) {
    throw new DomainError("NOT_FOUND", `The ledger has no events for this ${"grantId" in input ? "grant" : "request"}.`);
  }
  return { header: await timelineHeader(ctx, "grantId" in input ? "grant" : "request", requestId, grantId, events), events };
}

async function firstLinked(ctx: Ctx, by: "grantId" | "requestId", id: string, want: "grantId" | "requestId"): Promise<string | null> {
  const [row] = await ctx.db.$queryRawUnsafe<{ id: string | null }[]>(
    `SELECT "${want}"::text AS id FROM "LedgerEvent" WHERE "${by}" = $1::uuid AND "${want}" IS NOT NULL ORDER BY seq LIMIT 1`,
    id,
  );
  return row?.id ?? null;
}

async function timelineHeader(
  ctx: Ctx,
  kind: "grant" | "request",
  requestId: string | null,
  grantId: string | null,
  events: LedgerListItem[],
): Promise<TimelineHeader> {
  const [request, grant] = await Promise.all([
    requestId
      ? ctx.db.accessRequest.findUnique({
          where: { id: requestId },
          select: {
            justification: true,
            ticketRef: true,
            status: true,
            requester: { select: { name: true } },
            resource: { select: { name: true } },
            accessLevel: { select: { name: true } },
            decisions: { select: { decision: true, comment: true, createdAt: true, approver: { select: { name: true } } }, orderBy: { createdAt: "asc" } },
          },
        })
      : null,
    grantId
      ? ctx.db.grant.findUnique({ where: { id: grantId }, select: { status: true, startsAt: true, endsAt: true, revokedAt: true, breakGlass: true } })
      : null,
  ]);
  const first = events[0]!;
  return {
    kind,
    id: (kind === "grant" ? grantId : requestId) ?? "",
    requestId,
    grantId,
    requester: request?.requester.name ?? null,
    resource: request?.resource.name ?? first.resourceName,
    accessLevel: request?.accessLevel.name ?? null,
    justification: request?.justification ?? null,
    ticketRef: request?.ticketRef ?? null,
    status: grant?.status ?? request?.status ?? null,
    startsAt: grant?.startsAt ?? null,
    endsAt: grant?.endsAt ?? null,
    revokedAt: grant?.revokedAt ?? null,
    breakGlass: grant?.breakGlass ?? events.some((e) => e.action.startsWith("access/break_glass")),
    approvers: (request?.decisions ?? []).map((d) => ({ name: d.approver.name, decision: d.decision, comment: d.comment, at: d.createdAt })),
  };
}

/** The newest ledger events (kept for the portal's other pages; the ledger page uses searchLedger). */
export async function listRecentLedgerEvents(ctx: Ctx, limit = 50) {
  assertCan(ctx.actor, "ledger:read");
  const page = await searchLedger({ limit }, ctx);
  const total = await countLedger({}, ctx);
  return { events: page.events, total: total.count, exact: total.exact };
}

export interface ActionGroup {
  label: string;
  /** `area/noun.*`: every action of the group. */
  value: string;
  actions: { value: string; label: string }[];
}

const GROUP_LABELS: Record<string, string> = {
  "auth/session": "Sign-ins",
  "identity/identity": "Identities",
  "identity/roles": "Roles",
  "identity/token": "API tokens",
  "catalog/resource": "Resources",
  "catalog/connector": "Connectors",
  "policy/policy": "Policies",
  "access/request": "Requests",
  "access/decision": "Decisions",
  "access/grant": "Grants",
  "access/break_glass": "Break-glass",
  "ledger/checkpoint": "Checkpoints",
  "ledger/chain": "Verification",
  "ledger/export": "Exports",
  "ledger/evidence_pack": "Evidence packs",
  "reports/privilege": "Standing privileges",
  "system/demo": "System",
};

/** The action catalog grouped by `area/noun`, for the action filter. */
export function ledgerActionGroups(): ActionGroup[] {
  const groups = new Map<string, ActionGroup>();
  for (const [action, label] of Object.entries(ledgerActions)) {
    const prefix = action.slice(0, action.indexOf("."));
    const group = groups.get(prefix) ?? { label: GROUP_LABELS[prefix] ?? prefix, value: `${prefix}.*`, actions: [] };
    group.actions.push({ value: action, label });
    groups.set(prefix, group);
  }
  return [...groups.values()];
}

let systemActorsCache: { at: number; ids: string[] } | undefined;

/**
 * What the filters offer: people and machines, resources, the system jobs that appear as actors, and
 * the action catalog. System actors are found by skipping through the (actorId, seq) index one distinct
 * actor at a time (a loose index scan), cached for five minutes.
 */
export async function listLedgerFilterOptions(ctx: Ctx) {
  assertCan(ctx.actor, "ledger:read");
  if (!systemActorsCache || Date.now() - systemActorsCache.at > 5 * 60_000) {
    const rows = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
      `WITH RECURSIVE actors AS (
         (SELECT "actorId", "actorType" FROM "LedgerEvent" WHERE "actorId" IS NOT NULL ORDER BY "actorId" LIMIT 1)
         UNION ALL
         SELECT next."actorId", next."actorType" FROM actors,
           LATERAL (SELECT "actorId", "actorType" FROM "LedgerEvent" WHERE "actorId" > actors."actorId" ORDER BY "actorId" LIMIT 1) AS next
       )
       SELECT "actorId" AS id FROM actors WHERE "actorType" = 'system' ORDER BY 1`,
    );
    systemActorsCache = { at: Date.now(), ids: rows.map((row) => row.id) };
  }
  const [people, resources] = await Promise.all([
    ctx.db.identity.findMany({ select: { id: true, name: true, email: true, kind: true }, orderBy: [{ kind: "asc" }, { name: "asc" }], take: 2_000 }),
    ctx.db.resource.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" }, take: 2_000 }),
  ]);
  return { people, resources, systemActors: systemActorsCache.ids, actionGroups: ledgerActionGroups() };
}
