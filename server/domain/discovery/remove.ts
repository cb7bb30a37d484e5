import * as mariadb from "mariadb";
import pg from "pg";
import { createClient } from "redis";
import { ConnectorError } from "@/server/connectors";
import { databasePrivilegeColumns } from "@/server/connectors/mariadb-inventory";
import { ZMariadbSecret, ZMariadbSettings } from "@/server/connectors/mariadb";
import { ZPostgresSecret, ZPostgresSettings } from "@/server/connectors/postgres";
import { ZRedisSecret, ZRedisSettings } from "@/server/connectors/redis";
import { decryptSecret } from "@/server/crypto";
import { connectorOwnLogin } from "@/server/domain/discovery/holders";
import { parseMariadbDatabasePrivilege, parseTablePrivilege, planRemoval, postgresAttributes, type PrivilegeRef } from "@/server/domain/discovery/conversion";
import type { Connector as ConnectorRow } from "@/server/generated/prisma/client";

/**
 * Removing a standing privilege Keycard did not create. The connector contract only removes what a grant
 * added (keyed by the grant id), so this talks to the target with the connector's own driver and its
 * stored settings and secret — carefully:
 * - the plan (conversion.ts) refuses Keycard's own objects, the connector's own login and forms it cannot
 *   express; privilege keywords come from allow-lists, never from the stored text;
 * - every name is first looked up in the target's catalog with bind parameters, so only names of objects
 *   that exist reach a statement, and then it is quoted by the driver (`pg.escapeIdentifier`, MariaDB
 *   `escapeId` and `?` for accounts, Redis arguments one per protocol argument);
 * - afterwards the target is asked again: the removal only counts when the privilege is really gone.
 * A privilege already gone is not an error (`removed: false`): someone removed it by hand meanwhile.
 */

export interface RemovalOutcome {
  removed: boolean;
  /** Sessions ended because the holder lost the access (a session that ran SET ROLE would keep it). */
  sessionsEnded: number;
  detail: string;
}

function secretOf(row: Pick<ConnectorRow, "id" | "secretCiphertext">): unknown {
  return row.secretCiphertext ? (JSON.parse(decryptSecret(row.secretCiphertext, row.id)) as unknown) : {};
}

function refused(message: string): ConnectorError {
  return new ConnectorError("REFUSED", message, { retryable: false });
}

export async function removeStandingPrivilege(row: ConnectorRow, entry: PrivilegeRef): Promise<RemovalOutcome> {
  const plan = planRemoval(row.kind, entry, connectorOwnLogin(row.kind, row.settings));
  if (!plan.ok) throw new ConnectorError("INVALID", plan.why);
  switch (row.kind) {
    case "POSTGRES":
      return removeFromPostgres(row, entry);
    case "REDIS":
      return removeFromRedis(row, entry);
    case "MARIADB":
      return removeFromMariadb(row, entry);
    default:
      throw new ConnectorError("INVALID", "this target cannot remove privileges Keycard did not create");
  }
}

// ─── PostgreSQL ─────────────────────────────────────────────────────────────────────────────────

