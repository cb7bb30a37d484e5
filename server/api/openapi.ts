import { z } from "zod";
import { MAX_BODY_BYTES } from "@/server/api/config";
import { endpoints } from "@/server/api/endpoints";
import { ZApiError } from "@/server/api/errors";
import type { DocumentedHeader, Endpoint, ErrorStatus } from "@/server/api/handler";
import * as views from "@/server/api/views";
import { API_RATE_LIMIT } from "@/server/domain/tokens/rate-limit";
import { MAX_USAGE_BATCH_BYTES } from "@/server/domain/usage/schema";

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the endpoint definitions and their zod schemas
 * (the same objects that validate requests and shape responses), so it describes what runs. OpenAPI 3.1
 * schemas are JSON Schema 2020-12, which is what `z.toJSONSchema` emits.
 */

type Json = Record<string, unknown>;

/** Named components: the public views, plus each operation's body under `<OperationId>Body`. */
const namedViews: [string, z.ZodType][] = [
  ["Error", ZApiError],
  ["AccessLevel", views.ZAccessLevelView],
  ["Resource", views.ZResourceView],
  ["ResourceList", views.ZResourceList],
  ["Risk", views.ZRiskView],
  ["GrantRef", views.ZGrantRef],
  ["Request", views.ZRequestView],
  ["Credential", views.ZCredential],
  ["RequestCreated", views.ZRequestCreated],
  ["DecisionResult", views.ZDecisionResult],
  ["CancelResult", views.ZCancelResult],
  ["GrantSummary", views.ZGrantSummary],
  ["GrantList", views.ZGrantList],
  ["Grant", views.ZGrantView],
  ["ReleaseResult", views.ZReleaseResult],
  ["CredentialResult", views.ZCredentialResult],
  ["UsageIngestResult", views.ZUsageIngestResult],
];

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);
const ref = (name: string, kind = "schemas") => ({ $ref: `#/components/${kind}/${name}` });

/**
 * zod spells `format: "uuid"` / `"date-time"` out as its own (very long) regular expressions too; the
 * format says the same thing to OpenAPI tools, so the pattern is dropped there to keep the document
 * readable.
 */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (typeof value !== "object" || value === null) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    // `$schema` is implied by OpenAPI 3.1; zod's `$id` for registry entries is a fragment, which JSON Schema forbids.
    if (key === "$schema" || key === "$id") continue;
    if (key === "pattern" && typeof (value as Json).format === "string") continue;
    out[key] = tidy(child);
  }
  return out;
}

