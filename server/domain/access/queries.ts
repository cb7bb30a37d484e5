import { dbNow } from "@/server/db/clock";
import { accessCursorOf, parseAccessCursor, type MyAccessInput } from "@/server/domain/access/schema";
import type { PersonCtx } from "@/server/domain/context";
import { HELD_GRANT_STATUSES } from "@/server/domain/lifecycle/transitions";

/** The home page's figures for the signed-in person. */
export async function getMyOverview(ctx: PersonCtx) {
  const me = ctx.actor.id;
  const [activeGrants, pendingRequests, inbox] = await Promise.all([
    ctx.db.grant.count({ where: { identityId: me, status: { in: ["ACTIVE", "SCHEDULED", "PROVISIONING"] } } }),
    ctx.db.accessRequest.count({ where: { requesterId: me, status: "PENDING" } }),
    ctx.db.requestApprover.count({ where: { identityId: me, request: { status: "PENDING", requesterId: { not: me } } } }),
  ]);
  return { activeGrants, pendingRequests, inbox };
}

/** Rows per page of "My access" lists (requests, past grants). */
export const MY_ACCESS_PAGE = 25;

/** Newest first by a time and then id: rows strictly after the cursor's row in that order. */
function olderThan(field: "createdAt" | "startsAt", cursor: string | undefined) {
  if (!cursor) return {};
  const { at, id } = parseAccessCursor(cursor);
  return { OR: [{ [field]: { lt: at } }, { [field]: at, id: { lt: id } }] };
}

/** The page's rows and, when there are more, the cursor of the next page. */
function paged<T extends { id: string }>(rows: T[], at: (row: T) => Date) {
  const items = rows.slice(0, MY_ACCESS_PAGE);
  const last = items.at(-1);
  return { items, next: rows.length > MY_ACCESS_PAGE && last ? accessCursorOf(at(last), last.id) : null };
}

const grantFields = {
  id: true,
  status: true,
  startsAt: true,
  endsAt: true,
  revokedAt: true,
  revocationReason: true,
  breakGlass: true,
  resource: { select: { name: true, tier: true } },
  accessLevel: { select: { name: true } },
} as const;

/** Every grant of mine that the target holds now or will (however long ago it started), soonest end first. */
export function listMyHeldGrants(ctx: PersonCtx) {
  return ctx.db.grant.findMany({
    where: { identityId: ctx.actor.id, status: { in: [...HELD_GRANT_STATUSES] } },
    select: grantFields,
    orderBy: [{ endsAt: "asc" }, { id: "asc" }],
  });
}

/** My grants that are over (revoked, released, expired, failed), a page at a time, newest start first. */
export async function listMyPastGrants(after: string | undefined, ctx: PersonCtx) {
  const rows = await ctx.db.grant.findMany({
    where: { identityId: ctx.actor.id, status: { notIn: [...HELD_GRANT_STATUSES] }, ...olderThan("startsAt", after) },
    select: grantFields,
    orderBy: [{ startsAt: "desc" }, { id: "desc" }],
    take: MY_ACCESS_PAGE + 1,
  });
  return paged(rows, (g) => g.startsAt);
}

/** My requests, a page at a time, newest first. */
export async function listMyRequests(after: string | undefined, ctx: PersonCtx) {
  const rows = await ctx.db.accessRequest.findMany({
    where: { requesterId: ctx.actor.id, ...olderThan("createdAt", after) },
    select: {
      id: true,
      kind: true,
      status: true,
      durationMinutes: true,
      startsAt: true,
      createdAt: true,
      justification: true,
      resource: { select: { name: true, tier: true } },
      accessLevel: { select: { name: true } },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MY_ACCESS_PAGE + 1,
  });
  return paged(rows, (r) => r.createdAt);
}

/** The "My access" page: what I hold now, and a page each of my requests and past grants. */
export async function listMyAccess(input: MyAccessInput, ctx: PersonCtx) {
  const [requests, heldGrants, pastGrants, serverNow] = await Promise.all([
    listMyRequests(input.requestsAfter, ctx),
    listMyHeldGrants(ctx),
    listMyPastGrants(input.pastGrantsAfter, ctx),
    dbNow(ctx.db),
  ]);
  return { requests, heldGrants, pastGrants, serverNow };
}

export type MyGrant = Awaited<ReturnType<typeof listMyHeldGrants>>[number];

/** Pending requests routed to me (never my own), oldest SLA first. */
export async function listMyInbox(ctx: PersonCtx) {
  const me = ctx.actor.id;
  return ctx.db.accessRequest.findMany({
    where: { status: "PENDING", requesterId: { not: me }, approvers: { some: { identityId: me } } },
    select: {
      id: true,
      kind: true,
      durationMinutes: true,
      justification: true,
      riskScore: true,
      slaDueAt: true,
      createdAt: true,
      requester: { select: { name: true } },
      resource: { select: { name: true, tier: true } },
      accessLevel: { select: { name: true } },
    },
    orderBy: [{ slaDueAt: "asc" }, { createdAt: "asc" }],
    take: 50,
  });
}
