import "server-only";
import { ZodError } from "zod";
import { currentActor } from "@/server/auth/session";
import { db } from "@/server/db";
import { csvLine } from "@/server/csv";
import { recommendationLabels } from "@/server/domain/reports/recommend";
import { standingFiltersFromSearchParams, ZStandingFilters } from "@/server/domain/reports/schema";
import { findSnapshot, iterateStandingRows } from "@/server/domain/reports/standing";
import { errorCodes, isDomainError } from "@/server/errors";
import { assertCan } from "@/server/auth/permissions";

/**
 * GET /reports/standing/export?<the page's filters>: the snapshot's rows as CSV, riskiest first, streamed
 * page by page (a snapshot of 60,000 rows never sits in memory). Cells are safe against formula injection
 * (server/csv.ts).
 */

const header = [
  "rank", "risk", "status", "recommendation", "reason", "holder", "holder kind", "target", "principal", "privilege", "privilege kind",
  "resource", "tier", "last used (UTC)", "days idle", "uses (30 days)", "first seen (UTC)", "new since previous report", "baseline reason", "baseline review date", "note",
];

function errorResponse(error: unknown): Response {
  if (isDomainError(error)) return Response.json({ error: { code: error.code, message: error.message } }, { status: errorCodes[error.code].http });
  if (error instanceof ZodError) return Response.json({ error: { code: "VALIDATION", message: error.issues[0]?.message ?? "Invalid filters." } }, { status: 400 });
  console.error("[keycard:reports] export failed:", error);
  return Response.json({ error: { code: "INTERNAL", message: "The export failed. Try again." } }, { status: 500 });
}

export async function handleStandingExport(request: Request): Promise<Response> {
  // A page on another site must not make an admin's browser download the report.
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return Response.json({ error: { code: "FORBIDDEN", message: "Cross-site download refused." } }, { status: 403 });
  const actor = await currentActor();
  if (!actor) return Response.json({ error: { code: "UNAUTHENTICATED", message: "Sign in to continue." } }, { status: 401 });
  try {
    const ctx = { actor, db: db() };
    assertCan(actor, "reports:read");
    const url = new URL(request.url);
    const filters = ZStandingFilters.parse(standingFiltersFromSearchParams(Object.fromEntries(url.searchParams)));
    const snapshot = await findSnapshot(ctx.db, filters.snapshot);
    if (!snapshot) return Response.json({ error: { code: "NOT_FOUND", message: "No report yet." } }, { status: 404 });
    const rows = iterateStandingRows(filters, ctx, snapshot);
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(csvLine(header)));
      },
      async pull(controller) {
        try {
          const batch: string[] = [];
          for (let i = 0; i < 500; i++) {
            const next = await rows.next();
            if (next.done) {
              if (batch.length) controller.enqueue(encoder.encode(batch.join("")));
              controller.close();
              return;
            }
            const r = next.value;
            batch.push(
              csvLine([
                r.riskRank, r.risk, r.classification.toLowerCase(), recommendationLabels[r.recommendation], r.reason, r.holder?.name ?? "", r.holder ? r.holder.kind.toLowerCase() : "unmapped",
                r.connector, r.principal, r.privilege, r.privilegeKind, r.resource?.name ?? "", r.tier, r.lastUsedAt ?? "", r.daysIdle, r.uses30d, r.firstSeenAt, r.isNew ? "yes" : "no",
                r.baseline?.reason ?? "", r.baseline?.reviewAt.slice(0, 10) ?? "", r.note ?? "",
              ]),
            );
          }
          controller.enqueue(encoder.encode(batch.join("")));
        } catch (error) {
          controller.error(error);
        }
      },
    });
    const day = snapshot.createdAt.toISOString().slice(0, 10);
    return new Response(stream, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="standing-privileges-${day}.csv"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
