import { z } from "zod";
import type { IdentityActor } from "@/server/actor";
import { admitted, type AdmissionSlot } from "@/server/api/admission";
import { readJsonBody } from "@/server/api/body";
import { apiAdmissionGate, apiRateLimit, MAX_BODY_BYTES } from "@/server/api/config";
import { errorToResponse } from "@/server/api/errors";
import { can, tokenScopes, type TokenScope } from "@/server/auth/permissions";
import { db } from "@/server/db";
import type { PersonCtx } from "@/server/domain/context";
import { authenticateApiToken, type AuthenticatedCall } from "@/server/domain/tokens/authenticate";
import { judgeRateLimit, type RateLimit } from "@/server/domain/tokens/rate-limit";
import { env } from "@/server/env";
import { DomainError, isDomainError } from "@/server/errors";

/**
 * One endpoint of /api/v1, declared once: the route handler (thin: validate → one domain call → a view)
 * and its OpenAPI operation are both built from this, so the document cannot drift from what runs.
 *
 * Every call goes through the same steps, in this order, each failing with its own status:
 * bearer token (401) → per-token rate limit (429) → token scope + role (403) → its turn among the calls
 * admitted at once (503 after KEYCARD_API_QUEUE_SECONDS) → path id (404) → query (400) → media type (415)
 * → body size (413) → body JSON + schema (400) → the domain.
 */

export type HttpMethod = "GET" | "POST";

/** Statuses an operation documents besides its success (every operation has 401, 429 and 500). */
export type ErrorStatus = 400 | 403 | 404 | 409 | 413 | 415;

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface HandlerInput<P, Q, B> {
  ctx: PersonCtx;
  params: P;
  query: Q;
  body: B;
  request: Request;
  /** The call's place among the API calls admitted at once: a long poll gives it up while it waits. */
  slot: AdmissionSlot;
}

export interface DocumentedHeader {
  name: string;
  description: string;
  schema: z.ZodType;
}

export interface EndpointSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  operationId: string;
  method: HttpMethod;
  /** The OpenAPI path below /api/v1, e.g. `/requests/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The call needs one of these token scopes, and the identity's role for what the scope allows. */
  scopes: readonly TokenScope[];
  /** Path parameters; a value that does not parse is a 404 (an id that cannot exist is not found). */
  params: P;
  notFoundMessage?: string;
  query: Q;
  /** Absent: the operation takes no body (a bare POST, or `{}`). */
  body?: { schema: B; description?: string };
  /** A larger body limit than every other call's MAX_BODY_BYTES (usage batches). */
  maxBodyBytes?: number;
  requestHeaders?: DocumentedHeader[];
  responses: Record<number, { description: string; schema: z.ZodType; headers?: DocumentedHeader[] }>;
  errors: readonly ErrorStatus[];
  handle(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<ApiResult>;
}

/** What Next.js passes a route handler as its second argument. */
export interface RouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

export interface Endpoint {
  spec: EndpointSpec<z.ZodType, z.ZodType, z.ZodType>;
  handler(request: Request, context?: RouteContext): Promise<Response>;
}

export const noParams = z.object({}).strict();
export const noQuery = z.object({}).strict();
export const idParam = z.object({ id: z.uuid() }).strict();
/** Operations without input still accept `{}` (some clients always send a body), never anything else. */
const emptyBody = z.object({}).strict();

/**
 * The caller's address as the nearest trusted proxy saw it (KEYCARD_PROXY_HOPS). Without a proxy, Next.js
 * fills X-Forwarded-For with the socket's address when the client sent none; one the client did send is
 * kept, and its rightmost entry is then only as good as the client's word.
 */