function jsonSchemaOf(schema: z.ZodType): Json {
  return tidy(z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" })) as Json;
}

const errorResponses: Record<ErrorStatus | 401 | 429 | 500 | 503, { name: string; description: string }> = {
  400: { name: "BadRequest", description: "The input is invalid (code VALIDATION); `details.fieldErrors` names the fields" },
  401: { name: "Unauthorized", description: "No token, or a malformed, unknown, revoked or expired one, or its identity is disabled (code UNAUTHENTICATED)" },
  403: { name: "Forbidden", description: "The token lacks the scope, the identity lacks the role, or a rule forbids it (e.g. deciding your own request)" },
  404: { name: "NotFound", description: "No such object visible to this identity (another identity's ids are not found, never forbidden)" },
  409: { name: "Conflict", description: "The object is not in a state that allows this (already decided, cancelled, expired, credential already shown; code CONFLICT or INVALID_TRANSITION)" },
  413: { name: "PayloadTooLarge", description: `The body is larger than ${MAX_BODY_BYTES / 1024} KB (${MAX_USAGE_BATCH_BYTES / 1024} KB for usage batches)` },
  415: { name: "UnsupportedMediaType", description: "A body that is not `Content-Type: application/json`" },
  429: { name: "RateLimited", description: "Too many calls with this token in the current window; retry after `Retry-After` seconds" },
  500: { name: "InternalError", description: "An unexpected failure; nothing about it is disclosed. Safe to retry with the same Idempotency-Key" },
  503: { name: "Unavailable", description: "Overloaded (the call got no turn, or the database could not serve it, in time); nothing was changed. Retry after `Retry-After` seconds" },
};

const rateLimitHeaders: Json = {
  "RateLimit-Limit": { description: "Calls allowed per window for this token", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "Calls left in the current window", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "Seconds until the window resets", schema: { type: "integer" } },
  "RateLimit-Policy": { description: "The limit and window, e.g. `600;w=60`", schema: { type: "string" } },
};

function headersOf(documented: DocumentedHeader[] | undefined): Json {
  return Object.fromEntries((documented ?? []).map((h) => [h.name, { description: h.description, schema: jsonSchemaOf(h.schema) }]));
}

/** Query and path parameters from the operation's zod objects. */
function parametersOf(endpoint: Endpoint): Json[] {
  const out: Json[] = [];
  for (const [location, schema] of [["path", endpoint.spec.params], ["query", endpoint.spec.query]] as const) {
    const json = jsonSchemaOf(schema);
    const properties = (json.properties ?? {}) as Record<string, Json>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      out.push({ name, in: location, required: location === "path" || required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  for (const header of endpoint.spec.requestHeaders ?? []) {
    out.push({ name: header.name, in: "header", required: false, description: header.description, schema: jsonSchemaOf(header.schema) });
  }
  return out;
}

function operationOf(endpoint: Endpoint, nameOf: (schema: z.ZodType) => string | undefined): Json {
  const { spec } = endpoint;
  const content = (schema: z.ZodType) => ({ "application/json": { schema: nameOf(schema) ? ref(nameOf(schema)!) : jsonSchemaOf(schema) } });
  const responses: Json = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = { description: response.description, headers: { ...rateLimitHeaders, ...headersOf(response.headers) }, content: content(response.schema) };
  }
  for (const status of [...spec.errors, 401, 429, 500, 503].sort((a, b) => a - b)) responses[String(status)] = ref(errorResponses[status as keyof typeof errorResponses].name, "responses");
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: `${spec.description}\n\nToken scope: ${spec.scopes.map((s) => `\`${s}\``).join(" or ")}.` } : {}),
    // OpenAPI 3.1 lets a bearer scheme list required "roles"; alternatives are separate requirements.
    security: spec.scopes.map((scope) => ({ bearerAuth: [scope] })),
    parameters: parametersOf(endpoint),
    ...(spec.body
      ? { requestBody: { required: true, description: spec.body.description, content: content(spec.body.schema) } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(): Json {
  const names = new Map<z.ZodType, string>(namedViews.map(([name, schema]) => [schema, name]));
  for (const endpoint of endpoints) {
    if (endpoint.spec.body) names.set(endpoint.spec.body.schema, `${pascal(endpoint.spec.operationId)}Body`);
  }
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { io: "input", unrepresentable: "any", target: "draft-2020-12", uri: (id) => `#/components/schemas/${id}` });
  const schemas = tidy(generated.schemas) as Json;

  const paths: Record<string, Json> = {};
  for (const endpoint of endpoints) {
    const item = (paths[endpoint.spec.path] ??= {});
    item[endpoint.spec.method.toLowerCase()] = operationOf(endpoint, (schema) => names.get(schema));
  }
  paths["/openapi.json"] = {
    get: {
      operationId: "getOpenApiDocument",
      tags: ["Meta"],
      summary: "This document",
      security: [],
      responses: { 200: { description: "The OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
    },
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "Keycard API",
      version: "1.0.0",
      summary: "Just-in-time access for machines and integrations",
      description: [
        "Request short-lived access, follow it to activation, take the one-time credential, release it early; approve or deny from chat-ops. The same rules as the portal apply: the same policies, the same separation of duties, the same ledger.",
        "**Authentication**: `Authorization: Bearer kc_…` with an API token an admin issued (Admin → Tokens). A token carries scopes; a call needs both the token's scope and the role of the identity behind it.",
        `**Rate limit**: per token, ${API_RATE_LIMIT.limit} calls per ${API_RATE_LIMIT.windowSeconds} s by default (KEYCARD_API_RATE_LIMIT); every answer carries RateLimit-* headers, a 429 carries Retry-After.`,
        `**Bodies**: JSON only (\`Content-Type: application/json\`, else 415), at most ${MAX_BODY_BYTES / 1024} KB (usage batches ${MAX_USAGE_BATCH_BYTES / 1024} KB; else 413), unknown fields refused (400).`,
        "**Errors**: `{ \"error\": { \"code\", \"message\", \"details\"? } }`; the code is stable, the message is for people.",
        "See docs/api.md for a walk-through.",
      ].join("\n\n"),
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: "Resources", description: "What can be requested" },
      { name: "Requests", description: "Asking for access, and deciding (chat-ops)" },
      { name: "Grants", description: "Time-bound access that requests become" },
      { name: "Usage", description: "When principals used their privileges, from logs or a SIEM" },
      { name: "Meta", description: "About the API itself" },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "kc_…", description: "An API token issued by a Keycard admin. Scopes: resources:read, requests:write, grants:write, decisions:write, usage:write." },
      },
      schemas,
      responses: Object.fromEntries(
        Object.entries(errorResponses).map(([status, { name, description }]) => [
          name,
          {
            description,
            ...(status === "429" || status === "503" ? { headers: { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } }, ...rateLimitHeaders } } : {}),
            ...(status === "401" ? { headers: { "WWW-Authenticate": { description: "`Bearer realm=\"keycard\"`", schema: { type: "string" } } } } : {}),
            content: { "application/json": { schema: ref("Error") } },
          },
        ]),
      ),
    },
  };
}

let cached: Json | undefined;

/** Built once per process: the endpoint table is static. */
export function openApiDocument(): Json {
  cached ??= buildOpenApiDocument();
  return cached;
}
