import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { seedDemo } from "@/prisma/seed";
import type { IdentityActor } from "@/server/actor";
import { AdmissionGate } from "@/server/api/admission";
import { MAX_BODY_BYTES } from "@/server/api/config";
import { endpoints } from "@/server/api/endpoints";
import { clientIp } from "@/server/api/handler";
import { errorToResponse, ZApiError } from "@/server/api/errors";
import { buildOpenApiDocument } from "@/server/api/openapi";
import * as views from "@/server/api/views";
import { eventually } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import { toActor } from "@/server/domain/identities/queries";
import { setIdentityStatus } from "@/server/domain/identities/mutations";
import { createApiToken, revokeApiToken } from "@/server/domain/tokens/mutations";
import { rateWindow } from "@/server/domain/tokens/rate-limit";
import type { TokenScope } from "@/server/auth/permissions";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * The HTTP API end to end, minus the network: real route handlers (the exports of app/api/v1/…/route.ts)
 * called with `new Request(...)`, against a real database seeded with the demo organisation.
 */

type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** operationId → the route file's export, so the tests also prove each file wires the right endpoint. */
const routes: Record<string, () => Promise<RouteHandler>> = {
  listResources: async () => (await import("@/app/api/v1/resources/route")).GET,
  createRequest: async () => (await import("@/app/api/v1/requests/route")).POST,
  getRequest: async () => (await import("@/app/api/v1/requests/[id]/route")).GET,
  cancelRequest: async () => (await import("@/app/api/v1/requests/[id]/cancel/route")).POST,
  decideRequest: async () => (await import("@/app/api/v1/requests/[id]/decision/route")).POST,
  listGrants: async () => (await import("@/app/api/v1/grants/route")).GET,
  getGrant: async () => (await import("@/app/api/v1/grants/[id]/route")).GET,
  releaseGrant: async () => (await import("@/app/api/v1/grants/[id]/release/route")).POST,
  takeGrantCredential: async () => (await import("@/app/api/v1/grants/[id]/credential/route")).POST,
  ingestUsage: async () => (await import("@/app/api/v1/usage/route")).POST,
};

/** What each operation's 2xx body must look like (the schemas the OpenAPI document is built from). */
const successSchemas: Record<string, z.ZodType> = {
  listResources: views.ZResourceList,
  createRequest: views.ZRequestCreated,
  getRequest: views.ZRequestView,
  cancelRequest: views.ZCancelResult,
  decideRequest: views.ZDecisionResult,
  listGrants: views.ZGrantList,
  getGrant: views.ZGrantView,
  releaseGrant: views.ZReleaseResult,
  takeGrantCredential: views.ZCredentialResult,
  ingestUsage: views.ZUsageIngestResult,
};

let database: TestDatabase;
let people: Record<string, IdentityActor>;
let machine: IdentityActor;
let resources: Record<string, { id: string; levels: Record<string, string> }>;
const exercised = new Set<string>();

interface CallOptions {
  token?: string | null;
  id?: string;
  query?: string;
  body?: unknown;
  rawBody?: BodyInit;
  contentType?: string | null;
  headers?: Record<string, string>;
}

interface CallResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary fields of the parsed JSON
  json: any;
}

async function call(operationId: string, options: CallOptions = {}): Promise<CallResult> {
  const endpoint = endpoints.find((e) => e.spec.operationId === operationId);
  const route = routes[operationId];
  if (!endpoint || !route) throw new Error(`unknown operation ${operationId}`);
  const path = endpoint.spec.path.replace("{id}", options.id ?? "");
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  // undici labels a string body text/plain by itself; say what the test means.
  const contentType = options.contentType === undefined ? (body !== undefined ? "application/json" : null) : options.contentType;
  if (contentType !== null) headers.set("content-type", contentType);
  else if (body !== undefined) headers.delete("content-type");
  const request = new Request(`http://keycard.test/api/v1${path}${options.query ?? ""}`, { method: endpoint.spec.method, headers, body });
  if (contentType === null && body !== undefined) request.headers.delete("content-type");
  const params: Record<string, string> = options.id === undefined ? {} : { id: options.id };
  const response = await (await route())(request, { params: Promise.resolve(params) });
  const json: unknown = await response.json();
  exercised.add(operationId);
  expect(response.headers.get("cache-control")).toBe("no-store");
  // Every answer honours the contract: the documented view on success, the error shape otherwise.
  if (response.status < 300) successSchemas[operationId]!.parse(json);
  else ZApiError.parse(json);
  return { status: response.status, headers: response.headers, json };
}

