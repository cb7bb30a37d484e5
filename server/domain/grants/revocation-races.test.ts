import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { seedDemo } from "@/prisma/seed";
import { ephemeralPrincipalName } from "@/server/connectors/identifiers";
import { decryptSecret } from "@/server/crypto";
import { dbNow } from "@/server/db/clock";
import { closeConnectors, grantSpecFor, grantSpecsByIds } from "@/server/domain/connectors/instance";
import { expireGrantIfDue } from "@/server/domain/grants/expiry";
import { releaseGrant } from "@/server/domain/grants/mutations";
import { reapplyGrant } from "@/server/domain/grants/reconcile";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import {
  auditRevoked,
  canInsertAs,
  canLogIn,
  createFaultWorld,
  createGrants,
  provisionAll,
  randomBetween,
  sleep,
  sleepUntilEnded,
  type FaultWorld,
} from "@/server/domain/grants/testing";
import { toActor } from "@/server/domain/identities/queries";
import { setIdentityStatus } from "@/server/domain/identities/mutations";
import { decideRequest } from "@/server/domain/requests/mutations";
import { requestExtension } from "@/server/domain/requests/special";
import { isDomainError } from "@/server/errors";
import type { JobStep } from "@/server/jobs/define";
import { grantExpiryTimer } from "@/server/jobs/functions/grant-expiry-timer";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "@/server/test/database";

/**
 * Races between the things that end or prolong a grant, overlapping grants (union semantics), and a
 * server clock that disagrees with the database's. Real PostgreSQL target, randomized grants.
 */

let database: TestDatabase;
let world: FaultWorld;

beforeAll(async () => {
  database = await createTestDatabase();
  // The tier policies (tier 3: reads are approved automatically, extensions too).
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  world = await createFaultWorld(database.prisma, { people: 4, tier: 3 });
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await closeConnectors();
  await world?.close();
  await database?.destroy();
});

const ctxOf = (identityId: string) => ({ actor: world.people.find((p) => p.id === identityId)!, db: database.prisma });

/** Runs the sweeper until nothing is left in REVOKING. */
async function settle() {
  for (let i = 0; i < 100; i++) {
    await revokeDueGrants(database.prisma);
    if ((await database.prisma.grant.count({ where: { status: "REVOKING" } })) === 0) return;
    await sleep(200);
  }
  throw new Error("revocations did not settle");
}

describe("extension, early release and expiry racing each other", () => {
  it("every grant ends either extended with its access, or revoked once without it — never in between", async () => {
    const ids = await createGrants(database.prisma, world, Array.from({ length: 30 }, (_, i) => ({ level: "read" as const, person: i % 4, endsInMs: randomBetween(8_000, 10_000) })));
    await provisionAll(database.prisma, ids);
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, endsAt: true, identityId: true } });
    const originalEnd = new Map(grants.map((g) => [g.id, g.endsAt.getTime()]));
    const now = (await dbNow(database.prisma)).getTime();
    const extended = new Set<string>();
    const tally = { extend: 0, release: 0, sweep: 0, timer: 0, reapply: 0 };

    const expected = (error: unknown) => isDomainError(error) && ["INVALID_TRANSITION", "CONFLICT"].includes(error.code);
    const actions = grants.flatMap((g) => {
      const at = g.endsAt.getTime() - now;
      const chosen = (["extend", "release", "sweep", "timer", "reapply"] as const).filter(() => Math.random() < 0.5);
      return chosen.map(async (kind) => {
        await sleep(Math.max(0, at + randomBetween(-500, 500)));
        tally[kind] += 1;
        try {
          if (kind === "extend") {
            const result = await requestExtension({ grantId: g.id, additionalMinutes: randomBetween(1, 5), justification: "Still working on it, need more time" }, ctxOf(g.identityId));
            if (result.status === "APPROVED") extended.add(g.id);
          } else if (kind === "release") {
            await releaseGrant({ grantId: g.id }, ctxOf(g.identityId));
          } else if (kind === "sweep") {
            await revokeDueGrants(database.prisma);
          } else if (kind === "timer") {
            await expireGrantIfDue(database.prisma, g.id);
          } else {
            await reapplyGrant(database.prisma, g.id);
          }
        } catch (error) {
          if (!expected(error)) throw error;
        }
      });
    });
    await Promise.all(actions);
    // Every original end has passed (a grant may have drawn no action at all; extended ones end later).
    await sleep(Math.max(0, Math.max(...originalEnd.values()) - (await dbNow(database.prisma)).getTime()) + 100);
    await settle();
    // The extension events are delivered now (the target's VALID UNTIL moves with them).
    for (const id of extended) await reapplyGrant(database.prisma, id);

    const after = await grantSpecsByIds(database.prisma, ids);
    const revokedEvents = await database.prisma.ledgerEvent.groupBy({ by: ["grantId"], where: { grantId: { in: ids }, action: "access/grant.revoked" }, _count: { _all: true } });
    const revokedCount = new Map(revokedEvents.map((e) => [e.grantId, e._count._all]));
    for (const grant of after) {
      expect(["ACTIVE", "REVOKED"]).toContain(grant.status);
      if (grant.status === "ACTIVE") {
        // Extended before anything ended it: the new end, the access, and no revocation.
        expect(extended.has(grant.id)).toBe(true);
        expect(grant.endsAt.getTime()).toBeGreaterThan(originalEnd.get(grant.id)!);
        expect(revokedCount.get(grant.id) ?? 0).toBe(0);
        expect((await world.direct.verify(grantSpecFor(grant))).present).toBe(true);
      }
    }
    const revoked = after.filter((g) => g.status === "REVOKED").map((g) => g.id);
    const audit = await auditRevoked(database.prisma, world, revoked);
    expect(audit).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });

    // The survivors are released: everything ends, once.
    for (const grant of after.filter((g) => g.status === "ACTIVE")) await releaseGrant({ grantId: grant.id }, ctxOf(grant.identity.id));
    await settle();
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    expect(tally.extend + tally.release).toBeGreaterThan(0);
  });
});

