import type { Actor } from "@/server/actor";
import { DomainError } from "@/server/errors";
import type { Role } from "@/server/generated/prisma/enums";

/**
 * Who may do what: the one table of role → allowed actions. tRPC procedures use it as a coarse gate and
 * every domain mutation calls `assertCan` first, so no API, job or test path can skip it. Finer rules
 * (is this approver eligible for this request? is this my grant?) live with the domain rule they guard.
 */
export const permissions = {
  "access:request": ["REQUESTER"],
  "access:break_glass": ["REQUESTER"],
  "requests:decide": ["APPROVER", "ADMIN"],
  "ledger:read": ["AUDITOR", "ADMIN"],
  "ledger:export": ["AUDITOR", "ADMIN"],
  "reports:read": ["AUDITOR", "ADMIN"],
  "reports:manage": ["ADMIN"],
  "identities:read": ["AUDITOR", "ADMIN"],
  "admin:manage": ["ADMIN"],
  "admin:status": ["ADMIN"],
  "grants:revoke": ["ADMIN"],
  "break_glass:review": ["ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

/**
 * What an API token's scope allows. A token call needs both: the identity's role and the token's scope.
 */
export const tokenScopes = {
  "resources:read": ["access:request"],
  "requests:write": ["access:request"],
  "grants:write": ["access:request"],
  "decisions:write": ["requests:decide"],
  "usage:write": ["reports:manage"],
} as const satisfies Record<string, readonly Permission[]>;

export type TokenScope = keyof typeof tokenScopes;

/** Whether these roles grant the permission (a token's scope is a further limit: `can`). */
export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  const allowedRoles: readonly Role[] = permissions[permission];
  return roles.some((role) => allowedRoles.includes(role));
}

export function can(actor: Actor, permission: Permission): boolean {
  // Named jobs are Keycard's own code acting on the database's state (expiry, sweeps): always allowed.
  if (actor.type === "system") return true;
  if (!rolesAllow(actor.roles, permission)) return false;
  if (actor.tokenScopes) {
    return actor.tokenScopes.some((scope) =>
      (tokenScopes[scope as TokenScope] as readonly Permission[] | undefined)?.includes(permission),
    );
  }
  return true;
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    throw new DomainError("FORBIDDEN", `You are not allowed to do this (needs ${permission}).`, { permission });
  }
}

/** The navigation a role set sees; the pages themselves check again on the server. */
export function visibleAreas(actor: Actor) {
  return {
    request: can(actor, "access:request"),
    access: can(actor, "access:request"),
    inbox: can(actor, "requests:decide"),
    ledger: can(actor, "ledger:read"),
    reports: can(actor, "reports:read"),
    admin: can(actor, "admin:status"),
  };
}
