import "server-only";
import { ZodError } from "zod";
import { currentActor } from "@/server/auth/session";
import { db } from "@/server/db";
import { getEvidencePackFile } from "@/server/domain/evidence/queries";
import { getExportManifest, startLedgerExport } from "@/server/domain/ledger/export";
import { filtersFromSearchParams } from "@/server/domain/ledger/schema";
import { errorCodes, isDomainError } from "@/server/errors";
import fs from "node:fs";
import { Readable } from "node:stream";

/**
 * The ledger's download routes (app/api/ledger/…): session → actor → one domain call → a streamed
 * Response. Errors become JSON with the domain's code and a specific message, never a stack trace.
 */

function errorResponse(error: unknown): Response {
  if (isDomainError(error)) {
    return Response.json({ error: { code: error.code, message: error.message, details: error.details ?? null } }, { status: errorCodes[error.code].http });
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return Response.json(
      { error: { code: "VALIDATION", message: issue ? `${issue.path.join(".") || "input"}: ${issue.message}` : "Invalid input.", details: { fields: error.flatten().fieldErrors } } },
      { status: 400 },
    );
  }
  console.error("[keycard:ledger] download failed:", error);
  return Response.json({ error: { code: "INTERNAL", message: "The download failed. Try again; if it keeps failing, tell an administrator." } }, { status: 500 });
}

/** Downloads are GETs; a page on another site must not make an auditor's browser start one. */
function refuseCrossSite(request: Request): Response | null {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    return Response.json({ error: { code: "FORBIDDEN", message: "Cross-site download refused." } }, { status: 403 });
  }
  return null;
}

async function requireActor() {
  const actor = await currentActor();
  if (!actor) return { actor: null, response: Response.json({ error: { code: "UNAUTHENTICATED", message: "Sign in to continue." } }, { status: 401 }) };
  return { actor, response: null };
}

const noStore = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

/** GET /api/ledger/export?format=csv|jsonl|ocsf[&bom=1]&<the ledger page's filters> */
export async function handleLedgerExport(request: Request): Promise<Response> {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const { actor, response } = await requireActor();
  if (!actor) return response;
  try {
    const url = new URL(request.url);
    const { cursor: _cursor, limit: _limit, order: _order, ...filters } = filtersFromSearchParams(url.searchParams);
    const started = await startLedgerExport(
      { ...filters, format: url.searchParams.get("format") as "csv", bom: ["1", "true", "on"].includes(url.searchParams.get("bom") ?? "") },
      { actor, db: db() },
    );
    return new Response(started.stream, {
      headers: {
        ...noStore,
        "Content-Type": started.contentType,
        "Content-Disposition": `attachment; filename="${started.fileName}"`,
        "X-Keycard-Export-Id": started.exportId,
        "X-Keycard-Export-Rows": String(started.expected.count),
        "X-Keycard-Export-Rows-Exact": String(started.expected.exact),
        "X-Keycard-Manifest": `/api/ledger/export/${started.exportId}/manifest`,
        Link: `</api/ledger/export/${started.exportId}/manifest>; rel="describedby"`,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

/** GET /api/ledger/export/<id>/manifest: the signed manifest, once the export has finished. */
export async function handleExportManifest(request: Request, exportId: string): Promise<Response> {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const { actor, response } = await requireActor();
  if (!actor) return response;
  try {
    const manifest = await getExportManifest({ exportId }, { actor, db: db() });
    return new Response(`${JSON.stringify(manifest, null, 2)}\n`, {
      headers: {
        ...noStore,
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${manifest.file}.manifest.json"`,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

/** GET /api/ledger/evidence/<id>: a finished evidence pack's zip. */
export async function handleEvidenceDownload(request: Request, packId: string): Promise<Response> {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const { actor, response } = await requireActor();
  if (!actor) return response;
  try {
    const file = await getEvidencePackFile({ packId }, { actor, db: db() });
    const body = Readable.toWeb(fs.createReadStream(file.path)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        ...noStore,
        "Content-Type": "application/zip",
        "Content-Length": String(file.sizeBytes),
        "Content-Disposition": `attachment; filename="${file.fileName}"`,
        "X-Keycard-SHA256": file.sha256,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/ledger/e2e-fixtures — only when e2eFixturesEnabled(); a plain 404 otherwise. */
export async function handleE2eFixtures(request: Request): Promise<Response> {
  const { createGrantHistory, e2eFixturesEnabled } = await import("@/server/ledger/e2e-fixtures");
  if (!e2eFixturesEnabled()) return new Response("Not found", { status: 404 });
  const { actor, response } = await requireActor();
  if (!actor) return response;
  try {
    const body = (await request.json()) as { requester: string; resource: string; grants?: number; justification?: string };
    const result = await createGrantHistory(db(), { requester: String(body.requester), resource: String(body.resource), grants: Math.min(5, Number(body.grants ?? 1)), justification: String(body.justification ?? "Audit journey fixture") });
    return Response.json(result);
  } catch (error) {
    return errorResponse(error);
  }
}
