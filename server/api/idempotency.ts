import { DomainError } from "@/server/errors";
import type { PersonCtx } from "@/server/domain/context";
import { ZCreateRequestInput, type CreateRequestInput } from "@/server/domain/requests/schema";

/**
 * `Idempotency-Key` on POST /requests → the domain's `clientRequestId`: the same key from the same
 * identity returns the same request (createRequest does that). This module adds what only the HTTP
 * layer cares about: telling a replay (200) from a creation (201), and refusing a key reused for a
 * different request (409) instead of silently returning the first one.
 */

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** The key, validated like clientRequestId (8–100 of A-Z a-z 0-9 . _ : -), or undefined when absent. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers.get(IDEMPOTENCY_HEADER);
  if (raw === null) return undefined;
  const parsed = ZCreateRequestInput.shape.clientRequestId.safeParse(raw);
  if (!parsed.success || !parsed.data) {
    throw new DomainError("VALIDATION", `${IDEMPOTENCY_HEADER} must be 8 to 100 characters of letters, digits and . _ : -`, { field: IDEMPOTENCY_HEADER });
  }
  return parsed.data;
}

type Fingerprint = Pick<CreateRequestInput, "resourceId" | "accessLevelId" | "justification"> & { ticketRef?: string | null };

/**
 * The request an earlier call with this key created, if any. (A read of the request row by its unique
 * key; createRequest returns the same row either way.)
 */
export async function findReplay(ctx: PersonCtx, key: string): Promise<(Fingerprint & { id: string }) | null> {
  return ctx.db.accessRequest.findUnique({
    where: { requesterId_clientRequestId: { requesterId: ctx.actor.id, clientRequestId: key } },
    select: { id: true, resourceId: true, accessLevelId: true, justification: true, ticketRef: true },
  });
}

/** A replay must ask for the same thing; the duration is left out because an approver may shorten it. */
export function assertSameRequest(existing: Fingerprint, input: Fingerprint): void {
  const same =
    existing.resourceId === input.resourceId &&
    existing.accessLevelId === input.accessLevelId &&
    existing.justification === input.justification &&
    (existing.ticketRef ?? null) === (input.ticketRef ?? null);
  if (!same) {
    throw new DomainError("CONFLICT", `This ${IDEMPOTENCY_HEADER} was already used for a different request; use a new key for a new request.`, { field: IDEMPOTENCY_HEADER });
  }
}
