import { NextResponse, type NextRequest } from "next/server";
import { isPublicPath } from "@/server/auth/base-config";

/**
 * Coarse routing only: a visitor with no session cookie is sent to /signin. Whether the session is valid
 * and the identity still active is decided by the server on every request (server/auth/session.ts).
 *
 * Deliberately not Auth.js's `auth` wrapper: that re-signs the session cookie on every request, and a
 * prefetch in flight during sign-out would then put the cookie back after it was deleted.
 */
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies.getAll().some((cookie) => SESSION_COOKIES.some((name) => cookie.name === name || cookie.name.startsWith(`${name}.`)));
}

export function proxy(request: NextRequest) {
  if (isPublicPath(request.nextUrl.pathname) || hasSessionCookie(request)) return NextResponse.next();
  const signIn = new URL("/signin", request.url);
  if (request.nextUrl.pathname !== "/") signIn.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(signIn);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