/** A machine's token is made by an admin; a person's only by that person (tokens/mutations.ts). */
async function tokenFor(identity: IdentityActor, scopes: TokenScope[]): Promise<string> {
  const creator = identity.kind === "MACHINE" ? people["Priya Raman"]! : identity;
  const token = await createApiToken({ identityId: identity.id, name: `test ${scopes.join(" ")}`, scopes, expiresInDays: 7 }, { actor: creator, db: database.prisma });
  return token.secret;
}

async function counts() {
  const db = database.prisma;
  const [requests, grants, decisions] = await Promise.all([db.accessRequest.count(), db.grant.count(), db.approvalDecision.count()]);
  return { requests, grants, decisions };
}

const tier3Read = () => ({
  resourceId: resources["analytics-warehouse"]!.id,
  accessLevelId: resources["analytics-warehouse"]!.levels.read!,
  durationMinutes: 15,
  justification: "Nightly export of product metrics",
});

const tier1Write = () => ({
  resourceId: resources["orders-db-prod"]!.id,
  accessLevelId: resources["orders-db-prod"]!.levels.write!,
  durationMinutes: 60,
  justification: "Backfill the refunds of incident INC-4242 by hand",
  ticketRef: "INC-4242",
});

/** Makes a grant ACTIVE with a credential, as the provisioner would (provisioning does not run in tests). */
async function activate(grantId: string, credential = { username: `kc_${grantId.slice(0, 8)}`, password: "s3cret-pw", host: "127.0.0.1", port: 5432, database: "analytics" }) {
  await database.prisma.grant.update({
    where: { id: grantId },
    data: { status: "ACTIVE", activatedAt: new Date(), targetPrincipal: credential.username, credentialCiphertext: encryptSecret(JSON.stringify(credential), grantId) },
  });
  return credential;
}

let machineToken: string;
let mayaToken: string;
let noahToken: string;
let elenaDecisions: string;
let kenjiDecisions: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.prisma, { demoTargetPort: 1 });
  const identities = await database.prisma.identity.findMany();
  people = Object.fromEntries(identities.filter((i) => i.kind === "HUMAN").map((i) => [i.name, toActor(i)]));
  machine = toActor(identities.find((i) => i.name === "deploy-pipeline")!);
  const rows = await database.prisma.resource.findMany({ include: { accessLevels: true } });
  resources = Object.fromEntries(rows.map((r) => [r.slug, { id: r.id, levels: Object.fromEntries(r.accessLevels.map((l) => [l.key, l.id])) }]));
  machineToken = await tokenFor(machine, ["resources:read", "requests:write", "grants:write"]);
  mayaToken = await tokenFor(people["Maya Chen"]!, ["requests:write", "grants:write"]);
  noahToken = await tokenFor(people["Noah Williams"]!, ["requests:write", "grants:write"]);
  elenaDecisions = await tokenFor(people["Elena Petrova"]!, ["decisions:write"]);
  kenjiDecisions = await tokenFor(people["Kenji Watanabe"]!, ["decisions:write"]);
});

afterAll(async () => {
  await database.destroy();
});

describe("the OpenAPI document", () => {
  it("is served without a token and is a valid OpenAPI 3.1 document", async () => {
    const { GET } = await import("@/app/api/v1/openapi.json/route");
    const response = await GET();
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenAPIV3_1.Document;
    expect(document.openapi).toBe("3.1.0");
    // validate() dereferences in place: give it a copy.
    const validated = await SwaggerParser.validate(structuredClone(document) as OpenAPIV3_1.Document);
    expect(validated.info.title).toBe("Keycard API");
  });

  it("lists every endpoint with its bearer security, body schema and error responses", () => {
    const document = buildOpenApiDocument() as unknown as OpenAPIV3_1.Document;
    expect(document.components?.securitySchemes?.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    for (const { spec } of endpoints) {
      const operation = document.paths?.[spec.path]?.[spec.method.toLowerCase() as "get" | "post"];
      expect(operation, `${spec.method} ${spec.path}`).toBeDefined();
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(["401", "429", ...spec.errors.map(String)]));
      expect(operation!.security).toEqual(spec.scopes.map((scope) => ({ bearerAuth: [scope] })));
    }
    const create = document.paths?.["/requests"]?.post;
    expect(create?.requestBody).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/CreateRequestBody" } } } });
    // The body schema is the domain's: strict, with the domain's limits.
    const body = document.components?.schemas?.CreateRequestBody as OpenAPIV3_1.SchemaObject;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(["resourceId", "accessLevelId", "durationMinutes", "justification"]));
    expect(Object.keys(body.properties ?? {})).not.toContain("status");
    expect(create?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "wait", in: "query" }), expect.objectContaining({ name: "Idempotency-Key", in: "header" })]));
    expect(document.components?.responses?.RateLimited).toMatchObject({ headers: { "Retry-After": expect.any(Object) } });
  });
});

