import type { AdmissionSlot } from "@/server/api/admission";
import type { PersonCtx } from "@/server/domain/context";
import { watchGrant } from "@/server/domain/grants/changes";
import { revealCredential } from "@/server/domain/grants/mutations";
import { getGrantStatus } from "@/server/domain/grants/queries";
import { isDomainError } from "@/server/errors";
import type { GrantStatus } from "@/server/generated/prisma/enums";

/**
 * `?wait=N` on POST /requests ("a machine identity can obtain access that lasts minutes in one call when
 * its policy auto-approves") and on GET /grants/{id} (a long poll instead of many short ones). The grant is
 * provisioned elsewhere (the in-process runner or Inngest react to `access/grant.scheduled`), so this only
 * watches it until it settles or time runs out. The provisioner's in-process announcement wakes the wait at
 * once; the database, re-read on every wake and every so often without one (a grant provisioned by another
 * instance announces nothing here), is the source of truth. A timeout is a normal answer: the grant is
 * then still SCHEDULED/PROVISIONING and the client asks again.
 */

/** States after which waiting longer changes nothing for the caller. */
const SETTLED: ReadonlySet<GrantStatus> = new Set(["ACTIVE", "FAILED", "REVOKING", "REVOKED"]);
/** Database re-reads without an announcement: for grants provisioned by another instance. */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;

/** `idle` runs the waits between reads: the API gives its admission place up for them (server/api/admission.ts). */
export async function waitForGrant(grantId: string, ctx: PersonCtx, timeoutMs: number, signal?: AbortSignal, idle: AdmissionSlot["outside"] = (wait) => wait()) {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_POLL_MS;
  // Listening starts before the first read, so a change that lands between the read and the wait counts.
  const watch = watchGrant(grantId);
  try {
    for (;;) {
      const grant = await getGrantStatus(grantId, ctx);
      const remaining = deadline - Date.now();
      // A grant that starts after the deadline cannot become active while we wait.
      if (SETTLED.has(grant.status) || remaining <= 0 || grant.startsAt.getTime() > deadline || signal?.aborted) return grant;
      await idle(() => watch.next(Math.min(delay, remaining), signal));
      delay = Math.min(Math.round(delay * 1.5), MAX_POLL_MS);
    }
  } finally {
    watch.close();
  }
}

/**
 * The one-time credential of an active grant, or null when there is none or someone (a concurrent
 * replay, the portal) already took it: shown once means once, whichever caller gets it.
 */
export async function takeCredentialOnce(grantId: string, ctx: PersonCtx): Promise<Record<string, unknown> | null> {
  try {
    return await revealCredential({ grantId }, ctx);
  } catch (error) {
    if (isDomainError(error) && (error.code === "CONFLICT" || error.code === "INVALID_TRANSITION")) return null;
    throw error;
  }
}