describe("overlapping grants are a union", () => {
  it("role elevation: while any of a person's grants is active they keep the access and their session; the last one's end takes both", async () => {
    // Three people with 2–4 overlapping grants each on the same access.
    const plans = [0, 1, 2].flatMap((person) => Array.from({ length: randomBetween(2, 4) }, () => ({ level: "elevate" as const, person, endsInMs: randomBetween(7_000, 14_000) })));
    const ids = await createGrants(database.prisma, world, plans);
    await provisionAll(database.prisma, ids);
    const sessions = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const login = world.people[i]!.login;
        const client = new pg.Client({ host: world.server.host, port: world.server.port, user: login, password: login, database: world.database });
        client.on("error", () => undefined);
        await client.connect();
        await client.query("INSERT INTO items (name) VALUES ('live')");
        return { person: world.people[i]!, client, cut: false };
      }),
    );
    const alive = async (client: pg.Client) => client.query("SELECT 1").then(() => true, () => false);

    for (;;) {
      await revokeDueGrants(database.prisma);
      const now = (await dbNow(database.prisma)).getTime();
      const rows = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { identityId: true, status: true, endsAt: true } });
      for (const session of sessions) {
        const own = rows.filter((r) => r.identityId === session.person.id);
        // Safely inside a window (not about to end): the access and the session must be there.
        if (own.some((r) => r.status === "ACTIVE" && r.endsAt.getTime() > now + 1_500)) {
          expect(await canInsertAs(world, session.person.login)).toBe(true);
          expect(await alive(session.client)).toBe(true);
        }
        if (own.every((r) => r.status === "REVOKED")) {
          expect(await canInsertAs(world, session.person.login)).toBe(false);
          expect(await alive(session.client)).toBe(false);
          session.cut = true;
        }
      }
      if (sessions.every((s) => s.cut)) break;
      await sleep(300);
    }
    for (const s of sessions) await s.client.end().catch(() => undefined);
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
  });

  it("a fresh ephemeral grant for the same person and access while an old one expires: the old login goes, the new one's session stays", async () => {
    const [old, fresh] = await createGrants(database.prisma, world, [
      { level: "write", person: 3, endsInMs: 6_000 },
      { level: "write", person: 3, endsInMs: 120_000 },
    ]);
    await provisionAll(database.prisma, [old!, fresh!]);
    const credential = (id: string) => database.prisma.grant.findUniqueOrThrow({ where: { id } }).then((g) => JSON.parse(decryptSecret(g.credentialCiphertext!, g.id)) as { username: string; password: string });
    const freshLogin = await credential(fresh!);
    const client = new pg.Client({ host: world.server.host, port: world.server.port, user: freshLogin.username, password: freshLogin.password, database: world.database });
    client.on("error", () => undefined);
    await client.connect();
    await sleepUntilEnded(database.prisma, [old!]);
    await revokeDueGrants(database.prisma);
    expect(await auditRevoked(database.prisma, world, [old!])).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    expect(await canLogIn(world, ephemeralPrincipalName(old!), "x")).toBe(false);
    await client.query("INSERT INTO items (name) VALUES ('still here')");
    expect(await canLogIn(world, freshLogin.username, freshLogin.password)).toBe(true);

    await releaseGrant({ grantId: fresh! }, ctxOf(world.people[3]!.id));
    await settle();
    await expect(client.query("SELECT 1")).rejects.toThrow();
    await client.end().catch(() => undefined);
    expect(await auditRevoked(database.prisma, world, [old!, fresh!])).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
  });
});

