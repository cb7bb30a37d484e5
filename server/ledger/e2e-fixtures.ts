import { randomUUID } from "node:crypto";
import { systemActor } from "@/server/actor";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger/append";

/**
 * End-to-end test fixtures: finished grant lifecycles (request, approval, activation, revocation) with
 * their ledger events, so that the auditor's journey has grants to find without depending on other
 * capabilities' screens. Only with KEYCARD_E2E_FIXTURES=1 on the embedded database: the route answers
 * 404 everywhere else, so no deployment can write made-up history.
 */
export function e2eFixturesEnabled(): boolean {
  return process.env.KEYCARD_E2E_FIXTURES === "1" && !process.env.DATABASE_URL;
}

export async function createGrantHistory(db: Db, input: { requester: string; resource: string; grants: number; justification: string }) {
  if (!e2eFixturesEnabled()) throw new DomainError("NOT_FOUND", "Not found.");
  const requester = await db.identity.findFirst({ where: { name: input.requester } });
  const resource = await db.resource.findUnique({ where: { slug: input.resource }, include: { accessLevels: { orderBy: { key: "asc" }, take: 1 } } });
  // The enum array is tested in SQL: the ORM's `roles: { has }` fails on the embedded adapter.
  const [approverRow] = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM "Identity" WHERE 'APPROVER'::"Role" = ANY(roles) AND name <> ${input.requester} ORDER BY name LIMIT 1`;
  const approver = approverRow ? await db.identity.findUnique({ where: { id: approverRow.id } }) : null;
  const level = resource?.accessLevels[0];
  if (!requester || !resource || !approver || !level) throw new DomainError("NOT_FOUND", "Unknown requester, resource or approver.");
  const created: { requestId: string; grantId: string }[] = [];
  for (let i = 0; i < input.grants; i++) {
    const now = new Date();
    const ends = new Date(now.getTime() + 60 * 60_000);
    const justification = `${input.justification} (${i + 1})`;
    const ids = await db.$transaction(async (tx) => {
      const request = await tx.accessRequest.create({
        data: { requesterId: requester.id, resourceId: resource.id, accessLevelId: level.id, justification, ticketRef: `INC-${4800 + i}`, startsAt: now, durationMinutes: 60, decision: { mode: "approval", reasons: ["e2e fixture"] }, status: "APPROVED", decidedAt: now },
      });
      await tx.approvalDecision.create({ data: { requestId: request.id, approverId: approver.id, stage: 0, decision: "APPROVE", comment: "Approved for the audit journey" } });
      const grant = await tx.grant.create({
        data: { id: randomUUID(), requestId: request.id, identityId: requester.id, resourceId: resource.id, accessLevelId: level.id, status: "REVOKED", startsAt: now, endsAt: ends, activatedAt: now, revokedAt: now, revocationReason: "RELEASED", revokeRequestedAt: now },
      });
      const base = { resourceId: resource.id, requestId: request.id };
      await appendLedgerEvent(tx, { ...base, action: "access/request.created", actor: toActor(requester), subject: { type: "request", id: request.id }, summary: `${requester.name} requested ${level.name} on ${resource.name} for 60 min: ${justification}`, data: { justification, ticketRef: request.ticketRef, durationMinutes: 60 } });
      await appendLedgerEvent(tx, { ...base, action: "access/decision.recorded", actor: toActor(approver), subject: { type: "request", id: request.id }, summary: `${approver.name} approved ${requester.name}'s request for ${level.name} on ${resource.name}: Approved for the audit journey`, data: { decision: "APPROVE", comment: "Approved for the audit journey" } });
      await appendLedgerEvent(tx, { ...base, action: "access/request.approved", actor: toActor(approver), subject: { type: "request", id: request.id }, summary: `${requester.name}'s request for ${level.name} on ${resource.name} is approved (60 min)`, data: { approvers: [approver.id] } });
      await appendLedgerEvent(tx, { ...base, grantId: grant.id, action: "access/grant.activated", actor: systemActor("provision-grants"), subject: { type: "grant", id: grant.id }, summary: `${level.name} on ${resource.name} is active for ${requester.name}`, data: { endsAt: ends.toISOString() } });
      await appendLedgerEvent(tx, { ...base, grantId: grant.id, action: "access/grant.released", actor: toActor(requester), subject: { type: "grant", id: grant.id }, summary: `${requester.name} released ${level.name} on ${resource.name}`, data: { reason: "RELEASED" } });
      return { requestId: request.id, grantId: grant.id };
    });
    created.push(ids);
  }
  return { requester: { id: requester.id, name: requester.name }, resource: { id: resource.id, name: resource.name }, created };
}
