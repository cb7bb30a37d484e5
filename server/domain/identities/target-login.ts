import { ConnectorError } from "@/server/connectors/errors";
import type { DbOrTx } from "@/server/db";
import { DomainError } from "@/server/errors";
import { loginSourceSelect, targetLoginFor, type LoginSource } from "@/server/domain/connectors/instance";
import type { ProvisioningMode } from "@/server/generated/prisma/enums";

/**
 * A login in a target names one identity or nobody. Role elevation grants privileges to the person's own
 * login; when two identities would use the same one (jane@corp.example and jane@contractor.example both
 * derive "jane"), a grant to either would hand the privilege to whoever owns the account in the target.
 * Keycard then refuses until an admin gives one of them its own login (Admin → Identities).
 */

const NON_ASCII = "[^\\x01-\\x7f]";

/** Other identities whose login in targets is `login` (their admin-set one, or the one their email derives). */
export async function otherClaimantsOf(db: DbOrTx, login: string, identityId: string): Promise<{ id: string; name: string }[]> {
  // A cheap superset in SQL (`_` in LIKE matches any one character, as the derivation turns any other
  // character into `_`); targetLoginFor decides. "user" is the derivation's fallback for an empty part.
  // Text with any non-ASCII character is always a candidate: JavaScript and PostgreSQL do not agree on
  // its length (a character beyond U+FFFF is two UTF-16 units) or its lower case (İ).
  const candidates = await db.$queryRaw<({ id: string } & LoginSource)[]>`
    SELECT id, email, name, "targetLogin" FROM "Identity"
     WHERE id <> ${identityId}::uuid
       AND ("targetLogin" = ${login}
            OR ("targetLogin" IS NULL AND (${login} = 'user'
                 OR lower(coalesce(split_part(email, '@', 1), name)) LIKE ${`%${login}%`}
                 OR coalesce(split_part(email, '@', 1), name) ~ ${NON_ASCII})))`;
  return candidates.filter((candidate) => targetLoginFor(candidate) === login).map(({ id, name }) => ({ id, name }));
}

/**
 * Why role elevation cannot use this identity's login, or null. The message reaches the requester (the
 * request form, a failure notification): it names nobody else.
 */
export async function targetLoginProblem(db: DbOrTx, identity: { id: string } & LoginSource): Promise<string | null> {
  const login = targetLoginFor(identity);
  const others = await otherClaimantsOf(db, login, identity.id);
  if (!others.length) return null;
  return `The login "${login}" in targets is not ${identity.name}'s alone (another identity's login in targets is the same): an admin must give them their own login in targets (Admin → Identities) before a role can be elevated.`;
}

/** Before role elevation: the login must be this identity's alone (not retried: a person has to act). */
export async function assertOwnTargetLogin(db: DbOrTx, identity: { id: string } & LoginSource): Promise<void> {
  const problem = await targetLoginProblem(db, identity);
  if (problem) throw new ConnectorError("INVALID", problem, { field: "subject.targetLogin" });
}

/** For a request: the problem with the requester's login when the access level elevates it, or null. */
export async function requesterLoginProblem(db: DbOrTx, mode: ProvisioningMode, requesterId: string): Promise<string | null> {
  if (mode !== "ROLE_ELEVATION") return null;
  return targetLoginProblem(db, await db.identity.findUniqueOrThrow({ where: { id: requesterId }, select: { id: true, ...loginSourceSelect } }));
}

/** Refuses a request whose role elevation provisioning would refuse, before anyone acts on it. */
export async function assertRequesterLogin(db: DbOrTx, mode: ProvisioningMode, requesterId: string): Promise<void> {
  const problem = await requesterLoginProblem(db, mode, requesterId);
  if (problem) throw new DomainError("VALIDATION", problem, { field: "accessLevelId" });
}
