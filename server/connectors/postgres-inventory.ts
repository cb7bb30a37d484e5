import type pg from "pg";
import { keycardOwnership } from "./identifiers";
import type { InventoryEntry, PrincipalKind, UsageSample } from "./types";

/**
 * Every principal and privilege in a PostgreSQL cluster, for standing-privilege discovery: role
 * attributes (SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS, LOGIN) and role memberships are
 * cluster-wide; direct table privileges are read for the connector's database only (PostgreSQL keeps
 * them per database). Predefined pg_* roles are listed as privileges, never as holders.
 */

const attributes = [
  ["rolsuper", "SUPERUSER"],
  ["rolcreaterole", "CREATEROLE"],
  ["rolcreatedb", "CREATEDB"],
  ["rolreplication", "REPLICATION"],
  ["rolbypassrls", "BYPASSRLS"],
  ["rolcanlogin", "LOGIN"],
] as const;

interface RoleRow {
  rolname: string;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolcanlogin: boolean;
  rolvaliduntil: Date | null;
}


export async function postgresInventory(client: pg.PoolClient, database: string): Promise<InventoryEntry[]> {
  const entries: InventoryEntry[] = [];
  const roles = await client.query<RoleRow>(
    `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolvaliduntil
       FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname`,
  );
  const kindOf = new Map<string, PrincipalKind>();
  for (const role of roles.rows) {
    const principalKind: PrincipalKind = role.rolcanlogin ? "LOGIN" : "ROLE";
    kindOf.set(role.rolname, principalKind);
    for (const [column, privilege] of attributes) {
      if (!role[column]) continue;
      const detail = privilege === "LOGIN" && role.rolvaliduntil ? `valid until ${role.rolvaliduntil.toISOString()}` : undefined;
      entries.push({ principal: role.rolname, principalKind, privilege, privilegeKind: "ROLE_ATTRIBUTE", ...keycardOwnership(role.rolname), ...(detail ? { detail } : {}) });
    }
  }

  // PostgreSQL 16 can record one membership several times (one per grantor): DISTINCT keeps one entry.
  const memberships = await client.query<{ member: string; role: string; admin: boolean }>(
    `SELECT DISTINCT m.rolname AS member, r.rolname AS role, bool_or(am.admin_option) OVER (PARTITION BY am.member, am.roleid) AS admin
       FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
      WHERE m.rolname !~ '^pg_' ORDER BY 1, 2`,
  );
  for (const row of memberships.rows) {
    entries.push({
      principal: row.member,
      principalKind: kindOf.get(row.member) ?? "ROLE",
      privilege: row.role,
      privilegeKind: "ROLE_MEMBERSHIP",
      ...keycardOwnership(row.member, row.role),
      ...(row.admin ? { detail: "with admin option" } : {}),
    });
  }

  const tables = await client.query<{ grantee: string | null; privilege_type: string; schema: string; name: string; grantable: boolean }>(
    `SELECT g.rolname AS grantee, a.privilege_type, n.nspname AS schema, c.relname AS name, a.is_grantable AS grantable
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL aclexplode(c.relacl) a
       LEFT JOIN pg_roles g ON g.oid = a.grantee
      WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
        AND a.grantee <> c.relowner
      ORDER BY 1, 3, 4, 2`,
  );
  for (const row of tables.rows) {
    const principal = row.grantee ?? "PUBLIC";
    if (principal.startsWith("pg_")) continue;
    entries.push({
      principal,
      principalKind: kindOf.get(principal) ?? "ROLE",
      privilege: `${row.privilege_type} ON ${row.schema}.${row.name}`,
      privilegeKind: "TABLE_PRIVILEGE",
      ...keycardOwnership(principal),
      detail: `database ${database}${row.grantable ? ", with grant option" : ""}`,
    });
  }
  return entries;
}

/**
 * Who is connected now and when each login last did something. A sample of live sessions only: the
 * usage collector calls this periodically and keeps the latest time per principal.
 */
export async function postgresUsage(client: pg.PoolClient): Promise<UsageSample[]> {
  const { rows } = await client.query<{ usename: string; sessions: number; last_used: Date }>(
    `SELECT usename, count(*)::int AS sessions,
            max(CASE WHEN state = 'active' THEN now() ELSE COALESCE(state_change, backend_start) END) AS last_used
       FROM pg_stat_activity
      WHERE usename IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'
      GROUP BY usename ORDER BY usename`,
  );
  return rows.map((row) => ({ principal: row.usename, lastUsedAt: row.last_used, sessions: row.sessions, source: "pg_stat_activity" }));
}
