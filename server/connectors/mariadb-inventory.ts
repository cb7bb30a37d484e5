import type * as mariadb from "mariadb";
import { keycardOwnership } from "./identifiers";
import type { InventoryEntry, UsageSample } from "./types";

/** Database-level privileges Keycard may grant, with their column in mysql.db. Never GRANT OPTION or ALL. */
export const databasePrivilegeColumns = {
  SELECT: "Select_priv",
  INSERT: "Insert_priv",
  UPDATE: "Update_priv",
  DELETE: "Delete_priv",
  CREATE: "Create_priv",
  DROP: "Drop_priv",
  REFERENCES: "References_priv",
  INDEX: "Index_priv",
  ALTER: "Alter_priv",
  "CREATE TEMPORARY TABLES": "Create_tmp_table_priv",
  "LOCK TABLES": "Lock_tables_priv",
  "CREATE VIEW": "Create_view_priv",
  "SHOW VIEW": "Show_view_priv",
  "CREATE ROUTINE": "Create_routine_priv",
  "ALTER ROUTINE": "Alter_routine_priv",
  EXECUTE: "Execute_priv",
  EVENT: "Event_priv",
  TRIGGER: "Trigger_priv",
  "DELETE HISTORY": "Delete_history_priv",
} as const;
export type DatabasePrivilege = keyof typeof databasePrivilegeColumns;
export const databasePrivileges = Object.keys(databasePrivilegeColumns) as [DatabasePrivilege, ...DatabasePrivilege[]];

/** Column names whose privilege name is not just the column name in capitals. */
const specialNames: Record<string, string> = {
  Grant_priv: "GRANT OPTION",
  Create_tmp_table_priv: "CREATE TEMPORARY TABLES",
  Show_db_priv: "SHOW DATABASES",
  Repl_slave_priv: "REPLICATION SLAVE",
  Repl_client_priv: "REPLICATION CLIENT",
  Create_user_priv: "CREATE USER",
};

function privilegeName(column: string): string {
  return specialNames[column] ?? column.replace(/_priv$/, "").replace(/_/g, " ").toUpperCase();
}

export async function queryRows<T>(conn: mariadb.Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  return conn.query<T[]>(sql, params);
}

type Row = Record<string, unknown>;


/**
 * Every account, role and privilege, read from the grant tables themselves (information_schema folds
 * role-inherited privileges into the role that inherits them, which would blur who holds what).
 * Users are `name@host`, roles are `name`. Global privileges come from mysql.user's classic columns,
 * where MariaDB 10.5+'s split privileges (CONNECTION ADMIN…) appear folded into SUPER.
 */
export async function mariadbInventory(conn: mariadb.Connection): Promise<InventoryEntry[]> {
  const entries: InventoryEntry[] = [];
  const accounts = await queryRows<Row & { User: string; Host: string; is_role: string }>(conn, "SELECT * FROM mysql.user ORDER BY User, Host");
  const roles = new Set(accounts.filter((a) => a.is_role === "Y").map((a) => a.User));
  const principalOf = (user: string, host: string) => (host === "" && roles.has(user) ? user : `${user}@${host}`);
  const kindOf = (user: string, host: string) => (host === "" && roles.has(user) ? ("ROLE" as const) : ("USER" as const));

  for (const account of accounts) {
    for (const [column, value] of Object.entries(account)) {
      if (!column.endsWith("_priv") || value !== "Y") continue;
      entries.push({
        principal: principalOf(account.User, account.Host),
        principalKind: kindOf(account.User, account.Host),
        privilege: `${privilegeName(column)} ON *.*`,
        privilegeKind: "GLOBAL_PRIVILEGE",
        ...keycardOwnership(account.User),
      });
    }
  }

  const databases = await queryRows<Row & { User: string; Host: string; Db: string }>(conn, "SELECT * FROM mysql.db ORDER BY User, Host, Db");
  for (const row of databases) {
    for (const [column, value] of Object.entries(row)) {
      if (!column.endsWith("_priv") || value !== "Y") continue;
      entries.push({
        principal: principalOf(row.User, row.Host),
        principalKind: kindOf(row.User, row.Host),
        privilege: `${privilegeName(column)} ON ${row.Db}.*`,
        privilegeKind: "DATABASE_PRIVILEGE",
        ...keycardOwnership(row.User),
      });
    }
  }

  const tables = await queryRows<{ User: string; Host: string; Db: string; Table_name: string; Table_priv: string }>(
    conn,
    "SELECT User, Host, Db, Table_name, Table_priv FROM mysql.tables_priv ORDER BY User, Host, Db, Table_name",
  );
  for (const row of tables) {
    for (const privilege of String(row.Table_priv).split(",").filter(Boolean)) {
      entries.push({
        principal: principalOf(row.User, row.Host),
        principalKind: kindOf(row.User, row.Host),
        privilege: `${privilege === "Grant" ? "GRANT OPTION" : privilege.toUpperCase()} ON ${row.Db}.${row.Table_name}`,
        privilegeKind: "TABLE_PRIVILEGE",
        ...keycardOwnership(row.User),
      });
    }
  }

  const memberships = await queryRows<{ User: string; Host: string; Role: string; Admin_option: string }>(
    conn,
    "SELECT User, Host, Role, Admin_option FROM mysql.roles_mapping ORDER BY User, Host, Role",
  );
  for (const row of memberships) {
    entries.push({
      principal: principalOf(row.User, row.Host),
      principalKind: kindOf(row.User, row.Host),
      privilege: row.Role,
      privilegeKind: "ROLE_MEMBERSHIP",
      ...keycardOwnership(row.User, row.Role),
      ...(row.Admin_option === "Y" ? { detail: "with admin option" } : {}),
    });
  }
  return entries;
}

/**
 * Live connections per user from the processlist: a Sleep connection's TIME is its idle time, so its
 * last statement ended TIME seconds ago. MariaDB keeps no login history (performance_schema is off by
 * default and has no timestamps per account), so this is a sample the collector takes periodically.
 */
export async function mariadbUsage(conn: mariadb.Connection): Promise<UsageSample[]> {
  const rows = await queryRows<{ USER: string; COMMAND: string; TIME: number; now_ms: number }>(
    conn,
    `SELECT USER, COMMAND, TIME, UNIX_TIMESTAMP(NOW(3)) * 1000 AS now_ms FROM information_schema.PROCESSLIST
      WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user', '') AND COMMAND <> 'Daemon'`,
  );
  const hosts = await queryRows<{ User: string; Host: string }>(conn, "SELECT User, Host FROM mysql.user WHERE is_role = 'N'");
  const byUser = new Map<string, UsageSample>();
  for (const row of rows) {
    const lastUsed = row.COMMAND === "Sleep" ? Number(row.now_ms) - Number(row.TIME) * 1000 : Number(row.now_ms);
    const accounts = hosts.filter((h) => h.User === row.USER);
    // The processlist names the user, not the account; when one account has that name, report it as user@host.
    const principal = accounts.length === 1 && accounts[0] ? `${accounts[0].User}@${accounts[0].Host}` : row.USER;
    const sample = byUser.get(principal);
    if (!sample) byUser.set(principal, { principal, lastUsedAt: new Date(lastUsed), sessions: 1, source: "information_schema.PROCESSLIST" });
    else {
      sample.sessions += 1;
      if (lastUsed > sample.lastUsedAt.getTime()) sample.lastUsedAt = new Date(lastUsed);
    }
  }
  return [...byUser.values()];
}
