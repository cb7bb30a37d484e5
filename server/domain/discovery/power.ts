import type { ConnectorKind } from "@/server/connectors/types";
import { parseRedisRules } from "@/server/domain/discovery/redis-rules";

/**
 * How much a privilege lets its holder do, coarsely (pure): `admin` (can change who has access, read or
 * write everything, or escape the database), `write`, `read`, or `login` (can connect and no more by
 * itself). It drives the tier of privileges no resource maps (an admin right is tier 1 wherever it is) and
 * the risk order of the report.
 */
export type PrivilegePower = "admin" | "write" | "read" | "login";

const postgresAdminAttributes = new Set(["SUPERUSER", "CREATEROLE", "REPLICATION", "BYPASSRLS"]);
/** Predefined roles that reach the server's files, programs or every table's data for writing. */
const postgresAdminRoles = new Set([
  "pg_read_server_files",
  "pg_write_server_files",
  "pg_execute_server_program",
  "pg_write_all_data",
  "pg_signal_backend",
  "pg_create_subscription",
  "pg_checkpoint",
  "pg_use_reserved_connections",
]);
const postgresReadRoles = new Set(["pg_read_all_data", "pg_read_all_settings", "pg_read_all_stats", "pg_stat_scan_tables", "pg_monitor", "pg_database_owner"]);

const mariadbReadPrivileges = new Set(["SELECT", "SHOW VIEW", "SHOW DATABASES", "EXECUTE", "USAGE", "SHOW CREATE ROUTINE"]);
const mariadbAdminPrivileges = new Set(["GRANT OPTION", "DROP", "ALTER", "SUPER", "CREATE USER", "FILE", "SHUTDOWN", "PROCESS", "RELOAD", "ALL", "ALL PRIVILEGES"]);

const redisAdminCategories = new Set(["+@all", "+@admin", "+@dangerous"]);
const redisAdminCommands = new Set(["+acl", "+config", "+module", "+debug", "+shutdown", "+replicaof", "+slaveof", "+flushall", "+flushdb"]);
const redisWriteCategories = new Set(["+@write", "+@keyspace", "+@stream", "+@list", "+@hash", "+@set", "+@sortedset", "+@string", "+@bitmap", "+@hyperloglog", "+@geo"]);

const adminWords = new Set(["admin", "admins", "owner", "owners", "super", "superuser", "dba", "root", "manage", "manager"]);
const writeWords = new Set(["write", "writer", "writers", "rw", "editor", "editors", "modify", "dml"]);

/** Role and group names say what they are for often enough to be worth reading (`orders_admin`, `app_rw`). */
function powerFromName(name: string): PrivilegePower {
  const lower = name.toLowerCase();
  const words = lower.split(/[^a-z0-9]+/);
  if (lower.includes("admin") || words.some((w) => adminWords.has(w))) return "admin";
  if (lower.includes("write") || words.some((w) => writeWords.has(w))) return "write";
  return "read";
}

export function privilegePower(kind: ConnectorKind, privilegeKind: string, privilege: string): PrivilegePower {
  switch (kind) {
    case "POSTGRES":
      if (privilegeKind === "ROLE_ATTRIBUTE") {
        if (privilege === "LOGIN") return "login";
        return postgresAdminAttributes.has(privilege) ? "admin" : "write";
      }
      if (privilegeKind === "ROLE_MEMBERSHIP") {
        if (postgresAdminRoles.has(privilege)) return "admin";
        if (postgresReadRoles.has(privilege)) return "read";
        return powerFromName(privilege);
      }
      if (privilegeKind === "TABLE_PRIVILEGE") return privilege.startsWith("SELECT ") ? "read" : "write";
      return "read";
    case "MARIADB": {
      if (privilegeKind === "ROLE_MEMBERSHIP") return powerFromName(privilege);
      const name = privilege.replace(/ ON .*$/, "");
      if (mariadbAdminPrivileges.has(name)) return "admin";
      if (mariadbReadPrivileges.has(name)) return "read";
      // Writing to every database is as good as owning them.
      return privilegeKind === "GLOBAL_PRIVILEGE" ? "admin" : "write";
    }
    case "REDIS": {
      const rules = parseRedisRules(privilege);
      if (rules.allCommands || rules.categories.some((c) => redisAdminCategories.has(c)) || rules.commands.some((c) => redisAdminCommands.has(c.split("|")[0] ?? c))) return "admin";
      if (rules.categories.some((c) => redisWriteCategories.has(c)) || rules.commands.some((c) => /^\+(set|del|unlink|expire|hset|lpush|rpush|sadd|zadd|incr|decr|append|xadd|mset|rename)/.test(c))) return "write";
      return "read";
    }
    default:
      return powerFromName(privilege);
  }
}
