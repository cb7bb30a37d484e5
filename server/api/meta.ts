import { errorToResponse } from "@/server/api/errors";
import { openApiDocument } from "@/server/api/openapi";
import { DomainError } from "@/server/errors";

/** GET /api/v1/openapi.json: public (no token), so clients and tools can discover the API. */
export async function serveOpenApiDocument(): Promise<Response> {
  return Response.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
}

export async function unknownApiPath(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  return errorToResponse(new DomainError("NOT_FOUND", `No such API endpoint: ${request.method} ${path}. The endpoints are listed in /api/v1/openapi.json.`), new Headers({ "Cache-Control": "no-store" }));
}
