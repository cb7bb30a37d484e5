import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { rolesAllow } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { escapeLike, sanitizeSearchText } from "@/server/db/like";
import { toActor } from "@/server/domain/identities/queries";
import { targetLoginFor } from "@/server/domain/connectors/instance";
import type { StoredDecision } from "@/server/domain/requests/records";
import { createCaller } from "@/server/trpc/root";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;
let people: Record<string, IdentityActor>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  const identities = await database.prisma.identity.findMany({ where: { kind: "HUMAN" } });
  people = Object.fromEntries(identities.map((i) => [i.name, toActor(i)]));
  await fillInboxes();
}, 120_000);
afterAll(async () => {
  await database.destroy();
});

function as(name: string) {
  const actor = people[name];
  if (!actor) throw new Error(`no person ${name}`);
  return createCaller({ actor, db: database.prisma });
}

/** Enough for every approver to have a page in several states; more only slows the suite. */
const MAX_REQUESTS = 70;
const TRICKY_JUSTIFICATION = "Refund 100% of order_42 \\ check C:\\temp and the _underscore_ path";

/**
 * Requests from every requester for every access that needs approval, then some decided part-way (one
 * approval of two), some approved, denied or cancelled (handled by someone else), so that every approver
 * has requests in several states and stages.
 */
async function fillInboxes() {
  const db = database.prisma;
  const requesters = Object.values(people).filter((p) => rolesAllow(p.roles, "access:request"));
  const resources = await db.resource.findMany({ where: { requestable: true, archivedAt: null }, include: { accessLevels: true }, orderBy: { slug: "asc" } });
  let n = 0;
  for (const resource of resources) {
    for (const level of resource.accessLevels) {
      for (const requester of requesters) {
        if (++n > MAX_REQUESTS) return;
        const created = await createCaller({ actor: requester, db })
          .requests.create({
            resourceId: resource.id,
            accessLevelId: level.id,
            durationMinutes: 30,
            justification: n % 5 === 0 ? TRICKY_JUSTIFICATION : `Inbox test ${n}: investigate the ${resource.name} backlog`,
            ticketRef: `INC-${1000 + n}`,
          })
          .catch(() => null);
        if (created?.status !== "PENDING") continue;
        const routed = await db.requestApprover.findMany({ where: { requestId: created.id, stage: 0 }, include: { identity: true }, orderBy: { identityId: "asc" } });
        const approver = routed[0] && toActor(routed[0].identity);
        if (!approver) continue;
        const decider = createCaller({ actor: approver, db });
        if (n % 4 === 1) await decider.requests.decide({ requestId: created.id, decision: "APPROVE", comment: "fine by me" });
        else if (n % 7 === 2) await decider.requests.decide({ requestId: created.id, decision: "DENY", comment: "not this week" });
        else if (n % 9 === 3) await createCaller({ actor: requester, db }).requests.cancel({ requestId: created.id });
      }
    }
  }
}

/** The search and tier filters as the ORM writes them (text escaped: `contains` would pass wildcards through). */
function ormRequestFilter(filters: { q?: string; tier?: number }) {
  const q = filters.q === undefined ? "" : escapeLike(sanitizeSearchText(filters.q));
  const search = q
    ? {
        OR: [
          { requester: { name: { contains: q, mode: "insensitive" as const } } },
          { resource: { name: { contains: q, mode: "insensitive" as const } } },
          { justification: { contains: q, mode: "insensitive" as const } },
          { ticketRef: { contains: q, mode: "insensitive" as const } },
        ],
      }
    : {};
  return { ...search, ...(filters.tier ? { resource: { tier: filters.tier } } : {}) };
}

