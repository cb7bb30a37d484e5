import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityActor } from "@/server/actor";
import { systemActor } from "@/server/actor";
import { countLedger, getLedgerEvent, getLedgerTimeline, listLedgerFilterOptions, searchLedger, type LedgerListItem } from "@/server/domain/ledger/queries";
import { appendLedgerEvent } from "@/server/ledger";
import { LEDGER_FORMAT } from "@/server/ledger/hash";
import { insertSyntheticEvents } from "@/server/ledger/testing";
import type { SyntheticEvent, SyntheticPopulation } from "@/scripts/ledger/synthetic";
import { createPerson } from "@/server/test/fixtures";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";
import { createCaller } from "@/server/trpc/root";

let database: TestDatabase;
let auditor: IdentityActor;
let requester: IdentityActor;
let population: SyntheticPopulation;
let lastMonthEvents: SyntheticEvent[];
let allSynthetic: SyntheticEvent[];
const ctx = () => ({ actor: auditor, db: database.prisma });

/** The calendar month before this one, in UTC, as the ledger page's "last month" sends it. */
function lastMonth(now = new Date()) {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return { start, end, from: day(start), to: day(new Date(end.getTime() - 86_400_000)) };
}

const special = "100% sure_about it \\ & | ! ( ) : * — ticket INC-4821";

beforeAll(async () => {
  database = await createTestDatabase();
  auditor = await createPerson(database.prisma, ["AUDITOR"], "Alan Auditor");
  requester = await createPerson(database.prisma, ["REQUESTER"], "Rita Requester");
  const month = lastMonth();
  // Two months ago, last month (the period under audit), and this month: history appends cannot write.
  const before = await insertSyntheticEvents(database.prisma, { count: 150, from: new Date(month.start.getTime() - 20 * 86_400_000), until: month.start, seed: 11 });
  population = before.population;
  const during = await insertSyntheticEvents(database.prisma, { count: 400, from: month.start, until: month.end, seed: 12, population });
  const after = await insertSyntheticEvents(database.prisma, { count: 150, from: month.end, until: new Date(Math.max(month.end.getTime() + 3_600_000, Date.now() - 3_600_000)), seed: 13, population });
  lastMonthEvents = during.events;
  allSynthetic = [...before.events, ...during.events, ...after.events];
  // Events whose text is made of query syntax, NUL and a right-to-left override: it must all be data.
  await database.prisma.$transaction(async (tx) => {
    await appendLedgerEvent(tx, { action: "access/request.created", actor: requester, subject: { type: "request" }, summary: `Rita asked: ${special}`, data: { justification: "Investigate the 2% error rate on orders" } });
    await appendLedgerEvent(tx, { action: "access/request.created", actor: requester, subject: { type: "request" }, summary: "nul \u0000 inside and \u202Egnp.exe rtl", data: {} });
    await appendLedgerEvent(tx, { action: "access/request.created", actor: requester, subject: { type: "request" }, summary: "Approval for the zq cluster", data: { comment: "xyzzy-ticket" } });
  });
});
afterAll(async () => {
  await database.destroy();
});

