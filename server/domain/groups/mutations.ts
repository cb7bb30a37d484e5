import { assertCan } from "@/server/auth/permissions";
import type { Tx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import type { AddMemberInput, AddShiftInput, CreateGroupInput, MembershipInput, SetLeadInput, ShiftIdInput } from "@/server/domain/groups/schema";
import { rerouteForGroup } from "@/server/domain/requests/reroute";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";
import { formatTime } from "@/server/format";

/**
 * Groups (teams and approver groups), their members and leads, and on-call shifts: who approves what.
 * Every change is ledgered in its transaction; after it commits, the pending requests routed through the
 * group are re-routed, so new approvers see them at once and people who left stop seeing them.
 */

const MAX_SHIFT_DAYS = 31;

async function lockedGroup(tx: Tx, groupId: string) {
  await tx.$queryRaw`SELECT id FROM "Group" WHERE id = ${groupId}::uuid FOR UPDATE`;
  const group = await tx.group.findUnique({ where: { id: groupId }, select: { id: true, name: true, slug: true, kind: true, idpGroup: true } });
  if (!group) throw new DomainError("NOT_FOUND", "No such group.");
  return group;
}

/** Members of a group that follows the identity provider come and go at sign-in, not by hand. */
function assertMembersByHand(group: { name: string; idpGroup: string | null }) {
  if (group.idpGroup) {
    throw new DomainError("VALIDATION", `${group.name}'s members come from the identity-provider group "${group.idpGroup}": change them there.`);
  }
}

export async function createGroup(input: CreateGroupInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  return ctx.db.$transaction(async (tx) => {
    if (await tx.group.findUnique({ where: { slug: input.slug }, select: { id: true } })) {
      throw new DomainError("CONFLICT", `The slug "${input.slug}" is already used by another group.`, { field: "slug" });
    }
    if (input.idpGroup && (await tx.group.findUnique({ where: { idpGroup: input.idpGroup }, select: { id: true } }))) {
      throw new DomainError("CONFLICT", `Another group already follows the identity-provider group "${input.idpGroup}".`, { field: "idpGroup" });
    }
    const group = await tx.group.create({
      data: { name: input.name, slug: input.slug, kind: input.kind, description: input.description || null, idpGroup: input.idpGroup || null },
      select: { id: true, slug: true },
    });
    await appendLedgerEvent(tx, {
      action: "identity/group.created",
      actor: ctx.actor,
      subject: { type: "group", id: group.id },
      summary: `Group ${input.name} (${input.kind === "TEAM" ? "team" : "approvers"}) created`,
      data: { slug: input.slug, kind: input.kind, idpGroup: input.idpGroup ?? null },
    });
    return group;
  });
}

export async function addMember(input: AddMemberInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const group = await ctx.db.$transaction(async (tx) => {
    const group = await lockedGroup(tx, input.groupId);
    assertMembersByHand(group);
    const identity = await tx.identity.findUnique({ where: { id: input.identityId }, select: { id: true, name: true, kind: true, status: true } });
    if (!identity) throw new DomainError("NOT_FOUND", "No such person.", { field: "identityId" });
    if (identity.status !== "ACTIVE") throw new DomainError("VALIDATION", `${identity.name} is disabled.`, { field: "identityId" });
    if (identity.kind === "MACHINE" && group.kind === "APPROVERS") {
      throw new DomainError("VALIDATION", "A machine identity never approves, so it cannot join an approver group.", { field: "identityId" });
    }
    if (await tx.groupMembership.findUnique({ where: { groupId_identityId: { groupId: group.id, identityId: identity.id } } })) {
      throw new DomainError("CONFLICT", `${identity.name} is already in ${group.name}.`, { field: "identityId" });
    }
    const isLead = Boolean(input.isLead) && group.kind === "TEAM";
    await tx.groupMembership.create({ data: { groupId: group.id, identityId: identity.id, isLead } });
    await appendLedgerEvent(tx, {
      action: "identity/group.member_added",
      actor: ctx.actor,
      subject: { type: "group", id: group.id },
      summary: `${identity.name} added to ${group.name}${isLead ? " as its lead" : ""}`,
      data: { identityId: identity.id, isLead },
    });
    return group;
  });
  await rerouteForGroup(ctx.db, group.id, input.identityId);
  return { ok: true };
}

/** Removes a member; their on-call shifts in the group end now (the current one) or go (future ones). */
export async function removeMember(input: MembershipInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const group = await ctx.db.$transaction(async (tx) => {
    const group = await lockedGroup(tx, input.groupId);
    assertMembersByHand(group);
    const membership = await tx.groupMembership.findUnique({ where: { groupId_identityId: { groupId: group.id, identityId: input.identityId } }, include: { identity: { select: { name: true } } } });
    if (!membership) throw new DomainError("NOT_FOUND", "This person is not in the group.", { field: "identityId" });
    await tx.groupMembership.delete({ where: { groupId_identityId: { groupId: group.id, identityId: input.identityId } } });
    const now = await dbNow(tx);
    const ended = await tx.onCallShift.updateMany({ where: { groupId: group.id, identityId: input.identityId, startsAt: { lte: now }, endsAt: { gt: now } }, data: { endsAt: now } });
    const removed = await tx.onCallShift.deleteMany({ where: { groupId: group.id, identityId: input.identityId, startsAt: { gt: now } } });
    await appendLedgerEvent(tx, {
      action: "identity/group.member_removed",
      actor: ctx.actor,
      subject: { type: "group", id: group.id },
      summary: `${membership.identity.name} removed from ${group.name}`,
      data: { identityId: input.identityId, wasLead: membership.isLead, shiftsEnded: ended.count, shiftsRemoved: removed.count },
    });
    return group;
  });
  await rerouteForGroup(ctx.db, group.id, input.identityId);
  return { ok: true };
}

/** A team's lead approves where a policy names `team_lead` for the team's members. */
export async function setLead(input: SetLeadInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const group = await ctx.db.$transaction(async (tx) => {
    const group = await lockedGroup(tx, input.groupId);
    if (group.kind !== "TEAM") throw new DomainError("VALIDATION", "Only a team has leads.");
    const membership = await tx.groupMembership.findUnique({ where: { groupId_identityId: { groupId: group.id, identityId: input.identityId } }, include: { identity: { select: { name: true } } } });
    if (!membership) throw new DomainError("NOT_FOUND", "This person is not in the group.", { field: "identityId" });
    if (membership.isLead === input.isLead) return group;
    await tx.groupMembership.update({ where: { groupId_identityId: { groupId: group.id, identityId: input.identityId } }, data: { isLead: input.isLead } });
    await appendLedgerEvent(tx, {
      action: "identity/group.lead_changed",
      actor: ctx.actor,
      subject: { type: "group", id: group.id },
      summary: `${membership.identity.name} ${input.isLead ? "is now a lead of" : "is no longer a lead of"} ${group.name}`,
      data: { identityId: input.identityId, isLead: input.isLead },
    });
    return group;
  });
  await rerouteForGroup(ctx.db, group.id, input.identityId);
  return { ok: true };
}

export async function addShift(input: AddShiftInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const group = await ctx.db.$transaction(async (tx) => {
    const group = await lockedGroup(tx, input.groupId);
    const now = await dbNow(tx);
    if (input.endsAt <= now) throw new DomainError("VALIDATION", "The shift would already be over.", { field: "endsAt" });
    if (input.endsAt.getTime() - input.startsAt.getTime() > MAX_SHIFT_DAYS * 24 * 3600_000) {
      throw new DomainError("VALIDATION", `A shift lasts at most ${MAX_SHIFT_DAYS} days; add the next one separately.`, { field: "endsAt" });
    }
    const membership = await tx.groupMembership.findUnique({ where: { groupId_identityId: { groupId: group.id, identityId: input.identityId } }, include: { identity: { select: { name: true, status: true } } } });
    if (!membership) throw new DomainError("VALIDATION", `Only members of ${group.name} go on call for it.`, { field: "identityId" });
    if (membership.identity.status !== "ACTIVE") throw new DomainError("VALIDATION", `${membership.identity.name} is disabled.`, { field: "identityId" });
    const overlap = await tx.onCallShift.findFirst({ where: { groupId: group.id, identityId: input.identityId, startsAt: { lt: input.endsAt }, endsAt: { gt: input.startsAt } }, select: { id: true } });
    if (overlap) throw new DomainError("CONFLICT", `${membership.identity.name} already has a shift in ${group.name} at that time.`, { field: "startsAt" });
    const shift = await tx.onCallShift.create({ data: { groupId: group.id, identityId: input.identityId, startsAt: input.startsAt, endsAt: input.endsAt }, select: { id: true } });
    await appendLedgerEvent(tx, {
      action: "identity/oncall.shift_added",
      actor: ctx.actor,
      subject: { type: "oncall_shift", id: shift.id },
      summary: `${membership.identity.name} on call for ${group.name} from ${formatTime(input.startsAt)} to ${formatTime(input.endsAt)}`,
      data: { groupId: group.id, identityId: input.identityId, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString() },
    });
    return group;
  });
  await rerouteForGroup(ctx.db, group.id, input.identityId);
  return { ok: true };
}

export async function removeShift(input: ShiftIdInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const shift = await ctx.db.$transaction(async (tx) => {
    const shift = await tx.onCallShift.findUnique({ where: { id: input.shiftId }, include: { group: { select: { name: true } }, identity: { select: { name: true } } } });
    if (!shift) throw new DomainError("NOT_FOUND", "No such shift.");
    await lockedGroup(tx, shift.groupId);
    await tx.onCallShift.delete({ where: { id: shift.id } });
    await appendLedgerEvent(tx, {
      action: "identity/oncall.shift_removed",
      actor: ctx.actor,
      subject: { type: "oncall_shift", id: shift.id },
      summary: `${shift.identity.name}'s on-call shift for ${shift.group.name} (${formatTime(shift.startsAt)} to ${formatTime(shift.endsAt)}) removed`,
      data: { groupId: shift.groupId, identityId: shift.identityId, startsAt: shift.startsAt.toISOString(), endsAt: shift.endsAt.toISOString() },
    });
    return shift;
  });
  await rerouteForGroup(ctx.db, shift.groupId, shift.identityId);
  return { ok: true };
}
