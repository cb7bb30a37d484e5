import type { NextAuthConfig } from "next-auth";
import { authSecret } from "@/server/auth/secret";

/** Paths reachable without a session: sign-in itself, machine APIs (own auth), health and assets. */
// /api/trpc decides per procedure (public sign-in methods; everything else needs a session).
const PUBLIC_PREFIXES = ["/signin", "/api/auth", "/api/trpc", "/api/inngest", "/api/v1", "/api/health", "/_next", "/favicon"];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/**
 * The part of the Auth.js configuration that does not touch the database (secret, session, pages).
 */
export function baseAuthConfig(): NextAuthConfig {
  return {
    secret: authSecret(),
    trustHost: process.env.AUTH_TRUST_HOST === "true" || process.env.NODE_ENV !== "production" || undefined,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [],
  };
}
