import { parseKeycardName, validateAccessLevelShape } from "@/server/connectors";
import { databasePrivileges } from "@/server/connectors/mariadb-inventory";
import type { ConnectorKind, ProvisioningMode } from "@/server/connectors/types";
import { loginOfPrincipal } from "@/server/domain/discovery/holders";
import { parseRedisRules } from "@/server/domain/discovery/redis-rules";
import type { IdentityKind } from "@/server/generated/prisma/enums";

/**
 * "Convert to JIT", planned (pure): can Keycard remove this standing privilege from the target, and which
 * access level would hand the same access out on request? The report shows the plan before anyone
 * clicks; `convertToJit` carries it out (server/domain/reports/convert.ts).
 */

export interface PrivilegeRef {
  principal: string;
  privilege: string;
  privilegeKind: string;
}

export type RemovalPlan = { ok: true; action: string } | { ok: false; why: string };

export const postgresAttributes = ["SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS"] as const;
export const postgresTablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"] as const;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `SELECT ON public.orders` → its parts; the schema/table split is resolved against the catalog at removal. */
export function parseTablePrivilege(privilege: string): { privilege: (typeof postgresTablePrivileges)[number]; relation: string } | null {
  const match = /^([A-Z]+) ON (.+\..+)$/.exec(privilege);
  const name = match?.[1] as (typeof postgresTablePrivileges)[number] | undefined;
  if (!match?.[2] || !name || !postgresTablePrivileges.includes(name)) return null;
  return { privilege: name, relation: match[2] };
}

/** `SELECT ON billing.*` → `{ privilege: "SELECT", database: "billing" }` for the privileges Keycard can hand out. */
export function parseMariadbDatabasePrivilege(privilege: string): { privilege: (typeof databasePrivileges)[number]; database: string } | null {
  const match = /^(.+) ON ([^.]+)\.\*$/.exec(privilege);
  const name = match?.[1] as (typeof databasePrivileges)[number] | undefined;
  if (!match?.[2] || !name || !databasePrivileges.includes(name)) return null;
  return { privilege: name, database: match[2] };
}

export function planRemoval(kind: ConnectorKind, entry: PrivilegeRef, connectorLogin: string | null): RemovalPlan {
  if (parseKeycardName(loginOfPrincipal(kind, entry.principal)) || parseKeycardName(entry.privilege)) {
    return { ok: false, why: "Keycard created this object for a grant; the grant's own revocation (or reconciliation) removes it." };
  }
  if (connectorLogin && loginOfPrincipal(kind, entry.principal) === connectorLogin) {
    return { ok: false, why: `Keycard's connector logs in as ${connectorLogin}; removing its rights would stop Keycard from provisioning and discovering.` };
  }
  switch (kind) {
    case "POSTGRES":
      if (entry.privilegeKind === "ROLE_MEMBERSHIP") return { ok: true, action: `REVOKE ${quote(entry.privilege)} FROM ${quote(entry.principal)}` };
      if (entry.privilegeKind === "ROLE_ATTRIBUTE") {
        if ((postgresAttributes as readonly string[]).includes(entry.privilege)) return { ok: true, action: `ALTER ROLE ${quote(entry.principal)} NO${entry.privilege}` };
        return { ok: false, why: "A login by itself is not converted: convert the privileges it holds, and disable the login in the target if nobody uses it." };
      }
      if (entry.privilegeKind === "TABLE_PRIVILEGE") {
        const parsed = parseTablePrivilege(entry.privilege);
        if (parsed) return { ok: true, action: `REVOKE ${parsed.privilege} ON ${parsed.relation} FROM ${entry.principal === "PUBLIC" ? "PUBLIC" : quote(entry.principal)}` };
      }
      return { ok: false, why: `Keycard cannot remove a PostgreSQL ${entry.privilegeKind.toLowerCase().replace(/_/g, " ")} of this form; remove it in the target.` };
    case "MARIADB": {
      if (!entry.principal.includes("@")) return { ok: false, why: "Only accounts (user@host) hold privileges Keycard removes." };
      if (entry.privilegeKind === "ROLE_MEMBERSHIP") return { ok: true, action: `REVOKE \`${entry.privilege}\` FROM ${entry.principal}` };
      const parsed = entry.privilegeKind === "DATABASE_PRIVILEGE" ? parseMariadbDatabasePrivilege(entry.privilege) : null;
      if (parsed) return { ok: true, action: `REVOKE ${parsed.privilege} ON \`${parsed.database}\`.* FROM ${entry.principal}` };
      return { ok: false, why: "Keycard removes MariaDB role memberships and database privileges; remove global and table privileges in the target." };
    }
    case "REDIS":
      if (entry.principal === "default") return { ok: false, why: "Redis's default user cannot be deleted; restrict it in the target (ACL SETUSER default …)." };
      return { ok: true, action: `ACL DELUSER ${entry.principal} (its clients are disconnected)` };
    case "WEBHOOK":
      return { ok: false, why: "The webhook protocol has no action to remove privileges Keycard did not create; remove it in the target and the next discovery sees it gone." };
    default:
      return { ok: false, why: "Unknown target kind." };
  }
}

