import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { decryptSecret } from "@/server/crypto";
import { closeConnectors, connectorFromRow, grantSpecFor, grantSpecsByIds } from "@/server/domain/connectors/instance";
import { claimDueProvisions, claimDueRevocations, markExpiredGrants } from "@/server/domain/grants/claims";
import { releaseGrant } from "@/server/domain/grants/mutations";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import {
  auditRevoked,
  canLogIn,
  createFaultWorld,
  createGrants,
  provisionAll,
  randomBetween,
  sleep,
  sleepUntilEnded,
  waitFor,
  type FaultWorld,
  type GrantPlan,
} from "@/server/domain/grants/testing";
import { startPasswordCheckedPostgres } from "@/server/connectors/testing";
import { resetEnvForTests } from "@/server/env";
import type { JobStep } from "@/server/jobs/define";
import { grantExpiryTimer } from "@/server/jobs/functions/grant-expiry-timer";
import { provisionGrants } from "@/server/jobs/functions/provision-grants";
import { reapplyExtendedGrant } from "@/server/jobs/functions/reapply-extended-grant";
import { revokeExpiredGrants } from "@/server/jobs/functions/revoke-expired-grants";
import { setLocalRunner, startLocalRunner, type LocalRunner } from "@/server/jobs/local-runner";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * Revocation under process and job-engine failures, against the real PostgreSQL server as the target.
 * Every scenario runs over many randomized grants and ends with the same audit: zero grants whose access
 * is still in the target (verify, catalog, real login), exactly one `access/grant.revoked` per grant.
 */

let database: TestDatabase;
let world: FaultWorld;
let runner: LocalRunner | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  world = await createFaultWorld(database.prisma, { people: 4 });
});

afterEach(() => {
  runner?.stop();
  runner = undefined;
  setLocalRunner(undefined);
  process.env.KEYCARD_SCHEDULER = "off";
  resetEnvForTests();
});

afterAll(async () => {
  await closeConnectors();
  await world?.close();
  await database?.destroy();
});

const levels = ["read", "write", "elevate"] as const;

function randomPlans(count: number, endsInMs: [number, number]): GrantPlan[] {
  return Array.from({ length: count }, () => ({
    level: levels[randomBetween(0, levels.length - 1)]!,
    person: randomBetween(0, world.people.length - 1),
    endsInMs: randomBetween(endsInMs[0], endsInMs[1]),
  }));
}

async function expectNothingMissed(ids: string[]) {
  const audit = await auditRevoked(database.prisma, world, ids);
  expect(audit.notRevoked).toEqual([]);
  expect(audit.eventCounts).toEqual({});
  expect(audit.missed).toEqual([]);
}

async function untilRevoked(ids: string[], timeoutMs: number) {
  await waitFor(async () => (await database.prisma.grant.count({ where: { id: { in: ids }, status: "REVOKED" } })) === ids.length, timeoutMs, "every grant to be revoked");
}

/** Lag of each grant: its end to its revoked event, by the database clock. */
async function lagsMs(ids: string[]): Promise<number[]> {
  const events = await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.revoked" }, select: { grantId: true, occurredAt: true } });
  const grants = new Map((await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, endsAt: true } })).map((g) => [g.id, g.endsAt]));
  return events.map((e) => e.occurredAt.getTime() - grants.get(e.grantId ?? "")!.getTime());
}

/** The sweeper's lag bound: two of its 2 s intervals plus the work of a sweep on a busy machine. */
const SWEEP_LAG_BOUND_MS = 6_000;

/** A step whose sleeps never wake: the process running the timer died while it slept. */
const dyingStep: JobStep = { run: (_id, fn) => fn(), sleepUntil: () => new Promise<void>(() => undefined) };

