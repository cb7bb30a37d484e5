import * as mariadb from "mariadb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realServers, uniqueSuffix } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import { closeConnectors } from "@/server/domain/connectors/instance";
import { discoverPrivileges } from "@/server/domain/discovery/discover";
import { toActor } from "@/server/domain/identities/queries";
import { convertToJit } from "@/server/domain/reports/convert";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * Converting MariaDB standing privileges to JIT against the real local server: a role membership and a
 * database privilege of an account made by hand are revoked, and become requestable access levels.
 */

const suffix = uniqueSuffix();
const account = { user: `kcr_${suffix}_app`, host: "%" };
const role = `kcr_${suffix}_reader`;
const database = `kcr_${suffix}_billing`;
let admin: mariadb.Connection;
let db: TestDatabase;
let connectorId: string;
let adminId: string;

beforeAll(async () => {
  admin = await mariadb.createConnection({ ...realServers.mariadb, bigIntAsNumber: true });
  await admin.query(`CREATE DATABASE ${admin.escapeId(database)}`);
  await admin.query(`CREATE ROLE ${admin.escapeId(role)}`);
  await admin.query("CREATE USER ?@? IDENTIFIED BY 'not-used-here'", [account.user, account.host]);
  await admin.query(`GRANT ${admin.escapeId(role)} TO ?@?`, [account.user, account.host]);
  await admin.query(`GRANT SELECT, INSERT ON ${admin.escapeId(database)}.* TO ?@?`, [account.user, account.host]);
  db = await createTestDatabase();
  const connector = await db.prisma.connector.create({ data: { slug: `kcr-maria-${suffix}`, name: `Scratch MariaDB ${suffix}`, kind: "MARIADB", settings: { host: realServers.mariadb.host, port: realServers.mariadb.port, user: realServers.mariadb.user } } });
  await db.prisma.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: "" }), connector.id) } });
  connectorId = connector.id;
  adminId = (await db.prisma.identity.create({ data: { name: "Maria Admin", email: `maria-admin-${suffix}@test.example`, roles: ["ADMIN"] } })).id;
});

afterAll(async () => {
  await closeConnectors();
  await admin?.query("DROP USER IF EXISTS ?@?", [account.user, account.host]).catch(() => undefined);
  await admin?.query(`DROP ROLE IF EXISTS ${admin.escapeId(role)}`).catch(() => undefined);
  await admin?.query(`DROP DATABASE IF EXISTS ${admin.escapeId(database)}`).catch(() => undefined);
  await admin?.end();
  await db?.destroy();
});

async function privilegeId(privilege: string): Promise<string> {
  const found = await db.prisma.discoveredPrivilege.findUniqueOrThrow({ where: { connectorId_principal_privilege: { connectorId, principal: `${account.user}@${account.host}`, privilege } } });
  expect(found.classification).toBe("STANDING");
  return found.id;
}

describe("converting MariaDB standing privileges to JIT", () => {
  it("revokes a role membership and a database privilege and makes both requestable", async () => {
    const report = await discoverPrivileges(db.prisma, { connectorIds: [connectorId] });
    expect(report.unreachable).toEqual([]);
    const ctx = { actor: toActor(await db.prisma.identity.findUniqueOrThrow({ where: { id: adminId } })), db: db.prisma };

    const membership = await convertToJit({ privilegeId: await privilegeId(role) }, ctx);
    expect(membership).toMatchObject({ removed: true, requestable: { created: "resource" } });
    expect(await admin.query("SELECT 1 FROM mysql.roles_mapping WHERE User = ? AND Host = ? AND Role = ?", [account.user, account.host, role])).toHaveLength(0);

    const select = await convertToJit({ privilegeId: await privilegeId(`SELECT ON ${database}.*`) }, ctx);
    expect(select.removed).toBe(true);
    const [row] = await admin.query<{ Select_priv: string; Insert_priv: string }[]>("SELECT Select_priv, Insert_priv FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?", [account.user, account.host, database]);
    // Only SELECT went; INSERT is its own standing privilege.
    expect(row).toMatchObject({ Select_priv: "N", Insert_priv: "Y" });
    const level = await db.prisma.accessLevel.findFirstOrThrow({ where: { resourceId: select.requestable?.resourceId ?? "" } });
    expect(level).toMatchObject({ mode: "EPHEMERAL_CREDENTIAL", privilege: { privileges: ["SELECT"] } });
    const resource = await db.prisma.resource.findUniqueOrThrow({ where: { id: select.requestable?.resourceId ?? "" } });
    expect(resource.target).toEqual({ database });
  });
});