describe("a machine identity gets short-lived access through the API", () => {
  it("lists requestable resources with their access levels, filtered by tier", async () => {
    const all = await call("listResources", { token: machineToken });
    expect(all.status).toBe(200);
    expect(all.json.resources.map((r: { slug: string }) => r.slug)).toEqual(expect.arrayContaining(["analytics-warehouse", "orders-db-prod"]));
    expect(all.headers.get("ratelimit-limit")).toBe("600");
    const tier3 = await call("listResources", { token: machineToken, query: "?tier=3&q=analytics" });
    expect(tier3.json.resources).toHaveLength(1);
    expect(tier3.json.resources[0].accessLevels[0]).toMatchObject({ key: "read", mode: "EPHEMERAL_CREDENTIAL" });
    expect((await call("listResources", { token: machineToken, query: "?tier=7" })).status).toBe(400);
    expect((await call("listResources", { token: machineToken, query: "?teir=3" })).json.error.code).toBe("VALIDATION");
  });

  it("records a token's last use with the address its proxy saw, not one the caller wrote in front of it", async () => {
    const fresh = await tokenFor(machine, ["requests:write"]);
    await call("listResources", { token: fresh, headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7" } });
    const token = await database.prisma.apiToken.findFirstOrThrow({ where: { identityId: machine.id }, orderBy: { createdAt: "desc" } });
    expect(token.lastUsedIp).toBe("203.0.113.7");
    expect(Date.now() - token.lastUsedAt!.getTime()).toBeLessThan(60_000);
    expect(clientIp(new Request("http://k.test", { headers: { "x-forwarded-for": "6.6.6.6, 10.0.0.2, 203.0.113.7" } }), 2)).toBe("10.0.0.2");
    expect(clientIp(new Request("http://k.test"), 1)).toBeNull();
  });

  it("an auto-approved request is APPROVED at once, with its reasons and grant, ledgered as the machine", async () => {
    const created = await call("createRequest", { token: machineToken, body: tier3Read() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ status: "APPROVED", outcome: "auto_approve", grantId: expect.any(String), credential: null });
    expect(created.json.reasons.length).toBeGreaterThan(0);
    // Without ?wait= the answer does not re-read the grant: follow grantId.
    expect(created.json.grant).toBeNull();
    expect(created.json.policyVersion).toBe(1);
    expect(created.headers.get("location")).toBe(`/api/v1/requests/${created.json.id}`);
    const event = await database.prisma.ledgerEvent.findFirstOrThrow({ where: { requestId: created.json.id, action: "access/request.created" } });
    expect(event).toMatchObject({ actorType: "machine", actorId: machine.id });

    const read = await call("getRequest", { token: machineToken, id: created.json.id });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: created.json.id, status: "APPROVED", requester: { id: machine.id }, reasons: created.json.reasons, grant: { id: created.json.grantId, status: "SCHEDULED" } });
  });

  it("with ?wait= the call returns once the grant is active, with the one-time credential, once", async () => {
    const earlier = (await database.prisma.grant.findMany({ where: { identityId: machine.id }, select: { id: true } })).map((g) => g.id);
    const pending = call("createRequest", { token: machineToken, query: "?wait=5", body: tier3Read() });
    // Play the provisioner: activate the grant as soon as it exists.
    let grant = null;
    for (let i = 0; i < 100 && !grant; i++) {
      grant = await database.prisma.grant.findFirst({ where: { identityId: machine.id, id: { notIn: earlier } } });
      if (!grant) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(grant).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const credential = await activate(grant!.id);
    const created = await pending;
    expect(created.status).toBe(201);
    expect(created.json.grant).toMatchObject({ id: grant!.id, status: "ACTIVE" });
    expect(created.json.credential).toEqual(credential);
    // Shown once: the API cannot hand it out again, and it is no longer stored.
    const again = await call("takeGrantCredential", { token: machineToken, id: grant!.id });
    expect(again.status).toBe(409);
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: grant!.id } })).credentialCiphertext).toBeNull();
  });

  it("a wait that times out answers with the grant as it is, and no credential", async () => {
    const started = Date.now();
    const created = await call("createRequest", { token: machineToken, query: "?wait=0.3", body: tier3Read() });
    expect(created.status).toBe(201);
    expect(created.json.grant.status).toBe("SCHEDULED");
    expect(created.json.credential).toBeNull();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await call("createRequest", { token: machineToken, query: "?wait=11", body: tier3Read() })).status).toBe(400);
    expect((await call("createRequest", { token: machineToken, query: "?wait=soon", body: tier3Read() })).status).toBe(400);
  });

  it("lists, reads, takes the credential of, and releases its grants", async () => {
    const created = await call("createRequest", { token: machineToken, body: tier3Read() });
    const grantId: string = created.json.grantId;
    const list = await call("listGrants", { token: machineToken });
    expect(list.status).toBe(200);
    expect(list.json.grants.map((g: { id: string }) => g.id)).toContain(grantId);
    expect(list.json.next).toBeNull();
    const older = await call("listGrants", { token: machineToken, query: `?after=${Date.now()}_${grantId}` });
    expect(older.status).toBe(200);
    expect(older.json.grants.map((g: { id: string }) => g.id)).not.toContain(grantId);
    expect((await call("listGrants", { token: machineToken, query: "?after=yesterday" })).json.error).toMatchObject({ code: "VALIDATION", message: expect.stringContaining("page link is not valid") });

    const scheduled = await call("getGrant", { token: machineToken, id: grantId });
    expect(scheduled.json).toMatchObject({ id: grantId, status: "SCHEDULED", credentialAvailable: false, requestId: created.json.id });
    expect((await call("takeGrantCredential", { token: machineToken, id: grantId })).status).toBe(409);

    const credential = await activate(grantId);
    expect((await call("getGrant", { token: machineToken, id: grantId })).json).toMatchObject({ status: "ACTIVE", credentialAvailable: true });
    const taken = await call("takeGrantCredential", { token: machineToken, id: grantId });
    expect(taken.status).toBe(200);
    expect(taken.json).toEqual({ grantId, credential });
    expect((await call("takeGrantCredential", { token: machineToken, id: grantId })).json.error).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already shown") });

    const released = await call("releaseGrant", { token: machineToken, id: grantId });
    expect(released.status).toBe(200);
    expect(released.json).toEqual({ grantId, status: "REVOKING" });
    // Releasing again is harmless; a bare POST with `{}` is accepted too.
    expect((await call("releaseGrant", { token: machineToken, id: grantId, body: {} })).json.status).toBe("REVOKING");
  });

  it("a grant that has not started yet is released as REVOKED without touching the target", async () => {
    const created = await call("createRequest", { token: machineToken, body: tier3Read() });
    const released = await call("releaseGrant", { token: machineToken, id: created.json.grantId });
    expect(released.json.status).toBe("REVOKED");
  });
});

