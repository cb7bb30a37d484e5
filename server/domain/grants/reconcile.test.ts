import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ephemeralPrincipalName, grantRoleName } from "@/server/connectors/identifiers";
import { closeConnectors, connectorFromRow } from "@/server/domain/connectors/instance";
import { releaseGrant } from "@/server/domain/grants/mutations";
import { reapplyGrant, reconcileGrants } from "@/server/domain/grants/reconcile";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { auditRevoked, canInsertAs, canLogIn, createFaultWorld, createGrants, provisionAll, randomBetween, sleep, sleepUntilEnded, type FaultWorld } from "@/server/domain/grants/testing";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * Reconciliation: the target's actual state against Keycard's. Access re-added by hand after its grant
 * ended is removed and recorded as drift; an active grant whose access was removed by hand is restored;
 * privileges Keycard did not create are left alone; re-applying a grant never resurrects a revoked one.
 */

let database: TestDatabase;
let world: FaultWorld;
const id = pg.escapeIdentifier;

beforeAll(async () => {
  database = await createTestDatabase();
  world = await createFaultWorld(database.prisma, { people: 3 });
});

afterAll(async () => {
  await closeConnectors();
  await world?.close();
  await database?.destroy();
});

async function driftEvents(ids: string[]) {
  return database.prisma.ledgerEvent.findMany({ where: { grantId: { in: ids }, action: "access/grant.drift_found" }, select: { grantId: true, data: true } });
}

