import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/prisma/seed";
import { POST as createRoute } from "@/app/api/v1/requests/route";
import { GET as grantRoute } from "@/app/api/v1/grants/[id]/route";
import { POST as releaseRoute } from "@/app/api/v1/grants/[id]/release/route";
import { ephemeralPrincipalName } from "@/server/connectors/identifiers";
import { pgAdmin, realServers, uniqueSuffix } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import { closeConnectors } from "@/server/domain/connectors/instance";
import { toActor } from "@/server/domain/identities/queries";
import { provisionDueGrants } from "@/server/domain/grants/provisioning";
import { revokeDueGrants } from "@/server/domain/grants/revocation";
import { createApiToken } from "@/server/domain/tokens/mutations";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * The promise of the API for machines, for real: one call with ?wait= returns a login that works in the
 * target PostgreSQL server (127.0.0.1:5432), and releasing it through the API removes it there. The
 * scheduler is off in tests, so this file plays the job runner (provisionDueGrants / revokeDueGrants).
 */

const suffix = uniqueSuffix();
const targetDatabase = `kca_${suffix}`;
const readRole = `kca_${suffix}_read`;
let database: TestDatabase;
let admin: pg.Client;
let token: string;
let ask: { resourceId: string; accessLevelId: string };

beforeAll(async () => {
  admin = await pgAdmin();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(targetDatabase)}`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(readRole)} NOLOGIN`);
  const inTarget = await pgAdmin(targetDatabase);
  await inTarget.query("CREATE TABLE metrics (name text NOT NULL)");
  await inTarget.query("INSERT INTO metrics VALUES ('signups')");
  await inTarget.query(`GRANT SELECT ON metrics TO ${pg.escapeIdentifier(readRole)}`);
  await inTarget.end();

  database = await createTestDatabase();
  const db = database.prisma;
  await seedDemo(db, { demoTargetPort: 1 });
  // The demo resource, pointed at the real server and at this file's database and role.
  const connector = await db.connector.update({
    where: { slug: "demo-postgres" },
    data: { settings: { host: realServers.postgres.host, port: realServers.postgres.port, database: targetDatabase, user: realServers.postgres.user, ssl: false } },
  });
  await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: "" }), connector.id) } });
  const resource = await db.resource.update({ where: { slug: "analytics-warehouse" }, data: { target: { database: targetDatabase } }, include: { accessLevels: true } });
  const level = resource.accessLevels.find((l) => l.key === "read")!;
  await db.accessLevel.update({ where: { id: level.id }, data: { privilege: { role: readRole } } });
  ask = { resourceId: resource.id, accessLevelId: level.id };

  const machine = await db.identity.findFirstOrThrow({ where: { name: "nightly-etl" } });
  const priya = toActor(await db.identity.findFirstOrThrow({ where: { name: "Priya Raman" } }));
  token = (await createApiToken({ identityId: machine.id, name: "etl", scopes: ["requests:write", "grants:write"], expiresInDays: 1 }, { actor: priya, db })).secret;
});

afterAll(async () => {
  await closeConnectors();
  await database?.destroy();
  const leftovers = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'kc\\_%' AND pg_has_role(rolname, $1, 'MEMBER')", [readRole]);
  for (const { rolname } of leftovers.rows) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(targetDatabase)} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(readRole)}`);
  await admin.end();
});

describe("a machine identity obtains access in one call", () => {
  it("gets a working, short-lived database login from POST /requests?wait=, and release removes it", async () => {
    // The job runner's part: provision whatever is due, as the in-process runner does on its event.
    let running = true;
    const runner = (async () => {
      while (running) {
        await provisionDueGrants(database.prisma);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const response = await createRoute(
      new Request("http://keycard.test/api/v1/requests?wait=10", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": `etl-run-${suffix}` },
        body: JSON.stringify({ ...ask, durationMinutes: 15, justification: "Nightly load of the warehouse" }),
      }),
    );
    running = false;
    await runner;
    const body = (await response.json()) as { status: string; grantId: string; grant: { status: string; endsAt: string }; credential: { username: string; password: string; connectionString: string } };
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ status: "APPROVED", grant: { status: "ACTIVE" }, credential: { username: ephemeralPrincipalName(body.grantId) } });
    expect(new Date(body.grant.endsAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    // The credential works in the target, for what the access level allows.
    const client = new pg.Client({ connectionString: body.credential.connectionString });
    await client.connect();
    const { rows } = await client.query<{ name: string }>("SELECT name FROM metrics");
    expect(rows).toEqual([{ name: "signups" }]);
    await client.end();

    const released = await releaseRoute(new Request(`http://keycard.test/api/v1/grants/${body.grantId}/release`, { method: "POST", headers: { authorization: `Bearer ${token}` } }), {
      params: Promise.resolve({ id: body.grantId }),
    });
    expect(((await released.json()) as { status: string }).status).toBe("REVOKING");
    await revokeDueGrants(database.prisma);
    const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [body.credential.username]);
    expect(role.rowCount).toBe(0);
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: body.grantId } })).status).toBe("REVOKED");
  });

  it("follows a grant with one long poll: GET /grants/{id}?wait= answers when provisioning commits", async () => {
    const call = (url: string, init: RequestInit = {}) => new Request(`http://keycard.test/api/v1${url}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
    const created = await createRoute(call("/requests", { method: "POST", body: JSON.stringify({ ...ask, durationMinutes: 15, justification: "Nightly load, followed by a long poll" }) }));
    const { grantId } = (await created.json()) as { grantId: string };
    const get = (query: string) => grantRoute(call(`/grants/${grantId}${query}`), { params: Promise.resolve({ id: grantId }) });

    // Not provisioned yet: without wait the answer is immediate and still SCHEDULED.
    expect(((await (await get("")).json()) as { status: string }).status).toBe("SCHEDULED");
    // Bad waits are refused before anything is read.
    for (const [query, message] of [["?wait=11", "wait is at most 10 seconds."], ["?wait=-1", "wait cannot be negative."], ["?wait=soon", "wait must be a number of seconds."], ["?since=1", "since"]] as const) {
      const refused = await get(query);
      expect(refused.status, query).toBe(400);
      expect(JSON.stringify(await refused.json()), query).toContain(message);
    }

    // The long poll is still open after 300 ms and answers once the provisioner commits.
    let answered = false;
    const waiting = get("?wait=10").then(async (response) => {
      answered = true;
      return { status: response.status, body: (await response.json()) as { status: string; credentialAvailable: boolean } };
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    expect(await provisionDueGrants(database.prisma, { grantIds: [grantId] })).toMatchObject([{ grantId, status: "activated" }]);
    expect(await waiting).toMatchObject({ status: 200, body: { status: "ACTIVE", credentialAvailable: true } });

    // Settled grants answer at once; the holder's release then removes the login.
    expect(((await (await get("?wait=10")).json()) as { status: string }).status).toBe("ACTIVE");
    await releaseRoute(call(`/grants/${grantId}/release`, { method: "POST" }), { params: Promise.resolve({ id: grantId }) });
    await revokeDueGrants(database.prisma);
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).status).toBe("REVOKED");
  });
});
