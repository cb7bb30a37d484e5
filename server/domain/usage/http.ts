import type { IdentityActor } from "@/server/actor";
import { readJsonBody } from "@/server/api/body";
import { apiRateLimit } from "@/server/api/config";
import { errorToResponse } from "@/server/api/errors";
import { can } from "@/server/auth/permissions";
import { db } from "@/server/db";
import { authenticateApiToken } from "@/server/domain/tokens/authenticate";
import { consumeRateLimit } from "@/server/domain/tokens/rate-limit";
import { ingestUsageEvents } from "@/server/domain/usage/ingest";
import { MAX_USAGE_BATCH_BYTES } from "@/server/domain/usage/schema";
import { DomainError, isDomainError } from "@/server/errors";

/**
 * `POST /api/v1/usage` on the HTTP API's own pieces (token authentication, the per-token rate limit, the
 * bounded JSON body reader and the error contract of server/api), in the same order as every /api/v1
 * call: token (401) → rate limit (429) → scope and role (403) → media type (415) → size (413) → JSON and
 * schema (400) → the domain. It is not a `defineEndpoint` because that plumbing caps bodies at 64 KB, and
 * a batch of 1,000 events needs up to 256 KB.
 */

const SCOPE = "usage:write";

function clientIp(request: Request): string | null {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || request.headers.get("x-real-ip") || null;
}

function assertUsageScope(actor: IdentityActor): void {
  if (!(actor.tokenScopes ?? []).includes(SCOPE)) {
    throw new DomainError("FORBIDDEN", `This API token lacks the scope for this call (needs ${SCOPE}).`, { requiredScopes: [SCOPE] });
  }
  if (!can(actor, "reports:manage")) {
    throw new DomainError("FORBIDDEN", "The identity behind this token is not allowed to do this (needs reports:manage).", { permission: "reports:manage" });
  }
}

export async function handleUsagePost(request: Request): Promise<Response> {
  const headers = new Headers({ "Cache-Control": "no-store" });
  try {
    const database = db();
    const actor = await authenticateApiToken(database, request.headers.get("authorization"), clientIp(request));
    const rate = apiRateLimit();
    try {
      const { remaining, resetSeconds } = await consumeRateLimit(database, `api-token:${actor.tokenId ?? actor.id}`, rate);
      headers.set("RateLimit-Limit", String(rate.limit));
      headers.set("RateLimit-Remaining", String(Math.max(0, remaining)));
      headers.set("RateLimit-Reset", String(resetSeconds));
    } catch (error) {
      if (isDomainError(error) && error.code === "RATE_LIMITED") headers.set("RateLimit-Remaining", "0");
      throw error;
    }
    assertUsageScope(actor);
    const body = await readJsonBody(request, { limit: MAX_USAGE_BATCH_BYTES, required: true });
    const result = await ingestUsageEvents(body, { actor, db: database });
    return Response.json(result, { status: 200, headers });
  } catch (error) {
    if (isDomainError(error) && error.code === "UNAUTHENTICATED") {
      headers.set("WWW-Authenticate", request.headers.get("authorization") ? 'Bearer realm="keycard", error="invalid_token"' : 'Bearer realm="keycard"');
    }
    return errorToResponse(error, headers);
  }
}