async function allPages(input: Parameters<typeof searchLedger>[0]): Promise<LedgerListItem[]> {
  const out: LedgerListItem[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await searchLedger({ ...input, cursor }, ctx());
    out.push(...page.events);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

describe("ledger search", () => {
  it("finds every grant of one person to one resource last month", async () => {
    const month = lastMonth();
    const activation = lastMonthEvents.find((e) => e.action === "access/grant.activated")!;
    const holder = population.people.find((p) => activation.summary.includes(`for ${p.name}`))!;
    // The synthetic person's own events are theirs as actor; grants name them in the summary.
    const expected = lastMonthEvents.filter((e) => e.resourceId === activation.resourceId && e.action.startsWith("access/grant.") && e.summary.includes(holder.name));
    const found = await allPages({ from: month.from, to: month.to, resource: activation.resourceId!, action: ["access/grant.*"], q: holder.name, limit: 7 });
    expect(found.map((e) => e.seq)).toEqual(expected.map((e) => e.seq.toString()).reverse());
    expect(found.every((e) => e.occurredAt >= month.start && e.occurredAt < month.end)).toBe(true);
  });

  it("restricts a time range exactly, at day granularity (the end day included)", async () => {
    const month = lastMonth();
    const found = await allPages({ from: month.from, to: month.to, limit: 200 });
    const expected = allSynthetic.filter((e) => e.occurredAt >= month.start && e.occurredAt < month.end);
    expect(found).toHaveLength(expected.length);
    expect(found.at(-1)!.seq).toBe(expected[0]!.seq.toString());
  });

  it("pages through everything with a stable keyset, forwards and backwards, as new events arrive", async () => {
    const first = await searchLedger({ limit: 50 }, ctx());
    const second = await searchLedger({ limit: 50, cursor: first.nextCursor! }, ctx());
    await database.prisma.$transaction((tx) => appendLedgerEvent(tx, { action: "system/demo.seeded", actor: systemActor("test"), subject: { type: "test" }, summary: "arrived while paging" }));
    const third = await searchLedger({ limit: 50, cursor: second.nextCursor! }, ctx());
    expect(BigInt(third.events[0]!.seq)).toBe(BigInt(second.events.at(-1)!.seq) - 1n);
    const back = await searchLedger({ limit: 50, cursor: third.prevCursor! }, ctx());
    expect(back.events.map((e) => e.seq)).toEqual(second.events.map((e) => e.seq));
    const oldestFirst = await searchLedger({ limit: 3, order: "asc" }, ctx());
    expect(oldestFirst.events.map((e) => e.seq)).toEqual(["1", "2", "3"]);
  });

  it("filters by actor, person involved, outcome and action", async () => {
    const someone = population.people.find((p) => allSynthetic.some((e) => e.actorId === p.id))!;
    const byActor = await allPages({ actor: someone.id, limit: 200 });
    expect(byActor.length).toBe(allSynthetic.filter((e) => e.actorId === someone.id).length);
    const byPerson = await allPages({ person: requester.id, limit: 200 });
    expect(byPerson.map((e) => e.summary)).toContain(`Rita asked: ${special}`);
    const denied = await allPages({ outcome: "denied", limit: 200 });
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((e) => e.outcome === "denied")).toBe(true);
    const signIns = await allPages({ action: ["auth/session.signed_in"], limit: 200 });
    expect(signIns.every((e) => e.action === "auth/session.signed_in" && e.actionLabel === "Signed in")).toBe(true);
  });

  it("finds words in justifications, comments and names, including word prefixes", async () => {
    const byJustification = await searchLedger({ q: "error rate orders" }, ctx());
    expect(byJustification.textMode).toBe("words");
    expect(byJustification.events[0]?.summary).toBe(`Rita asked: ${special}`);
    const byComment = await searchLedger({ q: "xyzzy" }, ctx());
    expect(byComment.events.map((e) => e.summary)).toEqual(["Approval for the zq cluster"]);
    const byPrefix = await searchLedger({ q: "Investig" }, ctx());
    expect(byPrefix.events.length).toBeGreaterThan(0);
    const byEmail = await searchLedger({ q: requester.email! }, ctx());
    expect(byEmail.events.length).toBeGreaterThanOrEqual(3);
  });

  it("finds an e-mail address in which a ticket-like reference hides (jane-2024@…)", async () => {
    // The parser keeps the address whole in the search column; the query must not split "jane-2024" out of it.
    const jane = await createPerson(database.prisma, ["REQUESTER"], "Jane Doe");
    await database.prisma.identity.update({ where: { id: jane.id }, data: { email: "jane-2024@corp.example" } });
    await database.prisma.$transaction((tx) =>
      appendLedgerEvent(tx, { action: "access/request.created", actor: { ...jane, email: "jane-2024@corp.example" }, subject: { type: "request" }, summary: "Jane asked for read access" }),
    );
    for (const q of ["jane-2024@corp.example", "Jane jane-2024@corp.example", "JANE-2024@CORP.EXAMPLE"]) {
      expect((await searchLedger({ q }, ctx())).events.map((e) => e.summary), q).toContain("Jane asked for read access");
    }
  });

  it.each(["%", "_", "\\", "&", "|", "!", "(", ")", ":", "*", "% _ \\ & | ! ( ) : *", "\\ & |", "zq", "\u202Egnp", "nul \u0000 inside", ": *"])(
    "treats %j as data: exactly the events that contain it",
    async (q) => {
      const found = await allPages({ q, limit: 200 });
      // Brute force over every event: what a literal substring search must return.
      const stored = q.replaceAll("\u0000", "\uFFFD").toLowerCase();
      const all = await database.prisma.ledgerEvent.findMany({ select: { seq: true, summary: true, actorLabel: true }, orderBy: { seq: "desc" } });
      const expected = all.filter((e) => e.summary.toLowerCase().includes(stored) || e.actorLabel.toLowerCase().includes(stored)).map((e) => e.seq.toString());
      expect(found.map((e) => e.seq)).toEqual(expected);
    },
  );

  it("finds the event written with query syntax in it, whichever way it is searched", async () => {
    for (const q of ["100% sure_about", "ticket INC-4821", "sure about", special]) {
      const page = await searchLedger({ q }, ctx());
      expect(page.events.map((e) => e.summary), q).toContain(`Rita asked: ${special}`);
    }
  });

  it("finds ticket references as one word: a prefix of the number, never another ticket's number", async () => {
    const summaries = ["Deploy the fix from CHG-3012", "SEC-3055 follow-up, see CHG-100", "Rollback CHG-30 (the old one)"];
    await database.prisma.$transaction(async (tx) => {
      for (const summary of summaries) {
        await appendLedgerEvent(tx, { action: "access/request.created", actor: requester, subject: { type: "request" }, summary, data: { ticket: summary.match(/[A-Z]+-\d+/)![0], note: "line\nINC-777" } });
      }
    });
    const { indexLedgerLexemes } = await import("@/server/ledger/lexemes");
    const search = async (q: string) => (await allPages({ q })).map((e) => e.summary).filter((s) => summaries.includes(s) || s.includes("INC-777"));
    // Before and after the lexeme dictionary has read the events: the same results.
    for (const round of ["prefix", "dictionary"]) {
      expect(await search("CHG-30"), round).toEqual([summaries[2], summaries[0]]);
      expect(await search("chg-3012"), round).toEqual([summaries[0]]);
      expect(await search("CHG-301 deploy"), round).toEqual([summaries[0]]);
      expect(await search("SEC-30"), round).toEqual([summaries[1]]);
      // The word alone still finds every ticket of its kind; the JSON escape before INC-777 is not a letter.
      expect(await search("chg"), round).toEqual([...summaries].reverse());
      expect(await search("INC-777"), round).toHaveLength(3);
      await indexLedgerLexemes(database.prisma, { batch: 500 });
    }
  });

  it("finds the same words whether the match is among the nearest events, read on in page order or only far back", async () => {
    const { setWordSearchPhasesForTests } = await import("@/server/domain/ledger/queries");
    const expected = await allPages({ q: "Investig", limit: 7 });
    // The near window alone; then the index beyond it; then a walk on in page order (at the window's
    // density, or for the planner's estimate), whole or partial, with the index after it.
    const phases = [
      { window: 5 },
      { window: 40 },
      { window: 333 },
      { window: 40, densitySample: 1 },
      { window: 120, densitySample: 1 },
      { window: 5, walkAbove: -1 },
      { window: 5, walkAbove: -1, walkSpan: 3 },
      { window: 40, walkAbove: -1, walkSpan: 97 },
    ];
    for (const phase of phases) {
      setWordSearchPhasesForTests(phase);
      try {
        const label = JSON.stringify(phase);
        expect((await allPages({ q: "Investig", limit: 7 })).map((e) => e.seq), label).toEqual(expected.map((e) => e.seq));
        expect((await allPages({ q: "Investig", limit: 7, order: "asc" })).map((e) => e.seq), label).toEqual(expected.map((e) => e.seq).reverse());
        expect(await allPages({ q: "orders xyzzy" }), label).toEqual([]);
      } finally {
        setWordSearchPhasesForTests();
      }
    }
    expect(expected.length).toBeGreaterThan(20);
  });

  it("gives the same pages with prefixes expanded through the lexeme dictionary, and finds what it has not read yet", async () => {
    const { setWordSearchPhasesForTests } = await import("@/server/domain/ledger/queries");
    const { indexLedgerLexemes } = await import("@/server/ledger/lexemes");
    const queries = ["Investig", "error rate ord", "orders xyzzy", "Rita ask"];
    setWordSearchPhasesForTests({ window: 5 });
    try {
      // Before the dictionary has read anything: prefixes go to the index as prefixes.
      const before = await Promise.all(queries.map(async (q) => (await allPages({ q, limit: 7 })).map((e) => e.seq)));
      const indexed = await indexLedgerLexemes(database.prisma, { batch: 97 });
      const [head] = await database.prisma.$queryRaw<{ seq: bigint }[]>`SELECT max(seq) AS seq FROM "LedgerEvent"`;
      expect(indexed.throughSeq).toBe(head!.seq.toString());
      for (const [i, q] of queries.entries()) {
        expect((await allPages({ q, limit: 7 })).map((e) => e.seq), q).toEqual(before[i]);
        expect((await allPages({ q, limit: 7, order: "asc" })).map((e) => e.seq), q).toEqual([...before[i]!].reverse());
      }
      // Written after the dictionary's last read, with a word it has never seen: oldest-first pages reach
      // it in the index phase, which then keeps the prefix.
      await database.prisma.$transaction((tx) =>
        appendLedgerEvent(tx, { action: "system/demo.seeded", actor: systemActor("test"), subject: { type: "test" }, summary: "Investigating a zephyrous outage" }),
      );
      const found = await allPages({ q: "zephyr investig", limit: 7, order: "asc" });
      expect(found.map((e) => e.summary)).toEqual(["Investigating a zephyrous outage"]);
    } finally {
      setWordSearchPhasesForTests();
    }
  });

  it("expands each prefix on its own: one that stands for too many words stays a prefix, the rest become exact words", async () => {
    const { exactTermsQuery, indexLedgerLexemes } = await import("@/server/ledger/lexemes");
    await indexLedgerLexemes(database.prisma, { batch: 1000 });
    const [head] = await database.prisma.$queryRaw<{ seq: bigint }[]>`SELECT max(seq) AS seq FROM "LedgerEvent"`;
    // Dictionary words that no event holds: 65 behind one prefix (one more than an expansion may have), two behind another.
    await database.prisma.$executeRaw`INSERT INTO "LedgerLexeme" (lexeme) SELECT 'qqmany' || g FROM generate_series(1, 65) AS g ON CONFLICT DO NOTHING`;
    await database.prisma.$executeRaw`INSERT INTO "LedgerLexeme" (lexeme) VALUES ('qqfew1'), ('qqfew2') ON CONFLICT DO NOTHING`;
    const terms = [
      { lexeme: "qqmany", prefix: true },
      { lexeme: "qqfew", prefix: true },
      { lexeme: "rita", prefix: false },
      { lexeme: "qqfew", prefix: true },
    ];
    expect(await exactTermsQuery(database.prisma, terms, head!.seq)).toBe("'qqmany':* & ('qqfew' | 'qqfew1' | 'qqfew2') & 'rita' & ('qqfew' | 'qqfew1' | 'qqfew2')");
    // Events the dictionary has not read: no expansion can be trusted.
    expect(await exactTermsQuery(database.prisma, terms, head!.seq + 1n)).toBeNull();
    // Such a query, as the search runs it, finds nothing and fails nothing.
    expect((await searchLedger({ q: "qqmany qqfew" }, ctx())).events).toEqual([]);
  });

  it("matches one or two characters as a substring", async () => {
    const page = await searchLedger({ q: "zq" }, ctx());
    expect(page.textMode).toBe("substring");
    const single = await searchLedger({ q: "%" }, ctx());
    expect(single.events.map((e) => e.summary)).toEqual([`Rita asked: ${special}`]);
  });

  it("refuses a 10,000-character search with a specific message", async () => {
    await expect(searchLedger({ q: "a".repeat(10_000) }, ctx())).rejects.toThrow(/at most 500|limited to 500/);
    const caller = createCaller({ actor: auditor, db: database.prisma });
    await expect(caller.ledger.search({ q: "a".repeat(10_000) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses a forged, tampered or foreign cursor with a validation error", async () => {
    const page = await searchLedger({ limit: 5 }, ctx());
    const cursor = page.nextCursor!;
    const [payload, mac] = cursor.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ v: 1, s: "1", d: "after", f: "x" })).toString("base64url");
    for (const bad of [`${forgedPayload}.${mac}`, `${payload}.${"A".repeat(mac!.length)}`, "garbage", "a.b.c", ""]) {
      if (bad === "") continue;
      await expect(searchLedger({ limit: 5, cursor: bad }, ctx())).rejects.toMatchObject({ code: "VALIDATION" });
    }
    // A real cursor from another search is refused too: it would silently skip or repeat rows.
    await expect(searchLedger({ limit: 5, cursor, outcome: "denied" }, ctx())).rejects.toMatchObject({ code: "VALIDATION" });
    const caller = createCaller({ actor: auditor, db: database.prisma });
    await expect(caller.ledger.search({ cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses limit=1e6 and an inverted time range with specific messages", async () => {
    await expect(searchLedger({ limit: 1e6 }, ctx())).rejects.toThrow(/at most 200/);
    await expect(searchLedger({ from: "2026-05-01", to: "2026-04-01" }, ctx())).rejects.toMatchObject({ code: "VALIDATION", message: expect.stringMatching(/ends before it starts/) });
    await expect(searchLedger({ from: "2026-02-30" }, ctx())).rejects.toThrow(/does not exist|date/);
    await expect(searchLedger({ action: ["nope/nothing.done"] }, ctx())).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("returns an empty page for a range with no events", async () => {
    const page = await searchLedger({ from: "1999-01-01", to: "1999-12-31" }, ctx());
    expect(page).toMatchObject({ events: [], nextCursor: null, prevCursor: null });
  });

  it("is only for auditors and admins", async () => {
    await expect(searchLedger({}, { actor: requester, db: database.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("ledger counts", () => {
  it("counts small results exactly and large ones as estimates", async () => {
    expect(await countLedger({ q: "xyzzy" }, ctx())).toEqual({ count: 1, exact: true });
    const month = lastMonth();
    expect(await countLedger({ from: month.from, to: month.to }, ctx())).toEqual({ count: 400, exact: true });
    const { EXACT_COUNT_LIMIT } = await import("@/server/domain/ledger/queries");
    expect(EXACT_COUNT_LIMIT).toBeGreaterThanOrEqual(1000);
  });
});

describe("event detail and timelines", () => {
  it("shows an event with its hash, its neighbours and whether its links hold", async () => {
    const detail = await getLedgerEvent({ seq: "200" }, ctx());
    expect(detail.event.seq).toBe("200");
    expect(detail.previous?.seq).toBe("199");
    expect(detail.next?.seq).toBe("201");
    expect(detail.integrity).toEqual({ hashMatches: true, linksToPrevious: true, linkedFromNext: true });
    expect(detail.event.format).toBe(LEDGER_FORMAT);
    expect(detail.event.prevHash).toBe(detail.previous?.hash);
    await expect(getLedgerEvent({ seq: "999999" }, ctx())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("tells a grant's story from its request to its end", async () => {
    const activation = allSynthetic.find((e) => e.action === "access/grant.activated" && !e.summary.includes("break-glass"))!;
    const timeline = await getLedgerTimeline({ grantId: activation.grantId! }, ctx());
    const expected = allSynthetic.filter((e) => e.requestId === activation.requestId || e.grantId === activation.grantId);
    expect(timeline.events.map((e) => e.seq)).toEqual(expected.map((e) => e.seq.toString()));
    expect(timeline.events[0]!.action).toBe("access/request.created");
    expect(timeline.header).toMatchObject({ kind: "grant", grantId: activation.grantId, requestId: activation.requestId });
    const byRequest = await getLedgerTimeline({ requestId: activation.requestId! }, ctx());
    expect(byRequest.events.map((e) => e.seq)).toEqual(timeline.events.map((e) => e.seq));
    await expect(getLedgerTimeline({ grantId: "0192f000-0000-7000-8000-00000000dead" }, ctx())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("offers the people, resources, system jobs and grouped actions to filter by", async () => {
    const options = await listLedgerFilterOptions(ctx());
    expect(options.people.map((p) => p.id)).toContain(requester.id);
    expect(options.systemActors).toEqual(expect.arrayContaining(["provisioner", "grant-expiry"]));
    expect(options.actionGroups.find((g) => g.value === "access/grant.*")?.actions.map((a) => a.value)).toContain("access/grant.revoked");
  });
});