export type LevelPlan =
  | {
      ok: true;
      mode: ProvisioningMode;
      privilege: Record<string, unknown>;
      target: Record<string, unknown>;
      key: string;
      /** The access level's name. */
      name: string;
      /** What it reaches, for naming a new resource (`orders_read`, `keys session:*`). */
      title: string;
    }
  | { ok: false; why: string };

/** A level key from a privilege name: lower-case letters, digits and dashes. */
export function levelKeyFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "access";
}

/**
 * A person gets the role back on their own login (role elevation); anyone else — a machine, an unknown
 * principal — gets a short-lived login of its own (ephemeral credential).
 */
function modeFor(kind: ConnectorKind, holderKind: IdentityKind | null): ProvisioningMode {
  return holderKind === "HUMAN" && kind !== "REDIS" ? "ROLE_ELEVATION" : "EPHEMERAL_CREDENTIAL";
}

function validated(kind: ConnectorKind, plan: Extract<LevelPlan, { ok: true }>): LevelPlan {
  try {
    validateAccessLevelShape(kind, { mode: plan.mode, privilege: plan.privilege, target: plan.target });
    return plan;
  } catch (error) {
    return { ok: false, why: `It cannot be made requestable as it is: ${error instanceof Error ? error.message : String(error)}.` };
  }
}

export function planAccessLevel(kind: ConnectorKind, entry: PrivilegeRef, holderKind: IdentityKind | null): LevelPlan {
  const mode = modeFor(kind, holderKind);
  switch (kind) {
    case "POSTGRES":
      if (entry.privilegeKind === "ROLE_MEMBERSHIP") return validated(kind, { ok: true, mode, privilege: { role: entry.privilege }, target: {}, key: levelKeyFor(entry.privilege), name: entry.privilege, title: entry.privilege });
      return { ok: false, why: "PostgreSQL access levels hand out role memberships: put this right in a role, and make that role requestable." };
    case "MARIADB": {
      if (entry.privilegeKind === "ROLE_MEMBERSHIP") return validated(kind, { ok: true, mode, privilege: { role: entry.privilege }, target: {}, key: levelKeyFor(entry.privilege), name: entry.privilege, title: entry.privilege });
      const parsed = entry.privilegeKind === "DATABASE_PRIVILEGE" ? parseMariadbDatabasePrivilege(entry.privilege) : null;
      if (parsed) {
        return validated(kind, { ok: true, mode, privilege: { privileges: [parsed.privilege] }, target: { database: parsed.database }, key: levelKeyFor(parsed.privilege), name: parsed.privilege.charAt(0) + parsed.privilege.slice(1).toLowerCase(), title: `database ${parsed.database}` });
      }
      return { ok: false, why: "Only role memberships and database privileges map to MariaDB access levels." };
    }
    case "REDIS": {
      const rules = parseRedisRules(entry.privilege);
      if (rules.other.length) return { ok: false, why: `Its rules include ${rules.other.join(" ")}, which Keycard access levels do not express.` };
      const privilege: Record<string, unknown> = { categories: rules.categories, commands: rules.commands };
      if (rules.keys.length) privilege.keys = rules.keys;
      if (rules.readKeys.length) privilege.readKeys = rules.readKeys;
      if (rules.writeKeys.length) privilege.writeKeys = rules.writeKeys;
      if (rules.channels.length) privilege.channels = rules.channels;
      const name = rules.categories.some((c) => c === "+@write") ? "Write" : "Read";
      const patterns = [...rules.keys, ...rules.readKeys, ...rules.writeKeys];
      return validated(kind, { ok: true, mode: "EPHEMERAL_CREDENTIAL", privilege, target: {}, key: levelKeyFor(name), name, title: patterns.length ? `keys ${patterns.join(" ")}` : `rules of ${entry.principal}` });
    }
    default:
      return { ok: false, why: "Access levels for this target are defined by its automation." };
  }
}