async function withPostgres<T>(row: ConnectorRow, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const settings = ZPostgresSettings.parse(row.settings);
  const secret = ZPostgresSecret.parse(secretOf(row));
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secret.password,
    ssl: settings.ssl === false ? false : { rejectUnauthorized: settings.ssl === true },
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    lock_timeout: 10_000,
    application_name: "keycard-discovery",
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new ConnectorError("UNREACHABLE", `cannot reach PostgreSQL at ${settings.host}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const id = (name: string) => pg.escapeIdentifier(name);

async function roleExists(client: pg.Client, name: string): Promise<boolean> {
  return ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount ?? 0) > 0;
}

async function membershipGrantors(client: pg.Client, member: string, role: string): Promise<string[]> {
  const { rows } = await client.query<{ grantor: string | null }>(
    `SELECT g.rolname AS grantor FROM pg_auth_members am
       JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member LEFT JOIN pg_roles g ON g.oid = am.grantor
      WHERE m.rolname = $1 AND r.rolname = $2`,
    [member, role],
  );
  return rows.map((r) => r.grantor ?? "");
}

/** Ends the login's sessions when it no longer reaches the role (the connector's rule for revokes). */
async function endSessionsIfUncovered(client: pg.Client, login: string, role: string): Promise<number> {
  const covered = await client.query<{ covered: boolean }>("SELECT pg_has_role($1::name, $2::name, 'MEMBER') AS covered", [login, role]);
  if (covered.rows[0]?.covered) return 0;
  const { rows } = await client.query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity
      WHERE usename = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    [login],
  );
  return rows.filter((r) => r.ended).length;
}

function removeFromPostgres(row: ConnectorRow, entry: PrivilegeRef): Promise<RemovalOutcome> {
  return withPostgres(row, async (client) => {
    const member = entry.principal;
    if (entry.privilegeKind === "ROLE_MEMBERSHIP") {
      if (!(await roleExists(client, member)) || !(await roleExists(client, entry.privilege)) || (await membershipGrantors(client, member, entry.privilege)).length === 0) {
        return { removed: false, sessionsEnded: 0, detail: `${member} is no longer a member of ${entry.privilege}` };
      }
      await client.query(`REVOKE ${id(entry.privilege)} FROM ${id(member)}`);
      // PostgreSQL 16 keeps one membership per grantor; a plain REVOKE only removes the current user's.
      for (const grantor of await membershipGrantors(client, member, entry.privilege)) {
        if (grantor) await client.query(`REVOKE ${id(entry.privilege)} FROM ${id(member)} GRANTED BY ${id(grantor)}`);
      }
      if ((await membershipGrantors(client, member, entry.privilege)).length > 0) throw refused(`${member} is still a member of ${entry.privilege} after REVOKE`);
      const login = (await client.query<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [member])).rows[0]?.rolcanlogin;
      const sessionsEnded = login ? await endSessionsIfUncovered(client, member, entry.privilege) : 0;
      return { removed: true, sessionsEnded, detail: `revoked membership of ${entry.privilege} from ${member}` };
    }
    if (entry.privilegeKind === "ROLE_ATTRIBUTE") {
      const attribute = postgresAttributes.find((a) => a === entry.privilege);
      if (!attribute) throw new ConnectorError("INVALID", `cannot remove attribute ${entry.privilege}`);
      const column = { SUPERUSER: "rolsuper", CREATEROLE: "rolcreaterole", CREATEDB: "rolcreatedb", REPLICATION: "rolreplication", BYPASSRLS: "rolbypassrls" }[attribute];
      const has = async () => (await client.query<{ has: boolean }>(`SELECT ${column} AS has FROM pg_roles WHERE rolname = $1`, [member])).rows[0]?.has === true;
      if (!(await has())) return { removed: false, sessionsEnded: 0, detail: `${member} no longer has ${attribute}` };
      await client.query(`ALTER ROLE ${id(member)} NO${attribute}`);
      if (await has()) throw refused(`${member} still has ${attribute} after ALTER ROLE`);
      return { removed: true, sessionsEnded: 0, detail: `removed ${attribute} from ${member}` };
    }
    if (entry.privilegeKind === "TABLE_PRIVILEGE") {
      const parsed = parseTablePrivilege(entry.privilege);
      if (!parsed) throw new ConnectorError("INVALID", `cannot read table privilege ${entry.privilege}`);
      // The stored text is `schema.table`; names may contain dots, so the catalog says which split is real.
      const { rows } = await client.query<{ schema: string; name: string }>(
        `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname || '.' || c.relname = $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
        [parsed.relation],
      );
      if (rows.length !== 1 || !rows[0]) return { removed: false, sessionsEnded: 0, detail: `table ${parsed.relation} not found` };
      const { schema, name } = rows[0];
      const grantee = member === "PUBLIC" ? "PUBLIC" : id(member);
      const holds = async () =>
        (
          await client.query<{ holds: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) a
                              LEFT JOIN pg_roles g ON g.oid = a.grantee
                             WHERE n.nspname = $1 AND c.relname = $2 AND a.privilege_type = $3 AND COALESCE(g.rolname, 'PUBLIC') = $4) AS holds`,
            [schema, name, parsed.privilege, member],
          )
        ).rows[0]?.holds === true;
      if (!(await holds())) return { removed: false, sessionsEnded: 0, detail: `${member} no longer has ${entry.privilege}` };
      await client.query(`REVOKE ${parsed.privilege} ON TABLE ${id(schema)}.${id(name)} FROM ${grantee}`);
      if (await holds()) throw refused(`${member} still has ${entry.privilege} after REVOKE (granted by another role?)`);
      return { removed: true, sessionsEnded: 0, detail: `revoked ${entry.privilege} from ${member}` };
    }
    throw new ConnectorError("INVALID", `cannot remove a ${entry.privilegeKind}`);
  });
}

// ─── Redis ──────────────────────────────────────────────────────────────────────────────────────

async function removeFromRedis(row: ConnectorRow, entry: PrivilegeRef): Promise<RemovalOutcome> {
  const settings = ZRedisSettings.parse(row.settings);
  const secret = ZRedisSecret.parse(secretOf(row));
  const socket = { host: settings.host, port: settings.port, connectTimeout: 5_000, reconnectStrategy: false as const };
  const client = createClient({
    socket: settings.tls ? { ...socket, tls: true as const } : socket,
    ...(settings.username !== "default" || secret.password ? { username: settings.username, password: secret.password } : {}),
    disableOfflineQueue: true,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new ConnectorError("UNREACHABLE", `cannot reach Redis at ${settings.host}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const name = entry.principal;
    const lines = ((await client.sendCommand(["ACL", "LIST"])) as unknown[]).map(String);
    const line = lines.find((l) => l.split(" ")[1] === name);
    if (!line) return { removed: false, sessionsEnded: 0, detail: `ACL user ${name} no longer exists` };
    // Compare the user's rules now with what the report showed (hashes removed, as inventory does): if
    // someone changed them since, the admin decided on something else.
    const rules = line.split(" ").slice(2).filter((r) => r !== "on" && r !== "off" && !r.startsWith("#") && !r.startsWith(">")).join(" ");
    if (rules !== entry.privilege) throw new ConnectorError("INVALID", `the rules of ACL user ${name} changed since discovery (now: ${rules}); refresh the report and decide again`);
    // Off first (no new AUTH), then end its clients, then delete — the connector's own revoke order.
    await client.sendCommand(["ACL", "SETUSER", name, "off", "resetpass"]);
    const sessionsEnded = Number(await client.sendCommand(["CLIENT", "KILL", "USER", name]));
    await client.sendCommand(["ACL", "DELUSER", name]);
    return { removed: true, sessionsEnded, detail: `deleted ACL user ${name}` };
  } finally {
    client.destroy();
  }
}

