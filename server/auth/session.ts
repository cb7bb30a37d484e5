import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { IdentityActor } from "@/server/actor";
import { auth } from "@/server/auth";
import { db } from "@/server/db";
import { findActiveActor } from "@/server/domain/identities/queries";

/**
 * The signed-in person for this request, or null — also null when the identity was disabled after the
 * session began. Cached per request.
 */
export const currentActor = cache(async (): Promise<IdentityActor | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  return findActiveActor(db(), id);
});

/**
 * For pages: the signed-in, active person, or a redirect to sign-in (with a reason when the session is
 * valid but the identity was disabled since).
 */
export async function requireActor(): Promise<IdentityActor> {
  const actor = await currentActor();
  if (actor) return actor;
  const session = await auth();
  redirect(session?.user?.id ? "/signin?reason=disabled" : "/signin");
}
