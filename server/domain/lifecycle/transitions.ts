import { DomainError } from "@/server/errors";
import type { GrantStatus, RequestStatus } from "@/server/generated/prisma/enums";

/**
 * The one state machine for requests and grants, shared by the lifecycle (requests, decisions, release,
 * extension) and by provisioning/revocation (jobs). Jobs are retried, so asking for the state a record is
 * already in is a no-op, never an error; anything else not listed here is refused.
 *
 *   request: PENDING → APPROVED | DENIED | CANCELLED | EXPIRED
 *   grant:   SCHEDULED → PROVISIONING → ACTIVE → REVOKING → REVOKED
 *            SCHEDULED → REVOKED             (cancelled before it started: nothing to remove)
 *            SCHEDULED → REVOKING            (its end passed before it was provisioned — markExpiredGrants:
 *                                             the revoker makes sure nothing of it is left in the target)
 *            PROVISIONING → REVOKING         (released while being provisioned: remove what was made)
 *            PROVISIONING → FAILED           (gave up; nothing left in the target)
 */
const requestTransitions: Record<RequestStatus, readonly RequestStatus[]> = {
  PENDING: ["APPROVED", "DENIED", "CANCELLED", "EXPIRED"],
  APPROVED: [],
  DENIED: [],
  CANCELLED: [],
  EXPIRED: [],
};

const grantTransitions: Record<GrantStatus, readonly GrantStatus[]> = {
  SCHEDULED: ["PROVISIONING", "REVOKED", "REVOKING"],
  PROVISIONING: ["ACTIVE", "REVOKING", "FAILED"],
  ACTIVE: ["REVOKING"],
  REVOKING: ["REVOKED"],
  REVOKED: [],
  FAILED: [],
};

export type TransitionCheck = "apply" | "noop";

export function checkRequestTransition(from: RequestStatus, to: RequestStatus): TransitionCheck {
  if (from === to) return "noop";
  if (requestTransitions[from].includes(to)) return "apply";
  throw new DomainError("INVALID_TRANSITION", describeRequestRefusal(from), { from, to });
}

export function checkGrantTransition(from: GrantStatus, to: GrantStatus): TransitionCheck {
  if (from === to) return "noop";
  if (grantTransitions[from].includes(to)) return "apply";
  throw new DomainError("INVALID_TRANSITION", `This grant is ${from.toLowerCase()} and cannot become ${to.toLowerCase()}.`, { from, to });
}

/** A decision (approve, deny) needs a request that is still open: anything else is refused with why. */
export function assertRequestOpen(status: RequestStatus): void {
  if (status !== "PENDING") throw new DomainError("INVALID_TRANSITION", describeRequestRefusal(status), { from: status });
}

function describeRequestRefusal(from: RequestStatus): string {
  switch (from) {
    case "APPROVED":
    case "DENIED":
      return `This request was already ${from.toLowerCase()}.`;
    case "CANCELLED":
      return "This request was cancelled.";
    case "EXPIRED":
      return "This request expired before it was reviewed.";
    default:
      return "This request cannot change that way.";
  }
}

/** Grants that hold (or are about to hold) access in the target. */
export const LIVE_GRANT_STATUSES: readonly GrantStatus[] = ["SCHEDULED", "PROVISIONING", "ACTIVE"];
/** Live grants and those being removed: what the target holds, or will, until revocation is done. */
export const HELD_GRANT_STATUSES: readonly GrantStatus[] = [...LIVE_GRANT_STATUSES, "REVOKING"];

export function isFinalGrantStatus(status: GrantStatus): boolean {
  return grantTransitions[status].length === 0;
}