describe("reconciliation", () => {
  it("a privilege re-added by hand between sweeps is removed by the next reconciliation and ledgered as drift, once", async () => {
    const levels = ["read", "write", "elevate"] as const;
    const ids = await createGrants(database.prisma, world, Array.from({ length: 15 }, () => ({ level: levels[randomBetween(0, 2)]!, person: randomBetween(0, 2), endsInMs: randomBetween(5_000, 6_500) })));
    await provisionAll(database.prisma, ids);
    await sleepUntilEnded(database.prisma, ids);
    await revokeDueGrants(database.prisma);
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });

    // A DBA restores the roles from a dump taken while the grants were active: the access is back.
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, include: { accessLevel: true, identity: true } });
    const readded = grants.filter(() => Math.random() < 0.6);
    for (const grant of readded) {
      const role = (grant.accessLevel.privilege as { role: string }).role;
      if (grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL") {
        await world.admin.query(`CREATE ROLE ${id(ephemeralPrincipalName(grant.id))} LOGIN IN ROLE ${id(role)}`);
        expect(await canLogIn(world, ephemeralPrincipalName(grant.id))).toBe(true);
      } else {
        const login = grant.identity.email!.split("@")[0]!;
        await world.admin.query(`CREATE ROLE ${id(grantRoleName(grant.id))} NOLOGIN IN ROLE ${id(role)}`);
        await world.admin.query(`GRANT ${id(grantRoleName(grant.id))} TO ${id(login)}`);
      }
    }
    // And a standing privilege Keycard never created: left for the standing-privilege report.
    const standingHolder = world.people[2]!.login;
    await world.admin.query(`GRANT ${id(world.roles.read)} TO ${id(standingHolder)}`);

    const report = await reconcileGrants(database.prisma, { connectorId: world.connectorId });
    expect(report.unreachable).toEqual([]);
    expect(report.removed.sort()).toEqual(readded.map((g) => g.id).sort());
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    const drift = await driftEvents(ids);
    expect(drift.map((d) => d.grantId).sort()).toEqual(readded.map((g) => g.id).sort());
    for (const event of drift) expect(event.data).toMatchObject({ kind: "present_after_end", removed: true, connectorId: world.connectorId });
    const { rows } = await world.admin.query("SELECT pg_has_role($1, $2, 'MEMBER') AS has", [standingHolder, world.roles.read]);
    expect(rows[0]?.has).toBe(true);

    // Nothing new next time: drift is recorded once.
    const again = await reconcileGrants(database.prisma, { connectorId: world.connectorId });
    expect(again.removed).toEqual([]);
    expect(await driftEvents(ids)).toHaveLength(readded.length);
    await world.admin.query(`REVOKE ${id(world.roles.read)} FROM ${id(standingHolder)}`);
  });

  it("an active grant whose access was removed by hand is restored and ledgered, with a fresh credential when its login had to be re-created", async () => {
    const ids = await createGrants(database.prisma, world, [
      { level: "write", person: 0, endsInMs: 120_000 },
      { level: "elevate", person: 1, endsInMs: 120_000 },
    ]);
    await provisionAll(database.prisma, ids);
    const [ephemeral, elevation] = ids as [string, string];
    await database.prisma.grant.update({ where: { id: ephemeral }, data: { credentialCiphertext: null, credentialRevealedAt: new Date() } });
    await world.admin.query(`DROP ROLE ${id(ephemeralPrincipalName(ephemeral))}`);
    await world.admin.query(`REVOKE ${id(grantRoleName(elevation))} FROM ${id(world.people[1]!.login)}`);
    expect(await canInsertAs(world, world.people[1]!.login)).toBe(false);

    const report = await reconcileGrants(database.prisma, { connectorId: world.connectorId });
    expect(report.restored.sort()).toEqual([...ids].sort());
    expect(await canInsertAs(world, world.people[1]!.login)).toBe(true);
    expect(await canLogIn(world, ephemeralPrincipalName(ephemeral))).toBe(true);
    // The old password died with the dropped login: a new one is ready to be shown once.
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: ephemeral } })).credentialCiphertext).toBeTruthy();
    expect((await driftEvents(ids)).map((d) => (d.data as { kind: string }).kind)).toEqual(["missing_while_active", "missing_while_active"]);

    for (const grantId of ids) await releaseGrant({ grantId }, { actor: (await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).identityId === world.people[0]!.id ? world.people[0]! : world.people[1]!, db: database.prisma });
    await revokeDueGrants(database.prisma);
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
  });

  it("re-applying a grant (an extension's event) racing its revocation never brings the access back", async () => {
    const ids = await createGrants(database.prisma, world, Array.from({ length: 20 }, (_, i) => ({ level: (["read", "write", "elevate"] as const)[i % 3]!, person: i % 3, endsInMs: 120_000 })));
    await provisionAll(database.prisma, ids);
    const grants = await database.prisma.grant.findMany({ where: { id: { in: ids } }, select: { id: true, identityId: true } });
    await Promise.all(
      grants.flatMap((g) => [
        (async () => {
          await sleep(randomBetween(0, 40));
          await releaseGrant({ grantId: g.id }, { actor: world.people.find((p) => p.id === g.identityId)!, db: database.prisma });
          await revokeDueGrants(database.prisma, { grantIds: [g.id] });
        })(),
        ...[0, 1, 2].map(async () => {
          await sleep(randomBetween(0, 80));
          await reapplyGrant(database.prisma, g.id);
        }),
      ]),
    );
    await revokeDueGrants(database.prisma);
    // Someone holding the person's role through elevation must not keep it: nothing of these grants exists.
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
    const report = await reconcileGrants(database.prisma, { connectorId: world.connectorId });
    expect(report.removed).toEqual([]);
  });

  it("an extension's re-apply that reads the grant as active and reaches the target after its revocation undoes itself", async () => {
    const ids = await createGrants(database.prisma, world, [
      { level: "write", person: 0, endsInMs: 120_000 },
      { level: "elevate", person: 1, endsInMs: 120_000 },
    ]);
    await provisionAll(database.prisma, ids);
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: world.connectorId } });
    const connector = connectorFromRow(row);
    for (const grantId of ids) {
      // The re-apply's target call is held until the revocation has completed and been recorded.
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const original = connector.grant.bind(connector);
      const spy = vi.spyOn(connector, "grant").mockImplementationOnce(async (spec) => {
        await gate;
        return original(spec);
      });
      const reapplied = reapplyGrant(database.prisma, grantId);
      await vi.waitFor(() => expect(spy).toHaveBeenCalled(), { timeout: 10_000 });
      const holder = (await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).identityId;
      await releaseGrant({ grantId }, { actor: world.people.find((p) => p.id === holder)!, db: database.prisma });
      await revokeDueGrants(database.prisma, { grantIds: [grantId] });
      expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).status).toBe("REVOKED");
      open();
      expect(await reapplied).toBe(false);
      spy.mockRestore();
    }
    expect(await auditRevoked(database.prisma, world, ids)).toMatchObject({ missed: [], notRevoked: [], eventCounts: {} });
  });

  it("a target that cannot be read is reported and marked failing, and nothing is concluded from its silence", async () => {
    const row = await database.prisma.connector.findUniqueOrThrow({ where: { id: world.connectorId } });
    const broken = await database.prisma.connector.create({ data: { slug: `${row.slug}-down`, name: `${row.name} (down)`, kind: "POSTGRES", settings: { ...(row.settings as object), port: 1 }, secretCiphertext: null } });
    await database.prisma.resource.create({ data: { slug: `down-${world.suffix}`, name: "Unreachable", tier: 3, connectorId: broken.id } });
    const report = await reconcileGrants(database.prisma, { connectorId: broken.id });
    expect(report).toMatchObject({ connectors: 1, unreachable: [broken.name], removed: [], restored: [] });
    const after = await database.prisma.connector.findUniqueOrThrow({ where: { id: broken.id } });
    expect(after.health).toBe("FAILING");
    expect(after.lastError).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
  });
});
