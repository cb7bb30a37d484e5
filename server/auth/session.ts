import "server-only";
import { getToken } from "next-auth/jwt";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { IdentityActor } from "@/server/actor";
import { authSecret } from "@/server/auth/secret";
import { db } from "@/server/db";
import { findActiveActor } from "@/server/domain/identities/queries";

/**
 * The session's identity id, read from the session cookie without re-issuing it. (Auth.js's `auth()`
 * re-signs the cookie on every call; a poll in flight during sign-out would then put it back.) Sessions
 * therefore last maxAge from sign-in, not from the last request.
 */
const sessionIdentityId = cache(async (): Promise<string | null> => {
  const cookie = (await headers()).get("cookie") ?? "";
  if (!cookie.includes("authjs.session-token")) return null;
  const token = await getToken({
    req: { headers: new Headers({ cookie }) },
    secret: authSecret(),
    secureCookie: cookie.includes("__Secure-authjs.session-token"),
  });
  return typeof token?.sub === "string" ? token.sub : null;
});

/**
 * The signed-in person for this request, or null — also null when the identity was disabled after the
 * session began. Cached per request.
 */
export const currentActor = cache(async (): Promise<IdentityActor | null> => {
  const id = await sessionIdentityId();
  return id ? findActiveActor(db(), id) : null;
});

/**
 * For pages: the signed-in, active person, or a redirect to sign-in (with a reason when the session is
 * valid but the identity was disabled since).
 */
export async function requireActor(): Promise<IdentityActor> {
  const actor = await currentActor();
  if (actor) return actor;
  redirect((await sessionIdentityId()) ? "/signin?reason=disabled" : "/signin");
}