export function clientIp(request: Request, hops = env().KEYCARD_PROXY_HOPS): string | null {
  const entries = (request.headers.get("x-forwarded-for") ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
  return entries.at(-Math.min(hops, entries.length)) ?? null;
}

/**
 * A token may do what its scope allows, and only if its identity's roles allow it too (a token never
 * grants more than its holder has). The domain checks the role again; the scope decides which endpoints
 * a token reaches at all, since several scopes map to the same domain permission.
 */
function assertScope(actor: IdentityActor, scopes: readonly TokenScope[]): void {
  const held = actor.tokenScopes ?? [];
  const granted = scopes.filter((scope) => held.includes(scope));
  if (granted.length === 0) {
    throw new DomainError("FORBIDDEN", `This API token lacks the scope for this call (needs ${scopes.join(" or ")}).`, { requiredScopes: scopes });
  }
  if (!granted.some((scope) => tokenScopes[scope].every((permission) => can(actor, permission)))) {
    const needed = [...new Set(granted.flatMap((scope) => tokenScopes[scope]))];
    throw new DomainError("FORBIDDEN", `The identity behind this token is not allowed to do this (needs ${needed.join(" or ")}).`, { permission: needed[0] });
  }
}

function setRateLimitHeaders(headers: Headers, rate: RateLimit, remaining: number, resetSeconds: number): void {
  headers.set("RateLimit-Limit", String(rate.limit));
  headers.set("RateLimit-Remaining", String(Math.max(0, remaining)));
  headers.set("RateLimit-Reset", String(resetSeconds));
  headers.set("RateLimit-Policy", `${rate.limit};w=${rate.windowSeconds}`);
}

/** Judges the call the token's authentication counted, and says so in the RateLimit-* headers either way. */
function rateLimit(call: AuthenticatedCall, rate: RateLimit, headers: Headers): void {
  try {
    const { remaining, resetSeconds } = judgeRateLimit(call.callsInWindow, rate, call.resetSeconds);
    setRateLimitHeaders(headers, rate, remaining, resetSeconds);
  } catch (error) {
    setRateLimitHeaders(headers, rate, 0, call.resetSeconds);
    throw error;
  }
}

/** Query strings arrive as strings; a repeated key is refused rather than silently picking one. */
function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (values.length > 1) throw new DomainError("VALIDATION", `Give the query parameter "${key}" once.`, { field: key });
    out[key] = values[0] ?? "";
  }
  return out;
}

export function defineEndpoint<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType = typeof emptyBody>(spec: EndpointSpec<P, Q, B>): Endpoint {
  async function handler(request: Request, context?: RouteContext): Promise<Response> {
    const headers = new Headers({ "Cache-Control": "no-store" });
    try {
      const database = db();
      const rate = apiRateLimit();
      const call = await authenticateApiToken(database, request.headers.get("authorization"), clientIp(request), rate);
      rateLimit(call, rate, headers);
      const { actor } = call;
      assertScope(actor, spec.scopes);

      // Only authenticated calls within their rate limit queue: a flood of bad tokens never takes a turn.
      const result = await admitted(apiAdmissionGate(), request.signal, async (slot) => {
        const params = spec.params.safeParse((await context?.params) ?? {});
        if (!params.success) throw new DomainError("NOT_FOUND", spec.notFoundMessage ?? "Not found.");
        const query = spec.query.parse(queryObject(new URL(request.url)));
        let body: unknown = undefined;
        if (spec.method === "POST") {
          const raw = await readJsonBody(request, { limit: spec.maxBodyBytes ?? MAX_BODY_BYTES, required: Boolean(spec.body) });
          body = (spec.body?.schema ?? emptyBody).parse(raw ?? {});
        }

        return spec.handle({
          ctx: { actor, db: database },
          params: params.data as z.output<P>,
          query: query as z.output<Q>,
          body: body as z.output<B>,
          request,
          slot,
        });
      });
      for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, value);
      return Response.json(result.body, { status: result.status, headers });
    } catch (error) {
      if (isDomainError(error) && error.code === "UNAUTHENTICATED") {
        // RFC 6750: say which scheme to use, and whether the token itself was the problem.
        headers.set("WWW-Authenticate", request.headers.get("authorization") ? 'Bearer realm="keycard", error="invalid_token"' : 'Bearer realm="keycard"');
      }
      return errorToResponse(error, headers);
    }
  }
  return { spec: spec as unknown as Endpoint["spec"], handler };
}
