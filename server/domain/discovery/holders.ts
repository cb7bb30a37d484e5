import type { ConnectorKind } from "@/server/connectors/types";
import { targetLoginFor, type LoginSource } from "@/server/domain/connectors/instance";
import type { IdentityKind, IdentityStatus } from "@/server/generated/prisma/enums";

/**
 * Who holds a privilege found in a target. Targets name principals in their own terms; Keycard maps them
 * back to identities with the same convention role elevation uses (docs/connectors.md): a person's login
 * is the local part of their email, lower-cased, other characters replaced by `_`; a machine identity's
 * login is its name under the same rule when it has no email (`deploy-pipeline` → `deploy_pipeline`). Keycard's own objects
 * (`kc_…`) map through the grant they belong to instead.
 */

export interface HolderIdentity {
  id: string;
  name: string;
  kind: IdentityKind;
  status: IdentityStatus;
}

export interface IdentityForIndex extends HolderIdentity, LoginSource {}

/** login → identity; `null` marks a login two identities would share (ambiguous: mapped to nobody). */
export type HolderIndex = Map<string, HolderIdentity | null>;

export function buildHolderIndex(identities: readonly IdentityForIndex[]): HolderIndex {
  const index: HolderIndex = new Map();
  for (const identity of identities) {
    // The same derivation grantSpecFor uses for role elevation, so a mapped holder is the login Keycard would elevate.
    const login = targetLoginFor(identity);
    const holder: HolderIdentity = { id: identity.id, name: identity.name, kind: identity.kind, status: identity.status };
    index.set(login, index.has(login) ? null : holder);
  }
  return index;
}

/**
 * The login part of a principal: MariaDB accounts are `user@host` (the host is where they may connect
 * from, not who they are); every other target names the login directly.
 */
export function loginOfPrincipal(kind: ConnectorKind, principal: string): string {
  if (kind !== "MARIADB") return principal;
  const at = principal.lastIndexOf("@");
  return at > 0 ? principal.slice(0, at) : principal;
}

export function resolveHolder(index: HolderIndex, kind: ConnectorKind, principal: string): HolderIdentity | null {
  return index.get(loginOfPrincipal(kind, principal)) ?? null;
}

/**
 * The connector's own login: it needs its rights to work, so the report recommends keeping them as a
 * baseline instead of removing them (removing them would break provisioning and discovery).
 */
export function connectorOwnLogin(kind: ConnectorKind, settings: unknown): string | null {
  if (typeof settings !== "object" || settings === null) return null;
  const record = settings as Record<string, unknown>;
  const value = kind === "REDIS" ? (record.username ?? "default") : record.user;
  return typeof value === "string" && value ? value : null;
}