describe("a worker that dies mid-revocation", () => {
  it("after the target call succeeded but before the result was recorded: the lease lets the next worker finish, once", async () => {
    const ids = await createGrants(database.prisma, world, randomPlans(30, [6_000, 7_500]));
    await provisionAll(database.prisma, ids);
    await sleepUntilEnded(database.prisma, ids);

    // The dying worker: marks and claims with a short lease, revokes half of them in the target, then
    // "crashes" — nothing is recorded.
    await markExpiredGrants(database.prisma, ids);
    const claimed = await claimDueRevocations(database.prisma, ids.length, { ids, leaseMs: 60_000 });
    expect(claimed.sort()).toEqual([...ids].sort());
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: world.connectorId } });
    const grants = await grantSpecsByIds(database.prisma, ids);
    const removedByTheDead = new Set(grants.filter(() => Math.random() < 0.5).map((g) => g.id));
    for (const grant of grants) if (removedByTheDead.has(grant.id)) await connectorFromRow(row).revoke(grantSpecFor(grant));

    // While the lease holds, another worker leaves them alone.
    expect(await revokeDueGrants(database.prisma)).toEqual([]);
    // The lease runs out (a minute later; moved here rather than waited for, so a slow machine cannot
    // let it lapse before the check above).
    await database.prisma.$executeRaw`UPDATE "Grant" SET "nextAttemptAt" = "nextAttemptAt" - interval '61 seconds' WHERE id = ANY(${ids}::uuid[])`;
    const results = await revokeDueGrants(database.prisma);
    expect(results.filter((r) => r.status === "revoked")).toHaveLength(ids.length);

    await expectNothingMissed(ids);
    // The ledger tells the truth about who removed what: the target was already clean for those.
    const events = await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.revoked" }, select: { grantId: true, data: true } });
    for (const event of events) expect((event.data as { removed: boolean }).removed).toBe(!removedByTheDead.has(event.grantId!));
    // A late repeat of the dead worker's sweep changes nothing.
    expect(await revokeDueGrants(database.prisma)).toEqual([]);
    await expectNothingMissed(ids);
  });

  it("a provisioner that dies after creating the login: the next one issues a fresh credential, and the grant still ends", async () => {
    const ids = await createGrants(database.prisma, world, Array.from({ length: 12 }, (_, i) => ({ level: "write" as const, person: i % 4, endsInMs: randomBetween(6_000, 7_000) })));
    const claimed = await claimDueProvisions(database.prisma, ids.length, { ids, leaseMs: 800 });
    expect(claimed).toHaveLength(ids.length);
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: world.connectorId } });
    const grants = await grantSpecsByIds(database.prisma, ids);
    // The logins exist in the target; their passwords died with the process.
    for (const grant of grants) await connectorFromRow(row).grant(grantSpecFor(grant));
    await sleep(900);
    await provisionAll(database.prisma, ids);
    const active = await database.prisma.grant.findMany({ where: { id: { in: ids } } });
    for (const grant of active) {
      expect(grant.status).toBe("ACTIVE");
      const credential = JSON.parse(decryptSecret(grant.credentialCiphertext!, grant.id)) as { username: string; password: string };
      expect(credential.username).toBe(`kc_${grant.id.replaceAll("-", "")}`);
      expect(credential.password).toMatch(/^[A-Za-z0-9]{32}$/);
    }
    await sleepUntilEnded(database.prisma, ids);
    await revokeDueGrants(database.prisma);
    await expectNothingMissed(ids);
  });
});

