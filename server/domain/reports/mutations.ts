import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { MAX_BASELINE_DAYS, ZMarkBaselineInput, type MarkBaselineInput } from "@/server/domain/reports/schema";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";

/**
 * Declaring a standing privilege legitimate: a baseline with a reason and a review date. Until that date
 * the report keeps it out of the recommendations (it shows as "keep as baseline"); from that date on it is
 * standing again and must be looked at. Declared again (a new reason or date) it is simply updated —
 * each declaration is its own ledger event.
 */

export function requirePerson(ctx: Ctx): IdentityActor {
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person can do this.");
  return ctx.actor;
}

const DAY_MS = 86_400_000;

export async function markBaseline(raw: MarkBaselineInput, ctx: Ctx) {
  assertCan(ctx.actor, "reports:manage");
  const actor = requirePerson(ctx);
  const input = ZMarkBaselineInput.parse(raw);
  const reviewAt = new Date(`${input.reviewAt}T00:00:00.000Z`);
  if (Number.isNaN(reviewAt.getTime())) throw new DomainError("VALIDATION", "This date does not exist.", { field: "reviewAt" });

  return ctx.db.$transaction(async (tx) => {
    const now = await dbNow(tx);
    if (reviewAt.getTime() <= now.getTime()) throw new DomainError("VALIDATION", "Pick a review date in the future.", { field: "reviewAt" });
    if (reviewAt.getTime() > now.getTime() + MAX_BASELINE_DAYS * DAY_MS) {
      throw new DomainError("VALIDATION", "Pick a review date within a year: baselines are looked at again at least yearly.", { field: "reviewAt" });
    }
    await tx.$queryRaw`SELECT id FROM "DiscoveredPrivilege" WHERE id = ${input.privilegeId}::uuid FOR UPDATE`;
    const privilege = await tx.discoveredPrivilege.findUnique({ where: { id: input.privilegeId }, include: { connector: { select: { name: true } } } });
    if (!privilege) throw new DomainError("NOT_FOUND", "This privilege is no longer known; refresh the report.");
    if (privilege.goneAt) throw new DomainError("CONFLICT", "This privilege is no longer in the target (converted or removed); refresh the report.");
    if (privilege.classification === "JIT") throw new DomainError("VALIDATION", "A Keycard grant covers this privilege; there is nothing to declare.");

    const key = { connectorId: privilege.connectorId, principal: privilege.principal, privilege: privilege.privilege };
    const previous = await tx.baselineDeclaration.findUnique({ where: { connectorId_principal_privilege: key }, select: { reason: true, reviewAt: true } });
    const declaration = await tx.baselineDeclaration.upsert({
      where: { connectorId_principal_privilege: key },
      create: { ...key, reason: input.reason, reviewAt, declaredById: actor.id },
      update: { reason: input.reason, reviewAt, declaredById: actor.id, createdAt: now },
    });
    await tx.discoveredPrivilege.update({ where: { id: privilege.id }, data: { classification: "BASELINE" } });
    await appendLedgerEvent(tx, {
      action: "reports/privilege.baselined",
      actor,
      subject: { type: "privilege", id: privilege.id },
      resourceId: privilege.resourceId,
      summary: `${actor.name} declared ${privilege.principal}'s ${privilege.privilege} on ${privilege.connector.name} baseline until ${input.reviewAt}: ${input.reason}`,
      data: {
        connectorId: privilege.connectorId,
        connector: privilege.connector.name,
        principal: privilege.principal,
        privilege: privilege.privilege,
        privilegeKind: privilege.privilegeKind,
        reason: input.reason,
        reviewAt: reviewAt.toISOString(),
        previous: previous ? { reason: previous.reason, reviewAt: previous.reviewAt.toISOString() } : null,
      },
    });
    return { id: declaration.id, privilegeId: privilege.id, reviewAt: reviewAt.toISOString() };
  });
}
