import type { OIDCConfig } from "next-auth/providers";
import type { Role } from "../generated/prisma/enums";
import type { Env } from "../env";

/**
 * Single sign-on through any OpenID Connect provider, plus the mapping from the IdP's groups to Keycard
 * roles. Everything except `oidcProvider` is pure so it can be tested as tables of cases.
 */

/** The order roles are reported in, so stored role lists and audit diffs are stable. */
export const ROLE_ORDER: readonly Role[] = ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"];

/** Asked for unless the caller overrides it; `groups` is not a standard scope and some IdPs reject it. */
export const DEFAULT_OIDC_SCOPE = "openid email profile";

export type RoleMap = ReadonlyMap<string, readonly Role[]>;

const ROLE_BY_NAME: Readonly<Record<string, Role>> = {
  requester: "REQUESTER",
  approver: "APPROVER",
  auditor: "AUDITOR",
  admin: "ADMIN",
};

function sortRoles(roles: Iterable<Role>): Role[] {
  const set = new Set(roles);
  return ROLE_ORDER.filter((role) => set.has(role));
}

/**
 * `"kc-admins=admin, kc-auditors=auditor"` → Map { "kc-admins" → [ADMIN], "kc-auditors" → [AUDITOR] }.
 * A group may be listed more than once to give it several roles. Role names are case-insensitive; group
 * names are kept exactly as written (IdPs compare them case-sensitively). `server/env.ts` validates the
 * same syntax at startup; this throws on anything else so a caller that skips env validation still
 * fails loudly instead of silently dropping an admin mapping.
 */
export function parseRoleMap(spec: string): Map<string, Role[]> {
  const map = new Map<string, Role[]>();
  for (const rawPair of spec.split(",")) {
    const pair = rawPair.trim();
    if (!pair) continue;
    const match = /^([^=]+)=([^=]+)$/.exec(pair);
    const group = match?.[1]?.trim();
    const role = ROLE_BY_NAME[match?.[2]?.trim().toLowerCase() ?? ""];
    if (!group || !role) {
      throw new Error(
        `Invalid role map entry "${pair}": expected group=role (role: requester, approver, auditor or admin)`,
      );
    }
    map.set(group, sortRoles([...(map.get(group) ?? []), role]));
  }
  return map;
}

/**
 * The group names in a claim value, in the order sent, without duplicates or blanks. IdPs send an array
 * (Okta, Entra ID, Keycloak); some send one string, space- or comma-separated. Array elements are not
 * split, since group names such as "Keycard Admins" may contain spaces. Anything else means no groups.
 */
export function normalizeGroups(value: unknown): string[] {
  let names: string[];
  if (Array.isArray(value)) {
    names = value.filter((item): item is string => typeof item === "string").map((item) => item.trim());
  } else if (typeof value === "string") {
    names = value.split(/[\s,]+/);
  } else {
    names = [];
  }
  return [...new Set(names.filter((name) => name.length > 0))];
}

/** The roles the IdP's groups give: always REQUESTER, then every role mapped from a group, in ROLE_ORDER. */
export function rolesFromGroups(groups: unknown, roleMap: RoleMap): Role[] {
  const roles: Role[] = ["REQUESTER"];
  for (const group of normalizeGroups(groups)) roles.push(...(roleMap.get(group) ?? []));
  return sortRoles(roles);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads the groups claim named `claim` from ID token claims. A claim name present as-is wins (Auth0 style
 * namespaced claims such as "https://keycard.example.com/groups" contain dots); otherwise a dotted name is
 * a path into nested objects, as Keycloak sends roles in "realm_access.roles" or
 * "resource_access.<client>.roles".
 */
export function readGroupsClaim(profile: Record<string, unknown>, claim: string): string[] {
  if (Object.hasOwn(profile, claim)) return normalizeGroups(profile[claim]);
  let node: unknown = profile;
  for (const segment of claim.split(".")) {
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return [];
    node = node[segment];
  }
  return normalizeGroups(node);
}

/** ID token claims as Auth.js hands them to `profile()`: `sub` is always there, the rest depends on the IdP. */
export type OidcProfile = Record<string, unknown> & { sub: string };

/** What `profile()` returns; Auth.js keeps `groups` on the `user` it passes to the signIn and jwt callbacks. */
export interface OidcUser {
  /** The IdP's subject. Auth.js moves it to `account.providerAccountId` and gives `user.id` a random UUID. */
  id: string;
  email: string | null;
  name: string;
  groups: string[];
}

export interface OidcProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Label of the sign-in button. */
  name?: string;
  /** Claim that carries group names; a dotted path reaches into nested claims. */
  groupsClaim?: string;
  /** Space-separated scopes; e.g. add "groups" for Okta's org authorization server. */
  scope?: string;
}

function stringClaim(profile: Record<string, unknown>, claim: string): string | undefined {
  const value = profile[claim];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/**
 * Maps ID token claims to the user Auth.js works with. Exported for tests; `oidcProvider` uses it.
 * `email` comes only from the `email` claim: `preferred_username` can be changed by users at some IdPs
 * (Entra ID warns against using it for anything but display), so it only feeds the display name.
 */
export function profileFromClaims(profile: OidcProfile, groupsClaim: string): OidcUser {
  const email = stringClaim(profile, "email") ?? null;
  return {
    id: profile.sub,
    email,
    name: stringClaim(profile, "name") ?? stringClaim(profile, "preferred_username") ?? email ?? profile.sub,
    groups: readGroupsClaim(profile, groupsClaim),
  };
}

/**
 * The Auth.js provider for the configured IdP. Endpoints come from the issuer's discovery document. The
 * profile is built from the ID token alone (Auth.js does not call userinfo for OIDC providers unless
 * `idToken: false`), so the IdP must put the groups claim in the ID token.
 */
export function oidcProvider(config: OidcProviderConfig): OIDCConfig<OidcProfile> {
  const groupsClaim = config.groupsClaim ?? "groups";
  return {
    id: "oidc",
    type: "oidc",
    name: config.name ?? "Single sign-on",
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: ["pkce", "state", "nonce"],
    authorization: { params: { scope: config.scope ?? DEFAULT_OIDC_SCOPE } },
    profile(profile): OidcUser {
      return profileFromClaims(profile, groupsClaim);
    },
  };
}

/**
 * The provider as configured by the environment, or null when single sign-on is not configured.
 * `AUTH_OIDC_SCOPE` is not in `server/env.ts` yet; it is accepted here so that adding it there is enough.
 */
export function oidcProviderFromEnv(
  env: Pick<
    Env,
    | "AUTH_OIDC_ISSUER"
    | "AUTH_OIDC_CLIENT_ID"
    | "AUTH_OIDC_CLIENT_SECRET"
    | "AUTH_OIDC_NAME"
    | "AUTH_OIDC_GROUPS_CLAIM"
  > & { AUTH_OIDC_SCOPE?: string },
): OIDCConfig<OidcProfile> | null {
  if (!env.AUTH_OIDC_ISSUER || !env.AUTH_OIDC_CLIENT_ID || !env.AUTH_OIDC_CLIENT_SECRET) return null;
  return oidcProvider({
    issuer: env.AUTH_OIDC_ISSUER,
    clientId: env.AUTH_OIDC_CLIENT_ID,
    clientSecret: env.AUTH_OIDC_CLIENT_SECRET,
    name: env.AUTH_OIDC_NAME,
    groupsClaim: env.AUTH_OIDC_GROUPS_CLAIM,
    scope: env.AUTH_OIDC_SCOPE,
  });
}
