import { createHash } from "node:crypto";
import * as mariadb from "mariadb";
import { z } from "zod";
import { ConnectorError, isConnectorError, messageOf, networkError } from "./errors";
import { ephemeralPrincipalName, generatePassword, grantRoleName, personRoleName, unsafeNameReason, zHost, zPort, zSqlName } from "./identifiers";
import { databasePrivilegeColumns, databasePrivileges, mariadbInventory, mariadbUsage, queryRows, type DatabasePrivilege } from "./mariadb-inventory";
import { parseAccessLevel, parseConfig, parseGrantSpec, type ParsedGrant } from "./spec";
import type {
  AccessLevelSpec,
  Connector,
  ConnectorCapabilities,
  GrantOutcome,
  GrantSpec,
  InventoryEntry,
  RevokeOutcome,
  TestConnectionResult,
  UsageSample,
  VerifyResult,
} from "./types";

/**
 * MariaDB (and MySQL-compatible servers with roles). How a grant looks in the target:
 * - EPHEMERAL_CREDENTIAL: a user `'kc_<grant hex>'@'<userHost>'` with a generated password, holding the
 *   level's privileges on `database`.* (or the level's role, set as its default role). One user per grant.
 *   Revoke: DROP USER (no new logins), then KILL every connection of that user.
 * - ROLE_ELEVATION: a role `kc_g_<grant hex>` holding the level's privileges or role, granted to a
 *   per-person umbrella role `kc_u_<hash of user@host>` that is granted to the person and becomes their
 *   default role. MariaDB activates one role per session (plus the roles nested in it), so the umbrella is
 *   what lets several grants be active at once; revoking a grant drops only its `kc_g_` role, so another
 *   grant's role keeps the access (the union). The person's connections are killed when nothing else
 *   covers the privilege, because MariaDB caches database privileges in a session (USE db) past a revoke.
 */

const zMariaName = (reservedAllowed = false) => zSqlName({ maxLength: 80, reservedAllowed });

/** The host part of accounts: letters, digits, '.', '%', '_', ':' and '-' (a MariaDB host pattern). */
const zHostPattern = z.string().superRefine((value, ctx) => {
  const reason = unsafeNameReason(value.replace(/[.%:]/g, "_").replace(/^[0-9]/, "_"), { maxLength: 255 });
  if (reason) ctx.addIssue({ code: "custom", message: `host pattern ${reason}` });
});

export const ZMariadbSettings = z
  .object({
    host: zHost,
    port: zPort.default(3306),
    /** Needs CREATE USER, the privileges it hands out WITH GRANT OPTION (or ALL), SELECT on mysql.*, CONNECTION ADMIN/SUPER to kill. */
    user: zMariaName(true),
    /** Optional database to connect to; nothing is created there. */
    database: zMariaName(true).optional(),
    ssl: z.union([z.boolean(), z.literal("no-verify")]).default(false),
    /** Host part of the users Keycard creates (`'kc_…'@'<userHost>'`). */
    userHost: zHostPattern.default("%"),
    publicHost: zHost.optional(),
    publicPort: zPort.optional(),
    poolSize: z.number().int().min(1).max(20).default(4),
  })
  .strict();
export type MariadbSettings = z.infer<typeof ZMariadbSettings>;

export const ZMariadbSecret = z.object({ password: z.string().max(1024).default("") }).strict();
export type MariadbSecret = z.infer<typeof ZMariadbSecret>;

/** Resource.target: the database the privileges apply to (`database`.*). */
export const ZMariadbTarget = z.object({ database: zMariaName(true).optional() }).strict();
export type MariadbTarget = z.infer<typeof ZMariadbTarget>;

/** AccessLevel.privilege: exactly one of an existing role, or database-level privileges on the target database. */
export const ZMariadbPrivilege = z
  .object({
    role: zMariaName().optional(),
    privileges: z
      .array(z.enum(databasePrivileges, { error: `privileges must be among: ${databasePrivileges.join(", ")}` }))
      .min(1)
      .refine((list) => new Set(list).size === list.length, "privileges must not repeat")
      .optional(),
  })
  .strict()
  .refine((p) => (p.role === undefined) !== (p.privileges === undefined), "set exactly one of role or privileges");