/** My decisions read with the ORM: the history tab's oracle. */
async function expectedDecisions(db: Db, me: string, filters: { q?: string; tier?: number }) {
  const decisions = await db.approvalDecision.findMany({
    where: { approverId: me, request: ormRequestFilter(filters) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 100,
    include: {
      request: {
        select: { id: true, status: true, durationMinutes: true, justification: true, requester: { select: { name: true } }, resource: { select: { name: true, tier: true } }, accessLevel: { select: { name: true } } },
      },
    },
  });
  return decisions.map((d) => ({ id: d.id, decision: d.decision, comment: d.comment, at: d.createdAt, request: d.request }));
}

/**
 * The inbox read the long way with the ORM (as it was before it became one statement): the oracle. It
 * reads every candidate, keeps the current stage, sorts and cuts the page in code.
 */
async function expectedInbox(db: Db, me: string, filters: { q?: string; tier?: number }) {
  const now = new Date();
  const rows = await db.accessRequest.findMany({
    where: { status: "PENDING", requesterId: { not: me }, approvers: { some: { identityId: me } }, decisions: { none: { approverId: me } }, ...ormRequestFilter(filters) },
    include: {
      requester: {
        include: {
          memberships: { where: { group: { kind: "TEAM" } }, include: { group: true } },
          onCallShifts: { where: { startsAt: { lte: now }, endsAt: { gt: now } }, include: { group: true } },
        },
      },
      resource: true,
      accessLevel: true,
      extendsGrant: { select: { targetLogin: true } },
      approvers: { where: { identityId: me } },
      decisions: { include: { approver: true }, orderBy: { createdAt: "asc" } },
    },
  });
  const mine = rows.filter((r) => r.approvers.some((a) => a.stage === r.currentStage));
  mine.sort(
    (a, b) =>
      (a.slaDueAt?.getTime() ?? Infinity) - (b.slaDueAt?.getTime() ?? Infinity) ||
      b.riskScore - a.riskScore ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const pending = [];
  for (const r of mine.slice(0, 100)) {
    const decision = r.decision as unknown as StoredDecision;
    const grants = await db.grant.findMany({ where: { identityId: r.requesterId, resourceId: r.resourceId }, select: { startsAt: true } });
    const firstName = (names: string[]) => names.sort()[0] ?? null;
    pending.push({
      id: r.id,
      kind: r.kind,
      createdAt: r.createdAt,
      slaDueAt: r.slaDueAt,
      expiresAt: r.expiresAt,
      durationMinutes: r.durationMinutes,
      startsAt: r.startsAt,
      justification: r.justification,
      ticketRef: r.ticketRef,
      riskScore: r.riskScore,
      riskReasons: decision.risk.reasons,
      reasons: decision.reasons,
      stage: decision.stages[r.currentStage]?.name ?? null,
      required: decision.stages[r.currentStage]?.required ?? 1,
      approvalsSoFar: r.decisions.filter((d) => d.decision === "APPROVE").map((d) => d.approver.name),
      requester: {
        name: r.requester.name,
        title: r.requester.title,
        kind: r.requester.kind,
        roles: r.requester.roles,
        team: firstName(r.requester.memberships.map((m) => m.group.name)),
        onCall: firstName(r.requester.onCallShifts.map((s) => s.group.name)),
      },
      resource: { id: r.resource.id, name: r.resource.name, tier: r.resource.tier },
      accessLevel: {
        id: r.accessLevel.id,
        name: r.accessLevel.name,
        mode: r.accessLevel.mode,
        login: r.accessLevel.mode === "ROLE_ELEVATION" ? (r.extendsGrant?.targetLogin ?? targetLoginFor(r.requester)) : null,
      },
      history: { grants: grants.length, lastGrantAt: grants.length ? new Date(Math.max(...grants.map((g) => g.startsAt.getTime()))) : null },
    });
  }
  const handled = await db.accessRequest.findMany({
    where: {
      status: { not: "PENDING" },
      requesterId: { not: me },
      approvers: { some: { identityId: me } },
      decisions: { none: { approverId: me } },
      decidedAt: { gte: new Date(Date.now() - 24 * 3600_000) },
    },
    orderBy: [{ decidedAt: "desc" }, { id: "asc" }],
    take: 20,
    include: { requester: true, resource: true, accessLevel: true, decisions: { include: { approver: true }, orderBy: { createdAt: "desc" }, take: 1 } },
  });
  return {
    pending,
    handled: handled.map((r) => ({
      id: r.id,
      status: r.status,
      decidedAt: r.decidedAt,
      requester: r.requester.name,
      resource: r.resource.name,
      accessLevel: r.accessLevel.name,
      decidedBy: r.status === "EXPIRED" ? null : (r.decisions[0]?.approver.name ?? (r.status === "CANCELLED" ? r.requester.name : null)),
    })),
    history: [],
  };
}

function approverNames() {
  return Object.values(people)
    .filter((p) => rolesAllow(p.roles, "requests:decide"))
    .map((p) => p.name)
    .sort();
}

describe("the approver's inbox", () => {
  it("holds, for every approver, exactly what the ORM finds: current stage only, not mine, not decided by me, most urgent first, with context", async () => {
    let pendingSeen = 0;
    let handledSeen = 0;
    for (const name of approverNames()) {
      const me = people[name]!.id;
      const got = await as(name).requests.inbox({ tab: "pending" });
      expect(got, name).toEqual(await expectedInbox(database.prisma, me, {}));
      pendingSeen += got.pending.length;
      handledSeen += got.handled.length;
      for (const row of got.pending) expect(row.requester.name).not.toBe(name);
    }
    // The fixture must exercise the queries: requests waiting, part-approved ones, handled by others, decided by me.
    const decided = await Promise.all(approverNames().map((name) => as(name).requests.inbox({ tab: "history" })));
    expect(decided.flatMap((tab) => tab.history).length).toBeGreaterThan(5);
    expect(pendingSeen).toBeGreaterThan(20);
    expect(handledSeen).toBeGreaterThan(3);
    const allPending = (await Promise.all(approverNames().map((name) => as(name).requests.inbox({ tab: "pending" })))).flatMap((inbox) => inbox.pending);
    expect(allPending.filter((r) => r.approvalsSoFar.length > 0).length).toBeGreaterThan(0);
    for (const r of allPending) expect(r.accessLevel.login === null).toBe(r.accessLevel.mode !== "ROLE_ELEVATION");
  });

  it("names the account a role elevation elevates: the requester's own, the one an admin gave them once set", async () => {
    const db = database.prisma;
    const level = await db.accessLevel.findFirstOrThrow({ where: { mode: "ROLE_ELEVATION", resource: { requestable: true, archivedAt: null } } });
    const requester = Object.values(people).find((p) => rolesAllow(p.roles, "access:request") && !rolesAllow(p.roles, "requests:decide"))!;
    const created = await createCaller({ actor: requester, db }).requests.create({
      resourceId: level.resourceId, accessLevelId: level.id, durationMinutes: 30, justification: "Refund a customer twice charged", ticketRef: "INC-77",
    });
    expect(created.status).toBe("PENDING");
    const approver = await db.requestApprover.findFirstOrThrow({ where: { requestId: created.id }, include: { identity: true } });
    const row = async () => (await as(approver.identity.name).requests.inbox({ tab: "pending" })).pending.find((r) => r.id === created.id);
    expect((await row())?.accessLevel).toMatchObject({ mode: "ROLE_ELEVATION", login: targetLoginFor(await db.identity.findUniqueOrThrow({ where: { id: requester.id } })) });
    await db.identity.update({ where: { id: requester.id }, data: { targetLogin: "given_login" } });
    try {
      expect((await row())?.accessLevel.login).toBe("given_login");
      // The request's own page says the same to the approver and to the requester.
      for (const viewer of [approver.identity.name, requester.name]) {
        expect((await as(viewer).requests.get({ requestId: created.id })).accessLevel).toMatchObject({ mode: "ROLE_ELEVATION", login: "given_login" });
      }
      expect(await as(approver.identity.name).requests.inbox({ tab: "pending" })).toEqual(await expectedInbox(db, approver.identityId, {}));
    } finally {
      await db.identity.update({ where: { id: requester.id }, data: { targetLogin: null } });
      await createCaller({ actor: requester, db }).requests.cancel({ requestId: created.id });
    }
  });

  it("filters both tabs by text (as data: % _ \\ and NUL are literal) and by tier, as the ORM does", async () => {
    const queries = ["%", "_", "\\", "100%", "order_42", "C:\\temp", "inc-10", "BACKLOG", "warehouse", "\u0000", "a\u0000b", "   ", "Kenji", "zzz-no-match"];
    for (const name of approverNames()) {
      const me = people[name]!.id;
      for (const q of queries) {
        const got = await as(name).requests.inbox({ tab: "pending", q });
        const want = await expectedInbox(database.prisma, me, { q });
        expect(got.pending.map((r) => r.id), `${name} q=${JSON.stringify(q)}`).toEqual(want.pending.map((r) => r.id));
      }
      for (const q of [undefined, "%", "inc-10", "BACKLOG", "\u0000"]) {
        const got = await as(name).requests.inbox({ tab: "history", q });
        expect(got.history, `${name} history q=${JSON.stringify(q)}`).toEqual(await expectedDecisions(database.prisma, me, { q }));
      }
      for (const tier of [1, 2, 3]) {
        expect((await as(name).requests.inbox({ tab: "history", tier })).history).toEqual(await expectedDecisions(database.prisma, me, { tier }));
        const got = await as(name).requests.inbox({ tab: "pending", tier });
        expect(got.pending.map((r) => r.id), `${name} tier=${tier}`).toEqual((await expectedInbox(database.prisma, me, { tier })).pending.map((r) => r.id));
        for (const row of got.pending) expect(row.resource.tier).toBe(tier);
      }
    }
    // "%" is a character, not "anything": only the justifications that hold one match it, in both tabs.
    for (const name of approverNames()) {
      const pending = (await as(name).requests.inbox({ tab: "pending", q: "%" })).pending;
      for (const row of pending) expect(row.justification).toBe(TRICKY_JUSTIFICATION);
      const history = (await as(name).requests.inbox({ tab: "history", q: "%" })).history;
      for (const row of history) expect(row.request.justification).toBe(TRICKY_JUSTIFICATION);
      const all = (await as(name).requests.inbox({ tab: "history" })).history;
      expect(history.length).toBe(all.filter((row) => row.request.justification === TRICKY_JUSTIFICATION).length);
    }
  });

  it("drops a request from my page once I decide it, and never shows a later stage I am not in", async () => {
    const pages = await Promise.all(approverNames().map(async (name) => ({ name, page: await as(name).requests.inbox({ tab: "pending" }) })));
    const { name, page: before } = pages.sort((a, b) => b.page.pending.length - a.page.pending.length)[0]!;
    const first = before.pending[0];
    if (!first) throw new Error("nobody has anything pending in the fixture");
    await as(name).requests.decide({ requestId: first.id, decision: "APPROVE", comment: "ok" });
    const after = await as(name).requests.inbox({ tab: "pending" });
    expect(after.pending.map((r) => r.id)).not.toContain(first.id);
    const stages = await database.prisma.requestApprover.findMany({ where: { identityId: people[name]!.id } });
    for (const row of after.pending) {
      const request = await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: row.id } });
      expect(stages.some((s) => s.requestId === row.id && s.stage === request.currentStage)).toBe(true);
    }
  });
});