describe("a server clock that disagrees with the database", () => {
  it("a timer learns how long is left from the database, and sleeps at most a week per round", async () => {
    const [soon, far] = await createGrants(database.prisma, world, [
      { level: "read", person: 0, endsInMs: 5_000 },
      { level: "read", person: 0, endsInMs: 30 * 24 * 3600_000 },
    ]);
    const near = await expireGrantIfDue(database.prisma, soon!);
    expect(near.done).toBe(false);
    expect(near.wakeInMs).toBeGreaterThan(3_000);
    expect(near.wakeInMs).toBeLessThanOrEqual(5_000);
    expect(await expireGrantIfDue(database.prisma, far!)).toEqual({ done: false, wakeInMs: 7 * 24 * 3600_000 });
    await database.prisma.grant.updateMany({ where: { id: { in: [soon!, far!] } }, data: { status: "REVOKED" } });
  });

  /** The local runner's step: sleeps by this process's (skewed) clock. */
  const localStep: JobStep = {
    run: (_id, fn) => fn(),
    sleepUntil: (_id, time) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time.getTime() - Date.now()))),
  };

  // The embedded database (PGlite) runs inside this process and reads this process's clock, so there the
  // two clocks cannot disagree; the skew is only real against a PostgreSQL server.
  it.skipIf(testDatabaseKind === "embedded").each([
    ["an hour fast", 3_600_000],
    ["an hour slow", -3_600_000],
  ])("running %s: the timers alone revoke every grant at its end, never before, without spinning", async (_label, skewMs) => {
    const ids = await createGrants(database.prisma, world, Array.from({ length: 16 }, (_, i) => ({ level: (["read", "write", "elevate"] as const)[i % 3]!, person: i % 3, endsInMs: randomBetween(12_000, 15_000) })));
    await provisionAll(database.prisma, ids);
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, endsAt: true } });

    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true, now: Date.now() + skewMs });
    // The events carry the end as the database wrote it; the timers must not trust this process's clock.
    const timers = grants.map((g) => grantExpiryTimer.run({ step: localStep, event: { name: "access/grant.activated", data: { grantId: g.id, endsAt: g.endsAt.toISOString() } }, runner: "local" }));
    // A sweep before the ends (by the database clock) must not revoke anything either.
    await sleep(1_000);
    expect(await revokeDueGrants(database.prisma)).toEqual([]);
    const outputs = (await Promise.all(timers)) as { rounds: number }[];
    vi.useRealTimers();

    expect(Math.max(...outputs.map((o) => o.rounds))).toBeLessThanOrEqual(3);
    const events = await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.revoked" }, select: { data: true } });
    for (const event of events) {
      const lagMs = (event.data as { lagMs: number }).lagMs;
      expect(lagMs).toBeGreaterThanOrEqual(0);
      expect(lagMs).toBeLessThan(3_000);
    }
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
  });
});

describe("disabling a person", () => {
  it("revokes every live grant in its target at once, cancels pending requests, and refuses a later approval", async () => {
    const person = world.people[3]!;
    const adminIdentity = await database.prisma.identity.create({ data: { kind: "HUMAN", name: "Ada Admin", email: `ada-${world.suffix}@test.example`, roles: ["ADMIN", "APPROVER"] } });
    const admin = { actor: toActor(adminIdentity), db: database.prisma };
    const ids = await createGrants(database.prisma, world, [
      { level: "write", person: 3, endsInMs: 600_000 },
      { level: "elevate", person: 3, endsInMs: 600_000 },
    ]);
    await provisionAll(database.prisma, ids);
    expect(await canInsertAs(world, person.login)).toBe(true);
    const pending = await database.prisma.accessRequest.create({
      data: { requesterId: person.id, resourceId: world.resourceId, accessLevelId: world.levels.read, justification: "waiting for review", startsAt: new Date(), durationMinutes: 30, decision: {} },
    });

    await setIdentityStatus({ identityId: person.id, status: "DISABLED", reason: "left the company" }, admin);
    // Both end in the disabling transaction; the revoker (woken at once, the sweeper as backstop) removes them.
    expect(await database.prisma.grant.count({ where: { id: { in: ids }, status: { in: ["REVOKING", "REVOKED"] }, revocationReason: "IDENTITY_DISABLED" } })).toBe(2);
    expect((await database.prisma.accessRequest.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe("CANCELLED");
    await settle();
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    expect(await canInsertAs(world, person.login)).toBe(false);
    await expect(decideRequest({ requestId: pending.id, decision: "APPROVE", comment: "ok" }, admin)).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    const summaries = (await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.revoke_requested" } })).map((e) => e.summary);
    expect(summaries).toHaveLength(2);
    for (const summary of summaries) expect(summary).toContain("was disabled (left the company)");
  });
});
