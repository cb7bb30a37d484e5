/**
 * Mutations are POSTs with a JSON body only: a browser cannot send `application/json` cross-site without
 * a CORS preflight (which we never grant), so this plus the Origin check makes them CSRF-safe even
 * though the session is a cookie. Form-encoded or text/plain bodies — what a hostile page can submit —
 * are refused before any procedure runs.
 */
export function refuseUnsafeRequest(request: Request): Response | null {
  if (request.method !== "POST") return null;
  const contentType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/json") {
    return Response.json({ error: { message: "Mutations must be sent as application/json." } }, { status: 415 });
  }
  const origin = request.headers.get("origin");
  if (origin) {
    const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (!host || originHost !== host) {
      return Response.json({ error: { message: "Cross-origin request refused." } }, { status: 403 });
    }
  }
  return null;
}