describe("a provisioner whose lease ran out mid-call", () => {
  it("its late target call, landing after the grant was released and revoked, is undone at once and recorded as drift", async () => {
    const ids = await createGrants(database.prisma, world, [
      { level: "write", person: 0, endsInMs: 60_000 },
      { level: "elevate", person: 1, endsInMs: 60_000 },
    ]);
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: world.connectorId } });
    const connector = connectorFromRow(row);
    for (const grantId of ids) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const original = connector.grant.bind(connector);
      const spy = vi.spyOn(connector, "grant").mockImplementationOnce(async (spec) => {
        await gate;
        return original(spec);
      });
      // A slow provisioner with a short lease, stuck in its target call.
      const slow = provisionDueGrants(database.prisma, { grantIds: [grantId], limit: 1, leaseMs: 400 });
      await vi.waitFor(() => expect(spy).toHaveBeenCalled(), { timeout: 10_000 });
      const holder = (await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).identityId;
      await releaseGrant({ grantId }, { actor: world.people.find((p) => p.id === holder)!, db: database.prisma });
      await sleep(500);
      // The lease has run out: the revoker takes over and finishes (there was nothing in the target yet).
      expect(await revokeDueGrants(database.prisma, { grantIds: [grantId] })).toEqual([{ grantId, status: "revoked" }]);
      open();
      expect(await slow).toEqual([expect.objectContaining({ grantId, status: "skipped" })]);
      spy.mockRestore();
    }
    await expectNothingMissed(ids);
    const drift = await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.drift_found" } });
    expect(drift.map((d) => (d.data as { kind: string }).kind)).toEqual(["late_provision_removed", "late_provision_removed"]);
  });
});

describe("timers and events that fail", () => {
  it("timers killed while they sleep: the sweeper revokes every grant within its interval", async () => {
    const ids = await createGrants(database.prisma, world, randomPlans(30, [6_000, 9_000]));
    await provisionAll(database.prisma, ids);
    // Each timer starts (first round), then its process dies in the sleep.
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, endsAt: true } });
    for (const g of grants) {
      void grantExpiryTimer.run({ step: dyingStep, event: { name: "access/grant.activated", data: { grantId: g.id, endsAt: g.endsAt.toISOString() } }, runner: "local" });
    }
    runner = startLocalRunner([revokeExpiredGrants], { log: () => undefined });
    await untilRevoked(ids, 15_000);
    await expectNothingMissed(ids);
    // Sweeper only: within two of its 2 s intervals (a tick still running when the next is due makes that
    // one skip) plus the work.
    expect(Math.max(...(await lagsMs(ids)))).toBeLessThan(SWEEP_LAG_BOUND_MS);
  });

  it("the event that starts a timer is lost after commit: the sweeper still revokes on time", async () => {
    process.env.KEYCARD_SCHEDULER = "local";
    resetEnvForTests();
    // The runner runs its schedules but is not the process's event target: every event sent is lost.
    runner = startLocalRunner([provisionGrants, grantExpiryTimer, revokeExpiredGrants], { log: () => undefined });
    setLocalRunner(undefined);
    const ids = await createGrants(database.prisma, world, randomPlans(30, [7_000, 9_000]));
    await waitFor(async () => (await database.prisma.grant.count({ where: { id: { in: ids }, status: { in: ["ACTIVE", "REVOKING", "REVOKED"] } } })) === ids.length, 10_000, "provisioning");
    await untilRevoked(ids, 15_000);
    await expectNothingMissed(ids);
    expect(Math.max(...(await lagsMs(ids)))).toBeLessThan(SWEEP_LAG_BOUND_MS);
  });

  it("duplicate and out-of-order events: one revocation each, and nothing comes back", async () => {
    process.env.KEYCARD_SCHEDULER = "local";
    resetEnvForTests();
    runner = startLocalRunner([grantExpiryTimer, revokeExpiredGrants, provisionGrants, reapplyExtendedGrant], { log: () => undefined });
    setLocalRunner(runner);
    const ids = await createGrants(database.prisma, world, randomPlans(24, [6_000, 8_000]));
    await provisionAll(database.prisma, ids);
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, endsAt: true, identityId: true } });
    const person = (id: string) => world.people.find((p) => p.id === id)!;
    const activated = (g: (typeof grants)[number], id: string) => ({ name: "access/grant.activated", data: { grantId: g.id, endsAt: g.endsAt.toISOString() }, id });
    const released = new Set<string>();
    for (const g of grants) {
      // Each grant gets its events twice, and again under another id, in a random order; a third of them
      // are released by their holder in the middle of it.
      const events = [
        activated(g, `grant-activated-${g.id}`),
        activated(g, `grant-activated-${g.id}`),
        activated(g, `grant-activated-${g.id}-replay`),
        { name: "access/grant.revoke_requested", data: { grantId: g.id }, id: `grant-revoke-${g.id}` },
        { name: "access/grant.extended", data: { grantId: g.id, endsAt: g.endsAt.toISOString() }, id: `grant-extended-${g.id}` },
      ].sort(() => Math.random() - 0.5);
      for (const event of events) runner.dispatch(event);
      if (Math.random() < 0.33) {
        released.add(g.id);
        await releaseGrant({ grantId: g.id }, { actor: person(g.identityId), db: database.prisma });
      }
    }
    await untilRevoked(ids, 15_000);
    // Late arrivals after the end: a replayed activation, a stale extension, a stale schedule, a second release.
    for (const g of grants) {
      runner.dispatch(activated(g, `grant-activated-${g.id}-late`));
      runner.dispatch({ name: "access/grant.extended", data: { grantId: g.id, endsAt: new Date(Date.now() + 3_600_000).toISOString() }, id: `grant-extended-${g.id}-late` });
      runner.dispatch({ name: "access/grant.scheduled", data: { grantId: g.id, startsAt: new Date().toISOString() }, id: `grant-scheduled-${g.id}-late` });
      await releaseGrant({ grantId: g.id }, { actor: person(g.identityId), db: database.prisma });
    }
    await sleep(1_500);
    await expectNothingMissed(ids);
    // A release that came before the end is the reason; one that came after found the grant already ending.
    const releases = new Set((await database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.released" }, select: { grantId: true } })).map((e) => e.grantId));
    for (const id of releases) expect(released.has(id!)).toBe(true);
    const reasons = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, revocationReason: true } });
    for (const g of reasons) expect(g.revocationReason).toBe(releases.has(g.id) ? "RELEASED" : "EXPIRED");
  });
});