describe("idempotency", () => {
  it("the same Idempotency-Key returns the same request (200) and creates nothing", async () => {
    const key = `deploy-${Date.now()}-a`;
    const first = await call("createRequest", { token: machineToken, body: tier3Read(), headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const before = await counts();
    const replay = await call("createRequest", { token: machineToken, body: tier3Read(), headers: { "Idempotency-Key": key } });
    expect(replay.status).toBe(200);
    expect(replay.json.id).toBe(first.json.id);
    expect(replay.json.grantId).toBe(first.json.grantId);
    expect(await counts()).toEqual(before);
  });

  it("concurrent calls with one key yield one request", async () => {
    const key = `deploy-${Date.now()}-b`;
    const before = await counts();
    const results = await Promise.all([1, 2, 3].map(() => call("createRequest", { token: machineToken, body: tier3Read(), headers: { "Idempotency-Key": key } })));
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect((await counts()).requests).toBe(before.requests + 1);
  });

  it("a key reused for a different request is a conflict; a malformed key is refused", async () => {
    const key = `deploy-${Date.now()}-c`;
    await call("createRequest", { token: machineToken, body: tier3Read(), headers: { "Idempotency-Key": key } });
    const other = await call("createRequest", { token: machineToken, body: { ...tier3Read(), justification: "Something else entirely" }, headers: { "Idempotency-Key": key } });
    expect(other.status).toBe(409);
    expect(other.json.error.details).toMatchObject({ field: "Idempotency-Key" });
    const bad = await call("createRequest", { token: machineToken, body: tier3Read(), headers: { "Idempotency-Key": "no spaces allowed" } });
    expect(bad.status).toBe(400);
  });
});

describe("requests routed to people, and chat-ops decisions", () => {
  it("two owners approve through the API; the same decision twice is a conflict", async () => {
    const created = await call("createRequest", { token: mayaToken, body: tier1Write() });
    expect(created.json).toMatchObject({ status: "PENDING", outcome: "approval", grantId: null, grant: null });

    // The approver's bot reads the request it was routed, then decides.
    const routed = await call("getRequest", { token: elenaDecisions, id: created.json.id });
    expect(routed.json.routedTo).toEqual(expect.arrayContaining(["Elena Petrova", "Kenji Watanabe"]));
    expect(routed.json.stage).toBe("Owners");
    const first = await call("decideRequest", { token: elenaDecisions, id: created.json.id, body: { decision: "APPROVE", comment: "ok for the backfill" } });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: "PENDING", remainingApprovals: 1 });
    const twice = await call("decideRequest", { token: elenaDecisions, id: created.json.id, body: { decision: "APPROVE", comment: "ok for the backfill" } });
    expect(twice.status).toBe(409);

    const second = await call("decideRequest", { token: kenjiDecisions, id: created.json.id, body: { decision: "APPROVE", durationMinutes: 30 } });
    expect(second.json).toMatchObject({ status: "APPROVED", grantId: expect.any(String) });
    const after = await call("getRequest", { token: mayaToken, id: created.json.id });
    expect(after.json).toMatchObject({ status: "APPROVED", durationMinutes: 30, grantId: second.json.grantId });
    expect(after.json.decisions.map((d: { approver: string }) => d.approver)).toEqual(["Elena Petrova", "Kenji Watanabe"]);
  });

  it("a denial needs a comment, which the requester then reads", async () => {
    const created = await call("createRequest", { token: mayaToken, body: tier1Write() });
    const bare = await call("decideRequest", { token: elenaDecisions, id: created.json.id, body: { decision: "DENY" } });
    expect(bare.status).toBe(400);
    expect(bare.json.error.details.fieldErrors.comment).toBeDefined();
    await call("decideRequest", { token: elenaDecisions, id: created.json.id, body: { decision: "DENY", comment: "Use the staging copy" } });
    const read = await call("getRequest", { token: mayaToken, id: created.json.id });
    expect(read.json).toMatchObject({ status: "DENIED", decisions: [{ decision: "DENY", comment: "Use the staging copy" }] });
  });

  it("an approver cannot decide their own request (403)", async () => {
    const elenaRequests = await tokenFor(people["Elena Petrova"]!, ["requests:write", "decisions:write"]);
    const created = await call("createRequest", { token: elenaRequests, body: tier1Write() });
    expect(created.json.status).toBe("PENDING");
    const before = await counts();
    const own = await call("decideRequest", { token: elenaRequests, id: created.json.id, body: { decision: "APPROVE" } });
    expect(own.status).toBe(403);
    expect(own.json.error.code).toBe("FORBIDDEN");
    expect(await counts()).toEqual(before);
  });

  it("the requester cancels; strangers cannot see or cancel; a cancelled request cannot be decided", async () => {
    const created = await call("createRequest", { token: mayaToken, body: tier1Write() });
    const id: string = created.json.id;
    expect((await call("getRequest", { token: noahToken, id })).status).toBe(404);
    expect((await call("cancelRequest", { token: noahToken, id })).status).toBe(404);
    const cancelled = await call("cancelRequest", { token: mayaToken, id });
    expect(cancelled.json).toEqual({ requestId: id, status: "CANCELLED" });
    const late = await call("decideRequest", { token: elenaDecisions, id, body: { decision: "APPROVE" } });
    expect(late.status).toBe(409);
    expect(late.json.error.message).toContain("cancelled");
  });

  it("another identity's ids are not found, never forbidden", async () => {
    const created = await call("createRequest", { token: mayaToken, body: tier1Write() });
    // Marcus approves data resources, not payments: to him this request does not exist.
    const marcus = await tokenFor(people["Marcus Lee"]!, ["decisions:write"]);
    expect((await call("decideRequest", { token: marcus, id: created.json.id, body: { decision: "APPROVE" } })).status).toBe(404);
    expect((await call("getRequest", { token: marcus, id: created.json.id })).status).toBe(404);

    const machineRequest = await call("createRequest", { token: machineToken, body: tier3Read() });
    const grantId: string = machineRequest.json.grantId;
    for (const operationId of ["getGrant", "releaseGrant", "takeGrantCredential"]) {
      const response = await call(operationId, { token: noahToken, id: grantId });
      expect(response.status, operationId).toBe(404);
      expect(response.json.error.message).toBe("No such grant.");
    }
    expect((await call("getRequest", { token: noahToken, id: "00000000-0000-7000-8000-000000000000" })).status).toBe(404);
    expect((await call("getGrant", { token: noahToken, id: "not-a-uuid" })).status).toBe(404);
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).status).toBe("SCHEDULED");
  });
});

