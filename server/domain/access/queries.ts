import { dbNow } from "@/server/db/clock";
import type { PersonCtx } from "@/server/domain/context";

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

/** My requests and grants, newest first. */
export async function listMyAccess(ctx: PersonCtx) {
  const me = ctx.actor.id;
  const [requests, grants, serverNow] = await Promise.all([
    ctx.db.accessRequest.findMany({
      where: { requesterId: me },
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
      orderBy: { createdAt: "desc" },
      take: 50,
    }),
    ctx.db.grant.findMany({
      where: { identityId: me },
      select: {
        id: true,
        status: true,
        startsAt: true,
        endsAt: true,
        revokedAt: true,
        revocationReason: true,
        breakGlass: true,
        resource: { select: { name: true, tier: true } },
        accessLevel: { select: { name: true } },
      },
      orderBy: { startsAt: "desc" },
      take: 50,
    }),
    dbNow(ctx.db),
  ]);
  return { requests, grants, serverNow };
}

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