describe("with no job engine at all", () => {
  it("the target itself refuses new logins at the end (VALID UNTIL), and the first sweep after the engine returns removes everything once", async () => {
    const cluster = await startPasswordCheckedPostgres();
    const server = { host: "127.0.0.1", port: cluster.port, user: "postgres", password: cluster.password };
    const scram = await createFaultWorld(database.prisma, { server, people: 2 });
    try {
      const ids = await createGrants(database.prisma, scram, Array.from({ length: 10 }, (_, i) => ({ level: i % 2 ? ("write" as const) : ("read" as const), person: i % 2, endsInMs: randomBetween(9_000, 10_000) })));
      await provisionAll(database.prisma, ids);
      const credentials = (await database.prisma.grant.findMany({ where: { id: { in: ids } } })).map((g) => JSON.parse(decryptSecret(g.credentialCiphertext!, g.id)) as { username: string; password: string });
      for (const c of credentials) expect(await canLogIn(scram, c.username, c.password)).toBe(true);
      // The engine is down: no timer, no sweeper, no event. The grants end anyway.
      await sleepUntilEnded(database.prisma, ids, 300);
      for (const c of credentials) expect(await canLogIn(scram, c.username, c.password)).toBe(false);
      expect(await database.prisma.grant.count({ where: { id: { in: ids }, status: "ACTIVE" } })).toBe(ids.length);
      // The engine is back: one sweep.
      await revokeExpiredGrants.run({ step: { run: (_id, fn) => fn(), sleepUntil: async () => undefined }, event: { name: "local/scheduled", data: {} }, runner: "local" });
      const audit = await auditRevoked(database.prisma, scram, ids);
      expect(audit).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    } finally {
      await closeConnectors();
      await scram.close().catch(() => undefined);
      cluster.stop();
    }
  });
});