describe("attacks and bad input are refused with a specific error and change nothing", () => {
  it.each([
    ["no token", null, "Send an API token"],
    ["a malformed token", "not-a-token", "not valid"],
    ["an unknown token", `kc_${"A".repeat(43)}`, "not valid"],
  ])("%s → 401", async (_name, token, message) => {
    const response = await call("listResources", { token });
    expect(response.status).toBe(401);
    expect(response.json.error).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining(message) });
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="keycard"/);
  });

  it("a revoked, an expired, and a disabled identity's token → 401", async () => {
    const admin = { actor: people["Priya Raman"]!, db: database.prisma };
    const bot = toActor(await database.prisma.identity.create({ data: { kind: "MACHINE", name: "short-lived-bot", roles: ["REQUESTER"], ownerId: people["Sam Okafor"]!.id } }));
    const revoked = await createApiToken({ identityId: bot.id, name: "revoked", scopes: ["requests:write"], expiresInDays: 1 }, admin);
    await revokeApiToken({ tokenId: revoked.id }, admin);
    const expired = await createApiToken({ identityId: bot.id, name: "expired", scopes: ["requests:write"], expiresInDays: 1 }, admin);
    await database.prisma.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const live = await createApiToken({ identityId: bot.id, name: "live", scopes: ["requests:write"], expiresInDays: 1 }, admin);
    await setIdentityStatus({ identityId: bot.id, status: "DISABLED", reason: "decommissioned" }, admin);
    const before = await counts();
    for (const [token, message] of [
      [revoked.secret, "revoked"],
      [expired.secret, "expired"],
      [live.secret, "disabled"],
    ] as const) {
      const response = await call("createRequest", { token, body: tier3Read() });
      expect(response.status).toBe(401);
      expect(response.json.error.message).toContain(message);
      expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    expect(await counts()).toEqual(before);
  });

  it("a token without the scope → 403, even when its identity has the role", async () => {
    const readOnly = await tokenFor(machine, ["resources:read"]);
    const before = await counts();
    const create = await call("createRequest", { token: readOnly, body: tier3Read() });
    expect(create.status).toBe(403);
    expect(create.json.error).toMatchObject({ code: "FORBIDDEN", details: { requiredScopes: ["requests:write"] } });
    expect((await call("listGrants", { token: readOnly })).status).toBe(403);
    expect((await call("decideRequest", { token: machineToken, id: "00000000-0000-7000-8000-000000000000", body: { decision: "APPROVE" } })).status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it("a decisions:write token of an identity that is not an approver → 403", async () => {
    const created = await call("createRequest", { token: noahToken, body: tier1Write() });
    const mayaDecides = await tokenFor(people["Maya Chen"]!, ["decisions:write"]);
    const response = await call("decideRequest", { token: mayaDecides, id: created.json.id, body: { decision: "APPROVE" } });
    expect(response.status).toBe(403);
    expect(response.json.error.message).toContain("requests:decide");
  });

  it.each([
    ["text/plain", "text/plain", () => JSON.stringify(tier3Read())],
    ["form-encoded", "application/x-www-form-urlencoded", () => new URLSearchParams(Object.entries(tier3Read()).map(([k, v]) => [k, String(v)])).toString()],
    ["no content type", null, () => JSON.stringify(tier3Read())],
  ])("a %s body → 415", async (_name, contentType, rawBody) => {
    const before = await counts();
    const response = await call("createRequest", { token: machineToken, rawBody: rawBody(), contentType });
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await counts()).toEqual(before);
  });

  it("a form-encoded body on an action without input → 415", async () => {
    const created = await call("createRequest", { token: machineToken, body: tier3Read() });
    const response = await call("releaseGrant", { token: machineToken, id: created.json.grantId, rawBody: "confirm=1", contentType: "application/x-www-form-urlencoded" });
    expect(response.status).toBe(415);
    expect((await database.prisma.grant.findUniqueOrThrow({ where: { id: created.json.grantId } })).status).toBe("SCHEDULED");
  });

  it.each([
    ["status", { status: "APPROVED" }],
    ["approver", { approverId: "00000000-0000-7000-8000-000000000000" }],
    ["expiry", { expiresAt: "2030-01-01T00:00:00Z" }],
    ["grant end", { endsAt: "2030-01-01T00:00:00Z" }],
    ["requester", { requesterId: "00000000-0000-7000-8000-000000000000" }],
  ])("a %s set by the client → 400", async (_name, extra) => {
    const before = await counts();
    const response = await call("createRequest", { token: machineToken, body: { ...tier3Read(), ...extra } });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: "VALIDATION", message: expect.stringMatching(/unrecognized key/i) });
    expect(await counts()).toEqual(before);
  });

  it("fields an action does not take → 400", async () => {
    const created = await call("createRequest", { token: mayaToken, body: tier1Write() });
    const response = await call("cancelRequest", { token: mayaToken, id: created.json.id, body: { status: "APPROVED" } });
    expect(response.status).toBe(400);
    const decide = await call("decideRequest", { token: elenaDecisions, id: created.json.id, body: { decision: "APPROVE", requestId: created.json.id } });
    expect(decide.status).toBe(400);
    expect((await call("getRequest", { token: mayaToken, id: created.json.id })).json.status).toBe("PENDING");
  });

  it.each([
    ["duration 0", { durationMinutes: 0 }, /more than 0/],
    ["a NaN-like duration", { durationMinutes: "NaN" }, /number/i],
    ["a timestamp without a time zone", { startsAt: "2030-01-01T10:00:00" }, /time zone/],
    ["a formula justification", { justification: '=HYPERLINK("http://evil.example","x")' }, /formula/],
    ["an unknown resource", { resourceId: "00000000-0000-7000-8000-000000000000" }, /resource/i],
  ])("%s → a specific error", async (_name, patch, message) => {
    const before = await counts();
    const response = await call("createRequest", { token: machineToken, body: { ...tier3Read(), ...patch } });
    expect([400, 404]).toContain(response.status);
    expect(response.json.error.message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("a body over the limit → 413, broken JSON → 400", async () => {
    const before = await counts();
    const huge = await call("createRequest", { token: machineToken, body: { ...tier3Read(), justification: "x".repeat(MAX_BODY_BYTES) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe("PAYLOAD_TOO_LARGE");
    const declared = await call("createRequest", { token: machineToken, rawBody: "{}", headers: { "content-length": String(10 * MAX_BODY_BYTES) } });
    expect(declared.status).toBe(413);
    expect((await call("createRequest", { token: machineToken, rawBody: '{"resourceId": ', contentType: "application/json" })).json.error.message).toContain("not valid JSON");
    expect((await call("createRequest", { token: machineToken, rawBody: "[1,2]", contentType: "application/json" })).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("a token over its rate limit → 429 with Retry-After (KEYCARD_API_RATE_LIMIT)", async () => {
    const token = await tokenFor(machine, ["resources:read"]);
    const previous = process.env.KEYCARD_API_RATE_LIMIT;
    process.env.KEYCARD_API_RATE_LIMIT = "3/60";
    try {
      // The window is a fixed minute: start in a fresh one, so the four calls cannot straddle its end.
      const { resetSeconds } = rateWindow({ limit: 3, windowSeconds: 60 });
      if (resetSeconds < 15) await new Promise((resolve) => setTimeout(resolve, resetSeconds * 1000 + 100));
      for (let i = 0; i < 3; i++) {
        const ok = await call("listResources", { token });
        expect(ok.status).toBe(200);
        expect(ok.headers.get("ratelimit-remaining")).toBe(String(2 - i));
      }
      const limited = await call("listResources", { token });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe("RATE_LIMITED");
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers.get("ratelimit-remaining")).toBe("0");
      // Per token: another token is not affected.
      expect((await call("listResources", { token: await tokenFor(machine, ["resources:read"]) })).status).toBe(200);
    } finally {
      if (previous === undefined) delete process.env.KEYCARD_API_RATE_LIMIT;
      else process.env.KEYCARD_API_RATE_LIMIT = previous;
    }
  });

  it("an unexpected failure is a generic 500 without internals", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = errorToResponse(new Error("connection to 10.0.0.5 refused at pg/lib/client.js:132"), new Headers());
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("10.0.0.5");
    expect(text).not.toContain("client.js");
    expect(JSON.parse(text)).toMatchObject({ error: { code: "INTERNAL" } });
  });

  it("an overloaded database is a 503 with Retry-After, not a 500", async () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const busy = Object.assign(new Error("Transaction API error: Unable to start a transaction in the given time."), { code: "P2028" });
    const response = errorToResponse(busy, new Headers());
    warned.mockRestore();
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(ZApiError.parse(await response.json()).error.code).toBe("UNAVAILABLE");
  });

  it("an unknown API path is a JSON 404", async () => {
    const { GET } = await import("@/app/api/v1/[...path]/route");
    const response = await GET(new Request("http://keycard.test/api/v1/tokens"));
    expect(response.status).toBe(404);
    expect(ZApiError.parse(await response.json()).error.code).toBe("NOT_FOUND");
  });
});

describe("admission: machine calls take turns", () => {
  const global = globalThis as unknown as { keycardApiGate?: AdmissionGate };
  let saved: AdmissionGate | undefined;
  beforeAll(() => {
    saved = global.keycardApiGate;
  });
  afterAll(() => {
    global.keycardApiGate = saved;
  });

  it("a call that gets no turn in time is a 503 with Retry-After, and changes nothing", async () => {
    const gate = (global.keycardApiGate = new AdmissionGate(1, 80));
    expect(await gate.enter()).toBe(true); // someone else's long call holds the only place
    const before = await database.prisma.accessRequest.count();
    const refused = await call("createRequest", { token: machineToken, body: tier3Read() });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.json.error.code).toBe("UNAVAILABLE");
    expect(await database.prisma.accessRequest.count()).toBe(before);
    expect(gate.load).toEqual({ active: 1, waiting: 0 });
    gate.leave();
    expect((await call("createRequest", { token: machineToken, body: tier3Read() })).status).toBe(201);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it("a bad token or an exhausted rate limit is refused at once, without waiting for a turn", async () => {
    const gate = (global.keycardApiGate = new AdmissionGate(1, 5_000));
    expect(await gate.enter()).toBe(true);
    const started = Date.now();
    expect((await call("listResources", { token: "kc_not_a_real_token" })).status).toBe(401);
    expect((await call("listResources", { token: null })).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(gate.load).toEqual({ active: 1, waiting: 0 });
    gate.leave();
  });

  it("a waiting call gets the place as soon as it is free, in arrival order", async () => {
    const gate = (global.keycardApiGate = new AdmissionGate(1, 5_000));
    expect(await gate.enter()).toBe(true);
    const order: string[] = [];
    // Authentication comes before the queue and takes its own time: start the second call only once the
    // first is queued, so the arrival order is the one written here.
    const first = call("listResources", { token: machineToken }).then((r) => (order.push("first"), r));
    await eventually(() => gate.load.waiting === 1);
    const second = call("listGrants", { token: machineToken }).then((r) => (order.push("second"), r));
    await eventually(() => gate.load.waiting === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    expect(gate.load).toEqual({ active: 1, waiting: 2 });
    gate.leave();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(order).toEqual(["first", "second"]);
  });

  it("a long poll gives its place up while it waits, so other calls go on", async () => {
    global.keycardApiGate = new AdmissionGate(1, 2_000);
    const created = await call("createRequest", { token: machineToken, body: tier3Read() });
    let pollAnswered = false;
    const polling = call("getGrant", { token: machineToken, id: created.json.grantId, query: "?wait=3" }).then((r) => ((pollAnswered = true), r));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The poll is waiting for a grant nobody provisions here: the only place is free for this call, which
    // answers while the poll still waits (were the place held, it would answer only after the poll).
    const listed = await call("listGrants", { token: machineToken });
    expect(listed.status).toBe(200);
    expect(pollAnswered).toBe(false);
    const polled = await polling;
    expect(polled.status).toBe(200);
    expect(polled.json.status).toBe("SCHEDULED");
    expect(global.keycardApiGate.load).toEqual({ active: 0, waiting: 0 });
  });
});

describe("usage ingestion", () => {
  it("takes a batch larger than other calls' 64 KB limit, counts a resent batch once, and refuses one over 256 KB", async () => {
    const token = await tokenFor(people["Priya Raman"]!, ["usage:write"]);
    const at = new Date(Date.now() - 60_000).toISOString();
    const events = Array.from({ length: 1_000 }, (_, i) => ({ id: `siem-${i}`, connector: "demo-postgres", principal: `svc_batch_${i % 7}`, privilege: "orders_read", at }));
    const body = { events };
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    expect((await call("ingestUsage", { token, body })).json).toEqual({ received: 1_000, accepted: 1_000, duplicates: 0 });
    expect((await call("ingestUsage", { token, body })).json).toEqual({ received: 1_000, accepted: 0, duplicates: 1_000 });
    const huge = await call("ingestUsage", { token, body: { events: events.map((e) => ({ ...e, principal: "x".repeat(250) })) } });
    expect(huge.status).toBe(413);
    // A token for requests cannot report usage.
    expect((await call("ingestUsage", { token: await tokenFor(machine, ["requests:write"]), body })).status).toBe(403);
  });
});

describe("coverage", () => {
  it("every endpoint was exercised through its route file", () => {
    expect([...exercised].sort()).toEqual(endpoints.map((e) => e.spec.operationId).sort());
  });
});
