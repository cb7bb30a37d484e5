import type { PersonCtx } from "@/server/domain/context";
import { revealCredential } from "@/server/domain/grants/mutations";
import { getGrantStatus } from "@/server/domain/grants/queries";
import { isDomainError } from "@/server/errors";
import type { GrantStatus } from "@/server/generated/prisma/enums";

/**
 * `?wait=N` on POST /requests: "a machine identity can obtain access that lasts minutes in one call when
 * its policy auto-approves". The grant is provisioned elsewhere (the in-process runner or Inngest react to
 * `access/grant.scheduled`), so this only watches the database until the grant settles or time runs out;
 * the database, not an event, is the source of truth, and a timeout is a normal answer (the grant is
 * then still SCHEDULED/PROVISIONING and the client polls GET /grants/{id}).
 */

/** States after which waiting longer changes nothing for the caller. */
const SETTLED: ReadonlySet<GrantStatus> = new Set(["ACTIVE", "FAILED", "REVOKING", "REVOKED"]);
const FIRST_POLL_MS = 15;
const MAX_POLL_MS = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForGrant(grantId: string, ctx: PersonCtx, timeoutMs: number, signal?: AbortSignal) {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const grant = await getGrantStatus(grantId, ctx);
    const remaining = deadline - Date.now();
    // A grant that starts after the deadline cannot become active while we wait.
    if (SETTLED.has(grant.status) || remaining <= 0 || grant.startsAt.getTime() > deadline || signal?.aborted) return grant;
    await sleep(Math.min(delay, remaining));
    delay = Math.min(Math.round(delay * 1.5), MAX_POLL_MS);
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
