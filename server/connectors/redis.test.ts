import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { ephemeralPrincipalName } from "./identifiers";
import { RedisConnector } from "./redis";
import { eventually, freePort, grantSpec, realServers, uniqueSuffix } from "./testing";
import type { GrantSpec, IssuedCredential } from "./types";

/** The Redis connector against the real server at 127.0.0.1:6379, with keys and ACL users made for this file. */

const suffix = uniqueSuffix();
const prefix = `kct:${suffix}`;
const standing = `kct_${suffix}_standing`;
const connectorUser = `kct_${suffix}_conn`;
const weakUser = `kct_${suffix}_weak`;
const settings = { ...realServers.redis };
const readLevel = { keys: [`${prefix}:*`], categories: ["+@read"] };
const writeLevel = { keys: [`${prefix}:*`], categories: ["+@read", "+@write"] };
function newClient(options: { username?: string; password?: string } = {}) {
  const client = createClient({ socket: { ...realServers.redis, reconnectStrategy: false }, disableOfflineQueue: true, ...options });
  client.on("error", () => undefined); // a killed client reports here; tests assert on its state and next command
  return client;
}
type TestClient = ReturnType<typeof newClient>;
let admin: TestClient;
let connector: RedisConnector;
const grants: GrantSpec[] = [];
const clients: TestClient[] = [];

function track(spec: GrantSpec): GrantSpec {
  grants.push(spec);
  return spec;
}

async function connectAs(credential: Pick<IssuedCredential, "username" | "password"> | undefined): Promise<TestClient> {
  const client = newClient({ username: credential?.username ?? "", password: credential?.password ?? "" });
  clients.push(client);
  await client.connect();
  return client;
}

beforeAll(async () => {
  admin = newClient();
  await admin.connect();
  await admin.set(`${prefix}:session:1`, "ada");
  connector = new RedisConnector(settings, { password: "" });
});

afterAll(async () => {
  for (const client of clients) if (client.isOpen) client.destroy();
  await connector?.close();
  if (!admin) return;
  const users = [...grants.map((g) => ephemeralPrincipalName(g.grantId)), standing, connectorUser, weakUser];
  await admin.sendCommand(["ACL", "DELUSER", ...users]);
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(keys);
  admin.destroy();
});