// ─── MariaDB ────────────────────────────────────────────────────────────────────────────────────

function splitAccount(principal: string): { user: string; host: string } {
  const at = principal.lastIndexOf("@");
  return { user: principal.slice(0, at), host: principal.slice(at + 1) };
}

async function removeFromMariadb(row: ConnectorRow, entry: PrivilegeRef): Promise<RemovalOutcome> {
  const settings = ZMariadbSettings.parse(row.settings);
  const secret = ZMariadbSecret.parse(secretOf(row));
  let conn: mariadb.Connection;
  try {
    conn = await mariadb.createConnection({
      host: settings.host,
      port: settings.port,
      user: settings.user,
      password: secret.password,
      ...(settings.database ? { database: settings.database } : {}),
      ...(settings.ssl === false ? {} : { ssl: { rejectUnauthorized: settings.ssl === true } }),
      connectTimeout: 5_000,
      collation: "UTF8MB4_GENERAL_CI",
      sessionVariables: { max_statement_time: 30, lock_wait_timeout: 10 },
    });
  } catch (error) {
    throw new ConnectorError("UNREACHABLE", `cannot reach MariaDB at ${settings.host}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const { user, host } = splitAccount(entry.principal);
    if (entry.privilegeKind === "ROLE_MEMBERSHIP") {
      const has = async () => (await conn.query<unknown[]>("SELECT 1 FROM mysql.roles_mapping WHERE User = ? AND Host = ? AND Role = ?", [user, host, entry.privilege])).length > 0;
      if (!(await has())) return { removed: false, sessionsEnded: 0, detail: `${entry.principal} no longer holds ${entry.privilege}` };
      await conn.query(`REVOKE ${conn.escapeId(entry.privilege)} FROM ?@?`, [user, host]);
      if (await has()) throw refused(`${entry.principal} still holds ${entry.privilege} after REVOKE`);
      return { removed: true, sessionsEnded: 0, detail: `revoked role ${entry.privilege} from ${entry.principal}` };
    }
    const parsed = parseMariadbDatabasePrivilege(entry.privilege);
    if (entry.privilegeKind !== "DATABASE_PRIVILEGE" || !parsed) throw new ConnectorError("INVALID", `cannot remove ${entry.privilege}`);
    const column = databasePrivilegeColumns[parsed.privilege];
    const has = async () =>
      (await conn.query<unknown[]>(`SELECT 1 FROM mysql.db WHERE User = ? AND Host = ? AND Db = ? AND ${conn.escapeId(column)} = 'Y'`, [user, host, parsed.database])).length > 0;
    if (!(await has())) return { removed: false, sessionsEnded: 0, detail: `${entry.principal} no longer has ${entry.privilege}` };
    await conn.query(`REVOKE ${parsed.privilege} ON ${conn.escapeId(parsed.database)}.* FROM ?@?`, [user, host]);
    if (await has()) throw refused(`${entry.principal} still has ${entry.privilege} after REVOKE`);
    return { removed: true, sessionsEnded: 0, detail: `revoked ${entry.privilege} from ${entry.principal}` };
  } finally {
    await conn.end().catch(() => undefined);
  }
}
