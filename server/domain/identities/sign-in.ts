import { systemActor } from "@/server/actor";
import type { Db, Tx } from "@/server/db";
import { rerouteForGroup } from "@/server/domain/requests/reroute";
import { DomainError } from "@/server/errors";
import type { Role } from "@/server/generated/prisma/enums";
import { appendLedgerEvent } from "@/server/ledger";
import { toActor } from "@/server/domain/identities/queries";
import type { IdentityActor } from "@/server/actor";

const idpSync = systemActor("idp-group-sync");

export interface OidcSignInInput {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean | null;
  name: string;
  groups: string[];
  roles: Role[];
}

/**
 * A person signing in through single sign-on. The identity is found by issuer + subject, or (first
 * sign-in of a person an admin created beforehand) by a verified email not yet bound to a subject.
 * Roles are recomputed from the IdP's groups at every sign-in: the IdP is the source of truth.
 * A disabled identity is refused, and the refusal is recorded too.
 */
export async function signInWithOidc(db: Db, input: OidcSignInInput): Promise<IdentityActor> {
  const email = input.email?.trim().toLowerCase() || null;
  const result = await db.$transaction(async (tx) => {
    let identity = await tx.identity.findUnique({
      where: { oidcIssuer_oidcSubject: { oidcIssuer: input.issuer, oidcSubject: input.subject } },
    });
    if (!identity && email) {
      const byEmail = await tx.identity.findUnique({ where: { email } });
      if (byEmail) {
        // Binding by email is an account takeover risk unless the IdP vouches for the address.
        // Only an explicit email_verified=true: an IdP that leaves the claim out may let people set any address.
        const bindable = !byEmail.oidcSubject && byEmail.kind === "HUMAN" && input.emailVerified === true;
        if (!bindable) throw new DomainError("CONFLICT", "This email address already belongs to another Keycard identity.");
        identity = byEmail;
      }
    }
    if (identity?.status === "DISABLED") {
      const actor = toActor(identity);
      await appendLedgerEvent(tx, {
        action: "auth/session.refused",
        actor,
        outcome: "denied",
        subject: { type: "identity", id: identity.id },
        summary: `Sign-in refused for ${identity.name}: identity is disabled`,
        data: { method: "oidc", issuer: input.issuer },
      });
      return { refused: true as const };
    }
    const fields = {
      name: input.name,
      oidcIssuer: input.issuer,
      oidcSubject: input.subject,
      roles: input.roles,
      idpGroups: input.groups,
      lastSeenAt: new Date(),
    };
    const created = !identity;
    const saved = identity
      ? await tx.identity.update({ where: { id: identity.id }, data: fields })
      : await tx.identity.create({ data: { ...fields, email, kind: "HUMAN" } });
    const actor = toActor(saved);
    if (created) {
      await appendLedgerEvent(tx, {
        action: "identity/identity.created",
        actor,
        subject: { type: "identity", id: saved.id },
        summary: `${saved.name} joined through single sign-on`,
        data: { roles: saved.roles, groups: input.groups },
      });
    } else if (identity && identity.roles.join() !== saved.roles.join()) {
      await appendLedgerEvent(tx, {
        action: "identity/roles.changed",
        actor,
        subject: { type: "identity", id: saved.id },
        summary: `${saved.name}'s roles changed to ${saved.roles.join(", ")} (from IdP groups)`,
        data: { before: identity.roles, after: saved.roles, groups: input.groups },
      });
    }
    const changedGroups = await syncIdpGroups(tx, saved, input.groups);
    await appendLedgerEvent(tx, {
      action: "auth/session.signed_in",
      actor,
      subject: { type: "identity", id: saved.id },
      summary: `${saved.name} signed in through single sign-on`,
      data: { method: "oidc", issuer: input.issuer, groups: input.groups, roles: saved.roles },
    });
    return { refused: false as const, actor, changedGroups };
  });
  if (result.refused) throw new DomainError("FORBIDDEN", "This identity is disabled.");
  // Requests waiting for a group whose members just changed go to who is in it now.
  for (const groupId of result.changedGroups) await rerouteForGroup(db, groupId, result.actor.id);
  return result.actor;
}

/**
 * Groups linked to an identity-provider group (Group.idpGroup) hold exactly the people whose groups
 * claim names it: joined or left here, at each sign-in, ledgered as the sign-in's doing. Returns the
 * groups whose membership changed.
 */
async function syncIdpGroups(tx: Tx, person: { id: string; name: string }, claimed: readonly string[]): Promise<string[]> {
  const linked = await tx.group.findMany({
    where: { OR: [{ idpGroup: { in: [...claimed] } }, { idpGroup: { not: null }, members: { some: { identityId: person.id } } }] },
    select: { id: true, name: true, idpGroup: true, members: { where: { identityId: person.id }, select: { identityId: true } } },
  });
  const changed: string[] = [];
  for (const group of linked) {
    const belongs = claimed.includes(group.idpGroup!);
    const member = group.members.length > 0;
    if (belongs === member) continue;
    if (belongs) await tx.groupMembership.create({ data: { groupId: group.id, identityId: person.id } });
    else await tx.groupMembership.delete({ where: { groupId_identityId: { groupId: group.id, identityId: person.id } } });
    await appendLedgerEvent(tx, {
      action: belongs ? "identity/group.member_added" : "identity/group.member_removed",
      actor: idpSync,
      subject: { type: "group", id: group.id },
      summary: `${person.name} ${belongs ? "added to" : "removed from"} ${group.name} (identity-provider group ${group.idpGroup})`,
      data: { identityId: person.id, idpGroup: group.idpGroup },
    });
    changed.push(group.id);
  }
  return changed;
}

/** Demo sign-in: any active person, by id. Only reachable when demo mode is on (server/auth). */
export async function signInAsDemoPersona(db: Db, identityId: string): Promise<IdentityActor> {
  return db.$transaction(async (tx) => {
    const identity = await tx.identity.findUnique({ where: { id: identityId } });
    if (!identity || identity.kind !== "HUMAN") throw new DomainError("NOT_FOUND", "No such person.");
    const actor = toActor(identity);
    if (identity.status !== "ACTIVE") {
      throw new DomainError("FORBIDDEN", "This identity is disabled.");
    }
    await tx.identity.update({ where: { id: identity.id }, data: { lastSeenAt: new Date() } });
    await appendLedgerEvent(tx, {
      action: "auth/session.signed_in",
      actor,
      subject: { type: "identity", id: identity.id },
      summary: `${identity.name} signed in (demo persona)`,
      data: { method: "demo" },
    });
    return actor;
  });
}