describe("Redis connector (real server)", () => {
  it("test connection reports the version and the connector user", async () => {
    expect(await connector.testConnection()).toMatchObject({ ok: true, details: expect.stringMatching(/^Redis 7\.[\d.]+ at 127\.0\.0\.1:6379 as default;/) });
  });

  it("a read grant can GET its keys but not SET them or read other keys, and granting twice keeps the password", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const first = await connector.grant(spec);
    expect(first).toMatchObject({ created: true, principal: ephemeralPrincipalName(spec.grantId) });
    expect(first.credential?.connectionString).toMatch(/^redis:\/\/kc_[0-9a-f]{32}:\w{32}@127\.0\.0\.1:6379\/0$/);
    const client = await connectAs(first.credential);
    expect(await client.get(`${prefix}:session:1`)).toBe("ada");
    await expect(client.set(`${prefix}:session:1`, "mallory")).rejects.toThrow(/NOPERM/);
    await expect(client.get("some:other:key")).rejects.toThrow(/NOPERM/);

    const second = await connector.grant(spec);
    expect(second).toMatchObject({ created: false });
    expect(second.credential).toBeUndefined();
    expect(await client.get(`${prefix}:session:1`)).toBe("ada");
    expect(await (await connectAs(first.credential)).get(`${prefix}:session:1`)).toBe("ada");
    expect(await connector.verify(spec)).toMatchObject({ present: true });
    await connector.revoke(spec);
    expect(await connector.verify(spec)).toMatchObject({ present: false });
  });

  it("a write grant can SET; rotating the credential replaces the password", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: writeLevel }));
    const { credential } = await connector.grant(spec);
    const client = await connectAs(credential);
    await client.set(`${prefix}:written`, "by a grant");
    const rotated = await connector.grant({ ...spec, rotateCredential: true });
    expect(rotated.credential?.password).not.toBe(credential?.password);
    expect(await (await connectAs(rotated.credential)).get(`${prefix}:written`)).toBe("by a grant");
    await expect(connectAs(credential)).rejects.toThrow(/WRONGPASS/);
    await connector.revoke(spec);
  });

  it("revoke kills the user's live clients, refuses a new login, and can run twice", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const { credential } = await connector.grant(spec);
    const live = await connectAs(credential);
    const other = await connectAs(credential);
    expect(await live.get(`${prefix}:session:1`)).toBe("ada");

    const outcome = await connector.revoke(spec);
    expect(outcome).toMatchObject({ removed: true, sessionsEnded: 2 });
    await eventually(() => !live.isReady && !other.isReady);
    await expect(live.get(`${prefix}:session:1`)).rejects.toThrow();
    await expect(connectAs(credential)).rejects.toThrow(/WRONGPASS/);
    expect(await connector.revoke(spec)).toMatchObject({ removed: false, sessionsEnded: 0 });
  });

  it("concurrent duplicate first calls leave one user on which every returned credential works", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const outcomes = await Promise.all([connector.grant(spec), connector.grant(spec), connector.grant(spec)]);
    const issued = outcomes.flatMap((o) => (o.credential ? [o.credential] : []));
    expect(issued.length).toBeGreaterThanOrEqual(1);
    for (const credential of issued) expect(await (await connectAs(credential)).get(`${prefix}:session:1`)).toBe("ada");
    const users = (await admin.sendCommand(["ACL", "USERS"])) as string[];
    expect(users.filter((u) => u === ephemeralPrincipalName(spec.grantId))).toHaveLength(1);
    await Promise.all([connector.revoke(spec), connector.revoke(spec)]);
    expect(await admin.sendCommand(["ACL", "GETUSER", ephemeralPrincipalName(spec.grantId)])).toBeNull();
  });

  it("a repeated grant puts back rules changed by hand", async () => {
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const { credential, principal } = await connector.grant(spec);
    await admin.sendCommand(["ACL", "SETUSER", principal, "~*", "+@all"]);
    await connector.grant(spec);
    const client = await connectAs(credential);
    await expect(client.get("some:other:key")).rejects.toThrow(/NOPERM/);
    await expect(client.set(`${prefix}:session:1`, "x")).rejects.toThrow(/NOPERM/);
    await connector.revoke(spec);
  });

  it("two overlapping grants are separate users: revoking one leaves the other working", async () => {
    const a = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const b = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    await connector.grant(a);
    const clientB = await connectAs((await connector.grant(b)).credential);
    await connector.revoke(a);
    expect(await clientB.get(`${prefix}:session:1`)).toBe("ada");
    await connector.revoke(b);
    await eventually(() => !clientB.isReady);
  });

  it("inventory lists Keycard's users with their grant ids and a standing user made by hand; usage sees connected clients", async () => {
    await admin.sendCommand(["ACL", "SETUSER", standing, "on", ">standing-password", `~${prefix}:*`, "+@all"]);
    const spec = track(grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel }));
    const { credential, principal } = await connector.grant(spec);
    await connectAs(credential);

    const entries = await connector.inventory();
    expect(entries).toContainEqual(expect.objectContaining({ principal: standing, privilege: expect.stringContaining("+@all"), privilegeKind: "ACL_RULES", keycardGrantId: null, managedByKeycard: false, detail: "enabled" }));
    expect(entries).toContainEqual(expect.objectContaining({ principal, privilege: expect.stringContaining(`~${prefix}:*`), keycardGrantId: spec.grantId, managedByKeycard: true }));
    expect(entries).toContainEqual(expect.objectContaining({ principal: "default", detail: "enabled, no password" }));
    expect(JSON.stringify(entries)).not.toMatch(/#[0-9a-f]{64}/);

    const usage = await connector.usage();
    expect(usage.find((u) => u.principal === principal)).toMatchObject({ sessions: 1, source: "CLIENT LIST" });
    await connector.revoke(spec);
    expect((await connector.inventory()).some((e) => e.keycardGrantId === spec.grantId)).toBe(false);
  });

  it("test connection names an unreachable port, a wrong password and a user without ACL rights; levels name a missing category", async () => {
    await admin.sendCommand(["ACL", "SETUSER", connectorUser, "on", ">right-password", "~*", "&*", "+@all"]);
    await admin.sendCommand(["ACL", "SETUSER", weakUser, "on", ">weak-password", "~*", "+@read", "+info"]);
    const port = await freePort();
    const cases = [
      [{ ...settings, port }, {}, "UNREACHABLE", /cannot reach Redis at 127\.0\.0\.1:\d+ \(connection refused\)/],
      [{ ...settings, username: connectorUser }, { password: "wrong-password" }, "AUTH", /invalid password for Redis user "kct_\w+_conn"/],
      [{ ...settings, username: weakUser }, { password: "weak-password" }, "REFUSED", /lacks a permission/],
    ] as const;
    for (const [bad, secret, kind, message] of cases) {
      const probe = new RedisConnector(bad, secret);
      const result = await probe.testConnection();
      await probe.close();
      expect(result).toMatchObject({ ok: false, kind });
      expect(!result.ok && result.error).toMatch(message);
    }
    expect(await new RedisConnector({ ...settings, username: connectorUser }, { password: "right-password" }).testConnection()).toMatchObject({ ok: true });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: ["a:*"], categories: ["+@nosuchcategory"] }, target: {} })).toMatchObject({ ok: false, kind: "NOT_FOUND", error: expect.stringMatching(/no command category "nosuchcategory"/) });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: readLevel, target: {} })).toMatchObject({ ok: true });
    expect(await connector.validateAccessLevel({ mode: "EPHEMERAL_CREDENTIAL", privilege: { categories: ["+@read"] }, target: { keyPattern: "session:*" } })).toMatchObject({ ok: true, details: "ACL rules: ~session:* +@read" });
  });

  it("rules that would split, extend or escalate the ACL are refused before reaching the server", async () => {
    const bad = [
      [{ keys: ["session:* >password"], categories: ["+@read"] }, /whitespace/],
      [{ keys: ["session:*"], categories: ["+@read nopass"] }, /category must look like/],
      [{ keys: [">mypassword"], categories: ["+@read"] }, /pattern may only use/],
      [{ keys: ["#0123"], categories: ["+@read"] }, /pattern may only use/],
      [{ keys: ["%RW~*"], categories: ["+@read"] }, /pattern may only use/],
      [{ keys: ["sessiоn:*"], categories: ["+@read"] }, /non-ASCII/], // Cyrillic "о"
      [{ keys: ["session:*\r\n"], categories: ["+@read"] }, /control character/],
      [{ keys: ["session:*"], categories: ["+@all"] }, /refused/],
      [{ keys: ["session:*"], categories: ["+@admin"] }, /refused/],
      [{ keys: ["session:*"], commands: ["+acl|setuser"] }, /refused/],
      [{ keys: ["session:*"], commands: ["+config"] }, /refused/],
      [{ keys: ["session:*"] }, /at least one category or command/],
    ] as const;
    for (const [privilege, reason] of bad) {
      const spec = grantSpec({ mode: "EPHEMERAL_CREDENTIAL", privilege });
      const error = await connector.grant(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ kind: "INVALID", code: "VALIDATION" });
      expect((error as Error).message).toMatch(reason);
      expect(await admin.sendCommand(["ACL", "GETUSER", ephemeralPrincipalName(spec.grantId)])).toBeNull();
    }
    await expect(connector.grant(grantSpec({ mode: "ROLE_ELEVATION", privilege: readLevel, targetLogin: "ada" }))).rejects.toMatchObject({ kind: "INVALID", message: expect.stringMatching(/does not support ROLE_ELEVATION/) });
    expect(() => new RedisConnector({ ...settings, username: "default >x" }, {})).toThrow(ConnectorError);
  });
});
