import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import type { SetIdentityStatusInput } from "@/server/domain/identities/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";

/**
 * Disables or re-enables a person or machine. A disabled identity loses access on its next request
 * (sessions resolve the identity on every call; its API tokens stop authenticating).
 */
export async function setIdentityStatus(input: SetIdentityStatusInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  if (ctx.actor.type === "identity" && ctx.actor.id === input.identityId && input.status === "DISABLED") {
    throw new DomainError("VALIDATION", "You cannot disable yourself; ask another admin.");
  }
  return ctx.db.$transaction(async (tx) => {
    const identity = await tx.identity.findUnique({ where: { id: input.identityId } });
    if (!identity) throw new DomainError("NOT_FOUND", "No such identity.");
    if (identity.status === input.status) return identity;
    const updated = await tx.identity.update({
      where: { id: identity.id },
      data: { status: input.status, disabledAt: input.status === "DISABLED" ? new Date() : null },
    });
    await appendLedgerEvent(tx, {
      action: input.status === "DISABLED" ? "identity/identity.disabled" : "identity/identity.enabled",
      actor: ctx.actor,
      subject: { type: "identity", id: identity.id },
      summary: `${identity.name} ${input.status === "DISABLED" ? "disabled" : "re-enabled"}: ${input.reason}`,
      data: { reason: input.reason, kind: identity.kind },
    });
    return updated;
  });
}