export type MariadbPrivilege = z.infer<typeof ZMariadbPrivilege>;

/** The person's account for ROLE_ELEVATION: `user` (host %) or `user@host`. */
const ZMariaLogin = z.string().transform((value, ctx) => {
  const at = value.lastIndexOf("@");
  const user = at < 0 ? value : value.slice(0, at);
  const host = at < 0 ? "%" : value.slice(at + 1);
  const userCheck = zMariaName().safeParse(user);
  const hostCheck = zHostPattern.safeParse(host);
  if (!userCheck.success || !hostCheck.success) {
    ctx.addIssue({ code: "custom", message: (userCheck.error ?? hostCheck.error)?.issues[0]?.message ?? "invalid login" });
    return z.NEVER;
  }
  return { user, host };
});
type Account = { user: string; host: string };

const schemas = { privilege: ZMariadbPrivilege, target: ZMariadbTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] } as const;
type Level = { privilege: MariadbPrivilege; target: MariadbTarget };
type Grant = ParsedGrant<MariadbPrivilege, MariadbTarget>;

/** GET_LOCK names are limited to 64 characters. */
function lockName(key: string): string {
  return `keycard:${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

export class MariadbConnector implements Connector {
  readonly kind = "MARIADB" as const;
  readonly capabilities: ConnectorCapabilities = {
    modes: schemas.modes,
    endsSessions: true,
    targetEnforcedExpiry: false,
    usage: { supported: true, note: "Live connections from the processlist at sampling time; MariaDB keeps no login history." },
  };
  private readonly settings: MariadbSettings;
  private readonly secret: MariadbSecret;
  private pool: mariadb.Pool | null = null;

  constructor(settings: unknown, secret: unknown) {
    this.settings = parseConfig(ZMariadbSettings, settings, "MariaDB settings", "settings");
    this.secret = parseConfig(ZMariadbSecret, secret ?? {}, "MariaDB secret", "secret");
  }

  private get where(): string {
    return `MariaDB at ${this.settings.host}:${this.settings.port}`;
  }

  private connectionConfig(): mariadb.ConnectionConfig {
    const { host, port, user, database, ssl } = this.settings;
    return {
      host,
      port,
      user,
      password: this.secret.password,
      ...(database ? { database } : {}),
      ...(ssl === false ? {} : { ssl: { rejectUnauthorized: ssl === true } }),
      connectTimeout: 5_000,
      bigIntAsNumber: true,
      // The grant tables' views (mysql.user) compute columns in utf8mb4_general_ci; the driver's default
      // utf8mb4_unicode_ci makes every comparison with a literal an "illegal mix of collations".
      collation: "UTF8MB4_GENERAL_CI",
      // Sessions of the connector itself are bounded, so a stuck statement fails (and is retried) instead of hanging a job.
      sessionVariables: { max_statement_time: 30, lock_wait_timeout: 10 },
    };
  }

  private getPool(): mariadb.Pool {
    this.pool ??= mariadb.createPool({ ...this.connectionConfig(), connectionLimit: this.settings.poolSize, acquireTimeout: 10_000, idleTimeout: 10 });
    return this.pool;
  }

  private mapError(error: unknown): ConnectorError {
    if (isConnectorError(error)) return error;
    const network = networkError(error, this.where);
    if (network) return network;
    const code = (error as { code?: unknown }).code;
    const message = messageOf(error).replace(/^\(conn:[^)]*\)\s*/, "");
    switch (code) {
      case "ER_ACCESS_DENIED_ERROR":
      case "ER_ACCESS_DENIED_NO_PASSWORD_ERROR":
        // MariaDB answers a missing user and a wrong password alike, on purpose; so does this message.
        return new ConnectorError("AUTH", `access denied for user "${this.settings.user}" at ${this.where}: wrong password, or no such user for this client host`, { cause: error });
      case "ER_BAD_DB_ERROR":
        return new ConnectorError("NOT_FOUND", `database "${this.settings.database ?? ""}" does not exist at ${this.where}`, { cause: error });
      case "ER_SPECIFIC_ACCESS_DENIED_ERROR":
      case "ER_DBACCESS_DENIED_ERROR":
      case "ER_TABLEACCESS_DENIED_ERROR":
      case "ER_CANNOT_USER":
        return new ConnectorError("REFUSED", `${this.where} refused: ${message}`, { cause: error, retryable: false });
      case "ER_GET_CONNECTION_TIMEOUT":
      case "ER_CONNECTION_TIMEOUT":
      case "ER_STATEMENT_TIMEOUT":
      case "ER_LOCK_WAIT_TIMEOUT":
        return new ConnectorError("TIMEOUT", `${this.where}: ${message}`, { cause: error });
    }
    return new ConnectorError("REFUSED", `${this.where}: ${message}`, { cause: error, retryable: true });
  }

  private async withConnection<T>(work: (conn: mariadb.PoolConnection) => Promise<T>): Promise<T> {
    let conn: mariadb.PoolConnection;
    try {
      conn = await this.getPool().getConnection();
    } catch (error) {
      throw this.mapError(error);
    }
    try {
      return await work(conn);
    } catch (error) {
      throw this.mapError(error);
    } finally {
      await conn.release().catch(() => undefined);
    }
  }

  /** Serialises calls on one key across Keycard processes (a named server lock, released on any exit). */
  private async withLock<T>(key: string, work: (conn: mariadb.PoolConnection) => Promise<T>): Promise<T> {
    return this.withConnection(async (conn) => {
      const name = lockName(key);
      const [row] = await queryRows<{ got: number | null }>(conn, "SELECT GET_LOCK(?, 15) AS got", [name]);
      if (row?.got !== 1) throw new ConnectorError("TIMEOUT", `another Keycard call is still working on ${key}`);
      try {
        return await work(conn);
      } finally {
        await conn.query("SELECT RELEASE_LOCK(?)", [name]).catch(() => undefined);
      }
    });
  }

  async testConnection(): Promise<TestConnectionResult> {
    // A direct connection, not the pool: the pool would hide the reason behind its own timeout.
    let conn: mariadb.Connection | undefined;
    try {
      conn = await mariadb.createConnection(this.connectionConfig());
      const [me] = await queryRows<{ version: string; account: string }>(conn, "SELECT VERSION() AS version, CURRENT_USER() AS account");
      const rights = await queryRows<{ PRIVILEGE_TYPE: string }>(
        conn,
        `SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES
          WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`,
      );
      const has = new Set(rights.map((r) => r.PRIVILEGE_TYPE));
      if (!has.has("CREATE USER")) return { ok: false, error: `user ${me?.account ?? this.settings.user} lacks CREATE USER`, kind: "REFUSED" };
      const canKill = has.has("SUPER") || has.has("CONNECTION ADMIN");
      return {
        ok: true,
        details: `MariaDB ${me?.version ?? "?"} at ${this.settings.host}:${this.settings.port} as ${me?.account ?? this.settings.user}; ${canKill ? "can end sessions" : "cannot end sessions: grant CONNECTION ADMIN"}`,
      };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    } finally {
      await conn?.end().catch(() => undefined);
    }
  }

  async validateAccessLevel(level: AccessLevelSpec): Promise<TestConnectionResult> {
    try {
      const parsed = parseAccessLevel(level, schemas);
      await this.withConnection((conn) => this.requireLevelObjects(conn, parsed));
      const what = parsed.privilege.role ? `role "${parsed.privilege.role}"` : `${parsed.privilege.privileges?.join(", ")} on ${parsed.target.database}.*`;
      return { ok: true, details: `${what} can be granted` };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    }
  }

  /** The role or database the level points at exists (checked before anything is created). */
  private async requireLevelObjects(conn: mariadb.Connection, level: Level): Promise<void> {
    const { role, privileges } = level.privilege;
    const database = level.target.database;
    if (privileges && !database) throw new ConnectorError("INVALID", "privileges need the resource's target database (target.database)", { field: "target.database" });
    if (role && !(await this.roleExists(conn, role))) throw new ConnectorError("NOT_FOUND", `role "${role}" does not exist at ${this.where}`, { field: "privilege.role" });
    if (database) {
      const found = await queryRows(conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
      if (found.length === 0) throw new ConnectorError("NOT_FOUND", `database "${database}" does not exist at ${this.where}`, { field: "target.database" });
    }
  }

  private async roleExists(conn: mariadb.Connection, role: string): Promise<boolean> {
    return (await queryRows(conn, "SELECT 1 FROM mysql.user WHERE User = ? AND Host = '' AND is_role = 'Y'", [role])).length > 0;
  }

  private async accountExists(conn: mariadb.Connection, account: Account): Promise<boolean> {
    return (await queryRows(conn, "SELECT 1 FROM mysql.user WHERE User = ? AND Host = ? AND is_role = 'N'", [account.user, account.host])).length > 0;
  }

  /** Gives the level's privilege to a grantee: `?@?` for an account, a quoted role name for a role. */
  private async grantLevel(conn: mariadb.Connection, level: Level, grantee: { sql: string; params: string[] }): Promise<void> {
    const { role, privileges } = level.privilege;
    if (role) await conn.query(`GRANT ${conn.escapeId(role)} TO ${grantee.sql}`, grantee.params);
    else if (privileges && level.target.database) {
      // The privilege keywords come from the fixed allow-list above, never from input text.
      await conn.query(`GRANT ${privileges.join(", ")} ON ${conn.escapeId(level.target.database)}.* TO ${grantee.sql}`, grantee.params);
    }
  }

  async grant(spec: GrantSpec): Promise<GrantOutcome> {
    const grant = parseGrantSpec(spec, schemas);
    return grant.mode === "EPHEMERAL_CREDENTIAL" ? this.grantEphemeral(grant) : this.grantElevation(grant);
  }

  private async grantEphemeral(grant: Grant): Promise<GrantOutcome> {
    const account = { user: ephemeralPrincipalName(grant.grantId), host: this.settings.userHost };
    const result = await this.withLock(`grant:${grant.grantId}`, async (conn) => {
      await this.requireLevelObjects(conn, grant);
      const exists = await this.accountExists(conn, account);
      const password = !exists || grant.rotateCredential ? generatePassword() : undefined;
      if (!exists) await conn.query("CREATE USER ?@? IDENTIFIED BY ?", [account.user, account.host, password]);
      else if (password) await conn.query("ALTER USER ?@? IDENTIFIED BY ?", [account.user, account.host, password]);
      // Re-asserted on every call, so a call that died between CREATE USER and GRANT is completed by the retry.
      await this.grantLevel(conn, grant, { sql: "?@?", params: [account.user, account.host] });
      if (grant.privilege.role) await conn.query(`SET DEFAULT ROLE ${conn.escapeId(grant.privilege.role)} FOR ?@?`, [account.user, account.host]);
      return { created: !exists, password };
    });
    const host = this.settings.publicHost ?? this.settings.host;
    const port = this.settings.publicPort ?? this.settings.port;
    const database = grant.target.database;
    const principal = `${account.user}@${account.host}`;
    return {
      principal,
      created: result.created,
      details: { user: account.user, accountHost: account.host, ...levelDetails(grant), expiresInTarget: false },
      ...(result.password
        ? {
            credential: {
              username: account.user,
              password: result.password,
              host,
              port,
              ...(database ? { database } : {}),
              connectionString: `mariadb://${account.user}:${result.password}@${host.includes(":") ? `[${host}]` : host}:${port}/${database ?? ""}`,
            },
          }
        : {}),
    };
  }

  private personAccount(grant: Grant): Account {
    if (!grant.subject.targetLogin) throw new ConnectorError("INVALID", "role elevation needs the person's account in the target (subject.targetLogin)", { field: "subject.targetLogin" });
    return parseConfig(ZMariaLogin, grant.subject.targetLogin, "target login", "subject.targetLogin");
  }

  private async grantElevation(grant: Grant): Promise<GrantOutcome> {
    const account = this.personAccount(grant);
    const grantRole = grantRoleName(grant.grantId);
    const umbrella = personRoleName(`${account.user}@${account.host}`);
    // One lock per person: the umbrella role and the default role are shared by all of the person's grants.
    const result = await this.withLock(`person:${account.user}@${account.host}`, async (conn) => {
      await this.requireLevelObjects(conn, grant);
      if (!(await this.accountExists(conn, account))) throw new ConnectorError("NOT_FOUND", `account ${account.user}@${account.host} does not exist at ${this.where}`, { field: "subject.targetLogin" });
      const existed = await this.roleExists(conn, grantRole);
      await conn.query(`CREATE ROLE IF NOT EXISTS ${conn.escapeId(grantRole)}`);
      await this.grantLevel(conn, grant, { sql: conn.escapeId(grantRole), params: [] });
      await conn.query(`CREATE ROLE IF NOT EXISTS ${conn.escapeId(umbrella)}`);
      await conn.query(`GRANT ${conn.escapeId(grantRole)} TO ${conn.escapeId(umbrella)}`);
      await conn.query(`GRANT ${conn.escapeId(umbrella)} TO ?@?`, [account.user, account.host]);
      const defaultRole = await this.defaultRole(conn, account);
      // Never replace a default role the person already has for their own work; they activate the umbrella with SET ROLE.
      if (defaultRole === "" || defaultRole === umbrella) await conn.query(`SET DEFAULT ROLE ${conn.escapeId(umbrella)} FOR ?@?`, [account.user, account.host]);
      return { created: !existed, activation: defaultRole === "" || defaultRole === umbrella ? "default role at login" : `SET ROLE ${umbrella}` };
    });
    return {
      principal: `${account.user}@${account.host}`,
      created: result.created,
      details: { grantRole, personRole: umbrella, activation: result.activation, ...levelDetails(grant), expiresInTarget: false },
    };
  }

  private async defaultRole(conn: mariadb.Connection, account: Account): Promise<string> {
    const [row] = await queryRows<{ default_role: string | null }>(conn, "SELECT default_role FROM mysql.user WHERE User = ? AND Host = ?", [account.user, account.host]);
    return row?.default_role ?? "";
  }

  async revoke(spec: GrantSpec): Promise<RevokeOutcome> {
    const grant = parseGrantSpec(spec, schemas);
    return grant.mode === "EPHEMERAL_CREDENTIAL" ? this.revokeEphemeral(grant) : this.revokeElevation(grant);
  }

  /** KILLs every connection of a user name; repeats until the processlist shows none (a login may race the first pass). */
  private async killConnections(conn: mariadb.Connection, user: string): Promise<number> {
    let killed = 0;
    for (let pass = 0; pass < 5; pass++) {
      const rows = await queryRows<{ ID: number }>(conn, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'", [user]);
      if (rows.length === 0) break;
      for (const { ID } of rows) {
        try {
          await conn.query("KILL CONNECTION ?", [Number(ID)]);
          killed++;
        } catch (error) {
          if ((error as { code?: unknown }).code !== "ER_NO_SUCH_THREAD") throw error; // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return killed;
  }

  private async revokeEphemeral(grant: Grant): Promise<RevokeOutcome> {
    const account = { user: ephemeralPrincipalName(grant.grantId), host: this.settings.userHost };
    return this.withLock(`grant:${grant.grantId}`, async (conn) => {
      const existed = await this.accountExists(conn, account);
      // DROP USER first: it refuses new logins but leaves open connections running (and their cached
      // privileges), so the connections are killed after, by name, even when an earlier attempt already dropped the user.
      if (existed) await conn.query("DROP USER IF EXISTS ?@?", [account.user, account.host]);
      const sessionsEnded = await this.killConnections(conn, account.user);
      return { principal: `${account.user}@${account.host}`, removed: existed, sessionsEnded, details: { user: account.user } };
    });
  }

  /**
   * The account that holds a per-grant role through its umbrella (when the spec lacks the login). The
   * creator of a role holds it WITH ADMIN OPTION automatically; that row is not the person.
   */
  private async findHolder(conn: mariadb.Connection, grantRole: string): Promise<Account | null> {
    const rows = await queryRows<{ User: string; Host: string }>(
      conn,
      `SELECT p.User, p.Host FROM mysql.roles_mapping g JOIN mysql.roles_mapping p ON p.Role = g.User
        WHERE g.Role = ? AND g.Host = '' AND g.User LIKE 'kc\\_u\\_%' AND p.Host <> '' AND p.Admin_option = 'N'`,
      [grantRole],
    );
    const row = rows[0];
    return row ? { user: row.User, host: row.Host } : null;
  }

  private async revokeElevation(grant: Grant): Promise<RevokeOutcome> {
    const grantRole = grantRoleName(grant.grantId);
    const account = grant.subject.targetLogin ? this.personAccount(grant) : await this.withConnection((conn) => this.findHolder(conn, grantRole));
    if (!account) {
      // Nobody holds it: drop what may be left of the role itself.
      const removed = await this.withLock(`grant:${grant.grantId}`, async (conn) => {
        const existed = await this.roleExists(conn, grantRole);
        if (existed) await conn.query(`DROP ROLE IF EXISTS ${conn.escapeId(grantRole)}`);
        return existed;
      });
      return { principal: grantRole, removed, sessionsEnded: 0, details: { grantRole } };
    }
    const umbrella = personRoleName(`${account.user}@${account.host}`);
    return this.withLock(`person:${account.user}@${account.host}`, async (conn) => {
      const existed = await this.roleExists(conn, grantRole);
      if (existed) await conn.query(`DROP ROLE IF EXISTS ${conn.escapeId(grantRole)}`);
      const remaining = await queryRows(conn, "SELECT Role FROM mysql.roles_mapping WHERE User = ? AND Host = '' AND Role LIKE 'kc\\_g\\_%'", [umbrella]);
      if (remaining.length === 0 && (await this.roleExists(conn, umbrella))) {
        await conn.query(`DROP ROLE IF EXISTS ${conn.escapeId(umbrella)}`);
      }
      if (remaining.length === 0 && (await this.defaultRole(conn, account)) === umbrella && (await this.accountExists(conn, account))) {
        await conn.query("SET DEFAULT ROLE NONE FOR ?@?", [account.user, account.host]);
      }
      // Open connections keep database privileges cached, so they end unless another path still grants the privilege.
      const covered = await this.isCovered(conn, account, grant);
      const sessionsEnded = covered ? 0 : await this.killConnections(conn, account.user);
      return { principal: `${account.user}@${account.host}`, removed: existed, sessionsEnded, details: { grantRole, personRole: umbrella, stillCovered: covered } };
    });
  }

  /** Whether the account still reaches the level's role or privileges (directly or through any role chain). */
  private async isCovered(conn: mariadb.Connection, account: Account, level: Level): Promise<boolean> {
    const reach = await queryRows<{ role: string }>(
      conn,
      `WITH RECURSIVE reach(role) AS (
         SELECT Role FROM mysql.roles_mapping WHERE User = ? AND Host = ?
         UNION SELECT m.Role FROM mysql.roles_mapping m JOIN reach r ON m.User = r.role AND m.Host = ''
       ) SELECT role FROM reach`,
      [account.user, account.host],
    );
    const roles = reach.map((r) => r.role);
    if (level.privilege.role) return roles.includes(level.privilege.role);
    const wanted = level.privilege.privileges ?? [];
    const holders: [string, string][] = [[account.user, account.host], ...roles.map((role): [string, string] => [role, ""])];
    const held = new Set<DatabasePrivilege>();
    for (const [user, host] of holders) {
      const [global] = await queryRows<Record<string, unknown>>(conn, "SELECT * FROM mysql.user WHERE User = ? AND Host = ?", [user, host]);
      const [db] = await queryRows<Record<string, unknown>>(conn, "SELECT * FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?", [user, host, level.target.database]);
      for (const privilege of wanted) {
        const column = databasePrivilegeColumns[privilege];
        if (global?.[column] === "Y" || db?.[column] === "Y") held.add(privilege);
      }
    }
    return wanted.every((p) => held.has(p));
  }

  async verify(spec: GrantSpec): Promise<VerifyResult> {
    const grant = parseGrantSpec(spec, schemas);
    return this.withConnection(async (conn) => {
      if (grant.mode === "EPHEMERAL_CREDENTIAL") {
        const account = { user: ephemeralPrincipalName(grant.grantId), host: this.settings.userHost };
        if (!(await this.accountExists(conn, account))) return { present: false, detail: `user ${account.user}@${account.host} does not exist` };
        const holds = await this.holdsDirectly(conn, account, grant);
        return { present: holds, partial: !holds, detail: `user ${account.user}@${account.host} exists and ${holds ? "holds" : "lacks"} ${describeLevel(grant)}` };
      }
      const grantRole = grantRoleName(grant.grantId);
      if (!(await this.roleExists(conn, grantRole))) return { present: false, detail: `role ${grantRole} does not exist` };
      const account = grant.subject.targetLogin ? this.personAccount(grant) : await this.findHolder(conn, grantRole);
      const roleHolds = await this.holdsDirectly(conn, { user: grantRole, host: "" }, grant);
      const umbrella = account ? personRoleName(`${account.user}@${account.host}`) : "";
      const chain = account
        ? (await queryRows(conn, "SELECT 1 FROM mysql.roles_mapping WHERE User = ? AND Host = '' AND Role = ?", [umbrella, grantRole])).length > 0 &&
          (await queryRows(conn, "SELECT 1 FROM mysql.roles_mapping WHERE User = ? AND Host = ? AND Role = ?", [account.user, account.host, umbrella])).length > 0
        : false;
      const present = roleHolds && chain;
      return { present, partial: !present, detail: `${grantRole} ${roleHolds ? "holds" : "lacks"} ${describeLevel(grant)}; ${chain ? "granted to" : "not granted to"} ${account ? `${account.user}@${account.host}` : "anyone"}` };
    });
  }

  /** The grantee itself (not through roles) holds the level's role or every listed privilege. */
  private async holdsDirectly(conn: mariadb.Connection, grantee: Account, level: Level): Promise<boolean> {
    if (level.privilege.role) {
      return (await queryRows(conn, "SELECT 1 FROM mysql.roles_mapping WHERE User = ? AND Host = ? AND Role = ?", [grantee.user, grantee.host, level.privilege.role])).length > 0;
    }
    const [db] = await queryRows<Record<string, unknown>>(conn, "SELECT * FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?", [grantee.user, grantee.host, level.target.database]);
    return (level.privilege.privileges ?? []).every((p) => db?.[databasePrivilegeColumns[p]] === "Y");
  }

  async inventory(): Promise<InventoryEntry[]> {
    return this.withConnection((conn) => mariadbInventory(conn));
  }

  async usage(): Promise<UsageSample[]> {
    return this.withConnection((conn) => mariadbUsage(conn));
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }
}

function describeLevel(level: Level): string {
  return level.privilege.role ? `role ${level.privilege.role}` : `${(level.privilege.privileges ?? []).join(", ")} on ${level.target.database}.*`;
}

function levelDetails(level: Level): Record<string, string> {
  return level.privilege.role ? { role: level.privilege.role } : { privileges: (level.privilege.privileges ?? []).join(","), database: level.target.database ?? "" };
}
