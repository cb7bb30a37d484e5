import { createHash } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import { ConnectorError, isConnectorError, messageOf, networkError } from "./errors";
import { ephemeralPrincipalName, generatePassword, grantRoleName, zHost, zPort, zSqlName } from "./identifiers";
import { postgresInventory, postgresUsage } from "./postgres-inventory";
import { scramSha256Verifier } from "./scram";
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
 * PostgreSQL (and the embedded PGlite target). How a grant looks in the target:
 * - EPHEMERAL_CREDENTIAL: a login role `kc_<grant hex>` with a generated password, `VALID UNTIL` the
 *   grant's end, member of the access level's role. One login per grant, so overlapping grants never
 *   share anything. Revoke: NOLOGIN (no new sessions), terminate its backends, drop it.
 * - ROLE_ELEVATION: a NOLOGIN role `kc_g_<grant hex>` that is a member of the access level's role and is
 *   granted to the person's own login. Revoke drops only that per-grant role, so another grant's role
 *   keeps the person's access (the union); the person's sessions are ended only when no other path to
 *   the role is left (a session that ran SET ROLE would otherwise keep the role until it disconnects).
 */

export const ZPostgresSettings = z
  .object({
    host: zHost,
    port: zPort.default(5432),
    /** The database the connector connects to (object ownership clean-up happens here). */
    database: zSqlName({ maxLength: 63, reservedAllowed: true }),
    /** The connector's own login: SUPERUSER, or CREATEROLE plus pg_signal_backend. */
    user: zSqlName({ maxLength: 63, reservedAllowed: true }),
    /** false: plain; true: TLS with certificate verification; "no-verify": TLS without it. */
    ssl: z.union([z.boolean(), z.literal("no-verify")]).default(false),
    /** Host and port shown in issued credentials, when people reach the target by another name. */
    publicHost: zHost.optional(),
    publicPort: zPort.optional(),
    /** Connections the connector keeps (a PGlite target always gets 1: it has one session underneath). */
    poolSize: z.number().int().min(1).max(20).default(4),
  })
  .strict();
export type PostgresSettings = z.infer<typeof ZPostgresSettings>;

export const ZPostgresSecret = z.object({ password: z.string().max(1024).default("") }).strict();
export type PostgresSecret = z.infer<typeof ZPostgresSecret>;

/** Resource.target: which database the resource lives in (shown in credentials); roles are cluster-wide. */
export const ZPostgresTarget = z.object({ database: zSqlName({ maxLength: 63, reservedAllowed: true }).optional() }).strict();
export type PostgresTarget = z.infer<typeof ZPostgresTarget>;

/** AccessLevel.privilege: the existing target role whose membership is handed out. */
export const ZPostgresPrivilege = z.object({ role: zSqlName({ maxLength: 63 }) }).strict();
export type PostgresPrivilege = z.infer<typeof ZPostgresPrivilege>;

const ZLogin = zSqlName({ maxLength: 63 });

const schemas = { privilege: ZPostgresPrivilege, target: ZPostgresTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] } as const;
type Grant = ParsedGrant<PostgresPrivilege, PostgresTarget>;

const id = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

/** Serialises every call for one grant across Keycard processes (transaction-scoped advisory lock). */
function advisoryKey(grantId: string): string {
  return createHash("sha256").update(`keycard:grant:${grantId}`).digest().readBigInt64BE(0).toString();
}

/** Two calls racing to create the same catalog row: the loser sees the winner's row on retry. */
function isCatalogRace(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === "42710" || code === "23505" || code === "40001" || code === "40P01" || /tuple concurrently updated/.test(messageOf(error));
}

export class PostgresConnector implements Connector {
  readonly kind = "POSTGRES" as const;
  readonly capabilities: ConnectorCapabilities = {
    modes: schemas.modes,
    endsSessions: true,
    targetEnforcedExpiry: true,
    usage: { supported: true, note: "Live sessions from pg_stat_activity at sampling time; PostgreSQL keeps no login history." },
  };
  private readonly settings: PostgresSettings;
  private readonly secret: PostgresSecret;
  private pool: Promise<pg.Pool> | null = null;

  constructor(settings: unknown, secret: unknown) {
    this.settings = parseConfig(ZPostgresSettings, settings, "PostgreSQL settings", "settings");
    this.secret = parseConfig(ZPostgresSecret, secret ?? {}, "PostgreSQL secret", "secret");
  }

  private get where(): string {
    return `PostgreSQL at ${this.settings.host}:${this.settings.port}`;
  }

  private newPool(max: number): pg.Pool {
    const { host, port, database, user, ssl } = this.settings;
    const pool = new pg.Pool({
      host,
      port,
      database,
      user,
      password: this.secret.password,
      ssl: ssl === false ? false : { rejectUnauthorized: ssl === true },
      max,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 10_000,
      // A stuck DROP ROLE (locks held by a long transaction) must fail and be retried, not hang a job.
      statement_timeout: 30_000,
      lock_timeout: 10_000,
      application_name: "keycard-connector",
    });
    // An idle connection dropped by the server must not crash the process; the next checkout reconnects.
    pool.on("error", () => undefined);
    return pool;
  }

  /**
   * The pool, created on first use. Every socket to a PGlite target shares PGlite's single session, so
   * two pooled connections would interleave their transactions: against PGlite the pool shrinks to one.
   */
  private async getPool(): Promise<pg.Pool> {
    this.pool ??= (async () => {
      const pool = this.newPool(this.settings.poolSize);
      if (this.settings.poolSize === 1) return pool;
      try {
        const { rows } = await pool.query<{ version: string }>("SELECT version() AS version");
        if (!rows[0]?.version.includes("PGlite")) return pool;
      } catch (error) {
        await pool.end().catch(() => undefined);
        throw error;
      }
      await pool.end();
      return this.newPool(1);
    })();
    try {
      return await this.pool;
    } catch (error) {
      this.pool = null; // a failed first connection is retried next time
      throw error;
    }
  }

  private mapError(error: unknown): ConnectorError {
    if (isConnectorError(error)) return error;
    const network = networkError(error, this.where);
    if (network) return network;
    const code = (error as { code?: unknown }).code;
    const message = messageOf(error);
    const { user, database } = this.settings;
    switch (code) {
      case "28P01":
        return new ConnectorError("AUTH", `password authentication failed for user "${user}" at ${this.where}`, { cause: error });
      case "28000":
        if (/does not exist/.test(message)) return new ConnectorError("NOT_FOUND", `login role "${user}" does not exist at ${this.where}`, { cause: error });
        return new ConnectorError("AUTH", `${this.where} refused the login: ${message}`, { cause: error });
      case "3D000":
        return new ConnectorError("NOT_FOUND", `database "${database}" does not exist at ${this.where}`, { cause: error });
      case "42704":
        return new ConnectorError("NOT_FOUND", message, { cause: error });
      case "42501":
        return new ConnectorError("REFUSED", `the connector user lacks a right: ${message}`, { cause: error, retryable: false });
      case "57014":
      case "55P03":
        return new ConnectorError("TIMEOUT", `${this.where}: ${message}`, { cause: error });
    }
    if (typeof code === "string" && (code.startsWith("08") || code.startsWith("57P") || code === "53300")) {
      return new ConnectorError("UNREACHABLE", `${this.where}: ${message}`, { cause: error });
    }
    if (/timeout/i.test(message)) return new ConnectorError("TIMEOUT", `timed out talking to ${this.where}`, { cause: error });
    if (/Connection terminated|ended unexpectedly/i.test(message)) return new ConnectorError("UNREACHABLE", `${this.where}: ${message}`, { cause: error });
    // Unknown failures stay retryable: a revoke must keep trying (and alert) rather than give up.
    return new ConnectorError("REFUSED", `${this.where}: ${message}`, { cause: error, retryable: true });
  }

  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await (await this.getPool()).connect();
    } catch (error) {
      throw this.mapError(error);
    }
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      // After a SQL error the connection is still usable; after anything else (socket, protocol) drop it.
      broken = !(error instanceof pg.DatabaseError || error instanceof ConnectorError);
      throw this.mapError(error);
    } finally {
      client.release(broken);
    }
  }

  /** One transaction holding the grant's advisory lock; retried when it lost a catalog race. */
  private async inTransaction<T>(grantId: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await client.query("BEGIN");
          try {
            await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey(grantId)]);
            const result = await work(client);
            await client.query("COMMIT");
            return result;
          } catch (error) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        if (attempt < 3 && isCatalogRace(error instanceof ConnectorError ? error.cause : error)) continue;
        throw error;
      }
    }
  }

  async testConnection(): Promise<TestConnectionResult> {
    try {
      return await this.withClient(async (client) => {
        const { rows } = await client.query<{ version: string; user: string; rolsuper: boolean; rolcreaterole: boolean; can_signal: boolean; num: number }>(
          `SELECT version() AS version, current_user AS user, r.rolsuper, r.rolcreaterole,
                  (r.rolsuper OR pg_has_role(current_user, 'pg_signal_backend', 'MEMBER')) AS can_signal,
                  current_setting('server_version_num')::int AS num
             FROM pg_roles r WHERE r.rolname = current_user`,
        );
        const me = rows[0];
        if (!me) return { ok: false, error: "cannot read the connector user's own role", kind: "REFUSED" };
        if (!me.rolsuper && !me.rolcreaterole) {
          return { ok: false, error: `user "${me.user}" can neither create roles nor grant them (needs CREATEROLE or SUPERUSER)`, kind: "REFUSED" };
        }
        if (me.num < 140000) return { ok: false, error: "PostgreSQL 14 or newer is required (pg_terminate_backend with a timeout)", kind: "INVALID" };
        const version = /^PostgreSQL [^\s]+/.exec(me.version)?.[0] ?? me.version;
        const embedded = me.version.includes("PGlite") ? " (PGlite: single-user, sessions cannot be ended)" : "";
        return {
          ok: true,
          details: `${version}${embedded} at ${this.settings.host}:${this.settings.port}/${this.settings.database} as ${me.user}` +
            `${me.rolsuper ? " (superuser)" : " (CREATEROLE)"}; ${me.can_signal ? "can end sessions" : "cannot end sessions: grant pg_signal_backend"}`,
        };
      });
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    }
  }

  async validateAccessLevel(level: AccessLevelSpec): Promise<TestConnectionResult> {
    try {
      const parsed = parseAccessLevel(level, schemas);
      return await this.withClient(async (client) => {
        await this.requireRole(client, parsed.privilege.role);
        const database = parsed.target.database;
        if (database) {
          const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
          if (found.rowCount === 0) throw new ConnectorError("NOT_FOUND", `database "${database}" does not exist at ${this.where}`, { field: "target.database" });
        }
        return { ok: true, details: `role "${parsed.privilege.role}" exists${database ? ` and database "${database}" exists` : ""}` };
      });
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    }
  }

  private async requireRole(client: pg.PoolClient, role: string, what = "role"): Promise<void> {
    const found = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    if (found.rowCount === 0) throw this.missingRole(role, what);
  }

  private missingRole(role: string, what = "role"): ConnectorError {
    return new ConnectorError("NOT_FOUND", `${what} "${role}" does not exist at ${this.where}`, { field: what === "role" ? "privilege.role" : "subject.targetLogin" });
  }

  private async roleExists(client: pg.PoolClient, role: string): Promise<boolean> {
    return ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount ?? 0) > 0;
  }

  async grant(spec: GrantSpec): Promise<GrantOutcome> {
    const grant = parseGrantSpec(spec, schemas);
    return grant.mode === "EPHEMERAL_CREDENTIAL" ? this.grantEphemeral(grant) : this.grantElevation(grant);
  }

  private async grantEphemeral(grant: Grant): Promise<GrantOutcome> {
    const login = ephemeralPrincipalName(grant.grantId);
    const role = grant.privilege.role;
    const validUntil = literal(grant.endsAt.toISOString());
    const result = await this.inTransaction(grant.grantId, async (client) => {
      // Both names in one round trip: the privilege role must exist, the login may (a retry or extension).
      const { rows } = await client.query<{ role: boolean; login: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS login",
        [role, login],
      );
      if (!rows[0]?.role) throw this.missingRole(role);
      const exists = rows[0].login;
      const password = !exists || grant.rotateCredential ? generatePassword() : undefined;
      // The verifier, not the password, is what the statement carries (see scram.ts).
      const passwordClause = password ? ` PASSWORD ${literal(scramSha256Verifier(password))}` : "";
      if (!exists) {
        await client.query(
          `CREATE ROLE ${id(login)} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${passwordClause} VALID UNTIL ${validUntil} IN ROLE ${id(role)}`,
        );
      } else {
        // A repeat (retry or extension): re-assert login, expiry and membership; create nothing.
        await client.query(`ALTER ROLE ${id(login)} LOGIN${passwordClause} VALID UNTIL ${validUntil}`);
        await client.query(`GRANT ${id(role)} TO ${id(login)}`);
      }
      await client.query(`COMMENT ON ROLE ${id(login)} IS ${literal(`Keycard grant ${grant.grantId}; ends ${grant.endsAt.toISOString()}`)}`);
      return { created: !exists, password };
    });
    const host = this.settings.publicHost ?? this.settings.host;
    const port = this.settings.publicPort ?? this.settings.port;
    const database = grant.target.database ?? this.settings.database;
    return {
      principal: login,
      created: result.created,
      details: { login, role, validUntil: grant.endsAt.toISOString(), database },
      ...(result.password
        ? {
            credential: {
              username: login,
              password: result.password,
              host,
              port,
              database,
              connectionString: postgresUrl({ user: login, password: result.password, host, port, database, ssl: this.settings.ssl !== false }),
            },
          }
        : {}),
    };
  }

  private requireLogin(grant: Grant): string {
    const login = grant.subject.targetLogin;
    if (!login) throw new ConnectorError("INVALID", "role elevation needs the person's login in the target (subject.targetLogin)", { field: "subject.targetLogin" });
    return parseConfig(ZLogin, login, "target login");
  }

  private async grantElevation(grant: Grant): Promise<GrantOutcome> {
    const login = this.requireLogin(grant);
    const grantRole = grantRoleName(grant.grantId);
    const role = grant.privilege.role;
    const created = await this.inTransaction(grant.grantId, async (client) => {
      await this.requireRole(client, role);
      await this.requireRole(client, login, "login");
      const exists = await this.roleExists(client, grantRole);
      if (!exists) await client.query(`CREATE ROLE ${id(grantRole)} NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
      // GRANT of an existing membership is a no-op with a notice, so these re-assert safely.
      await client.query(`GRANT ${id(role)} TO ${id(grantRole)}`);
      await client.query(`GRANT ${id(grantRole)} TO ${id(login)}`);
      await client.query(`COMMENT ON ROLE ${id(grantRole)} IS ${literal(`Keycard grant ${grant.grantId}; ends ${grant.endsAt.toISOString()}`)}`);
      return !exists;
    });
    return { principal: login, created, details: { login, role, grantRole } };
  }

  async revoke(spec: GrantSpec): Promise<RevokeOutcome> {
    const grant = parseGrantSpec(spec, schemas);
    return grant.mode === "EPHEMERAL_CREDENTIAL" ? this.revokeEphemeral(grant) : this.revokeElevation(grant);
  }

  private async terminateSessions(client: pg.PoolClient, login: string): Promise<number> {
    // pg_terminate_backend(pid, timeout) waits until the backend is gone, so the count is of ended sessions.
    const { rows } = await client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity
        WHERE usename = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      [login],
    );
    return rows.filter((row) => row.ended).length;
  }

  private async revokeEphemeral(grant: Grant): Promise<RevokeOutcome> {
    const login = ephemeralPrincipalName(grant.grantId);
    // Order matters: NOLOGIN first so no new session starts while the old ones are ended; the backends are
    // ended while the role still exists (pg_stat_activity only shows names of roles that exist).
    const existed = await this.inTransaction(grant.grantId, async (client) => {
      if (!(await this.roleExists(client, login))) return false;
      await client.query(`ALTER ROLE ${id(login)} NOLOGIN`);
      return true;
    });
    const sessionsEnded = existed ? await this.withClient((client) => this.terminateSessions(client, login)) : 0;
    const removed = existed && (await this.dropRole(grant.grantId, login));
    return { principal: login, removed, sessionsEnded, details: { login } };
  }

  /** Objects the role created are handed to the connector user so DROP ROLE can succeed (this database only). */
  private async dropRole(grantId: string, role: string): Promise<boolean> {
    return this.inTransaction(grantId, async (client) => {
      if (!(await this.roleExists(client, role))) return false;
      await client.query(`REASSIGN OWNED BY ${id(role)} TO CURRENT_USER`);
      await client.query(`DROP OWNED BY ${id(role)}`);
      await client.query(`DROP ROLE ${id(role)}`);
      return true;
    });
  }

  private async revokeElevation(grant: Grant): Promise<RevokeOutcome> {
    const grantRole = grantRoleName(grant.grantId);
    const targetRole = grant.privilege.role;
    const logins = new Set<string>();
    if (grant.subject.targetLogin) logins.add(this.requireLogin(grant));
    // Who holds the per-grant role, in case the spec lacks the login (the membership is the record).
    const members = await this.withClient(async (client) => {
      const { rows } = await client.query<{ member: string }>(
        `SELECT m.rolname AS member FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
          WHERE r.rolname = $1 AND m.rolcanlogin AND m.rolname <> current_user`,
        [grantRole],
      );
      return rows.map((row) => row.member);
    });
    for (const member of members) logins.add(member);
    const removed = await this.dropRole(grant.grantId, grantRole);
    let sessionsEnded = 0;
    // A session that ran SET ROLE keeps that role until it ends, so a login that has no other path to the
    // role loses its sessions; one still covered (another grant, standing access) keeps them.
    for (const login of logins) {
      sessionsEnded += await this.withClient(async (client) => {
        if (!(await this.roleExists(client, login))) return 0;
        const covered = (await this.roleExists(client, targetRole))
          ? (await client.query<{ covered: boolean }>("SELECT pg_has_role($1::name, $2::name, 'MEMBER') AS covered", [login, targetRole])).rows[0]?.covered === true
          : false;
        return covered ? 0 : this.terminateSessions(client, login);
      });
    }
    return { principal: grant.subject.targetLogin ?? members[0] ?? grantRole, removed, sessionsEnded, details: { grantRole, role: targetRole } };
  }

  async verify(spec: GrantSpec): Promise<VerifyResult> {
    const grant = parseGrantSpec(spec, schemas);
    const role = grant.privilege.role;
    return this.withClient(async (client) => {
      if (grant.mode === "EPHEMERAL_CREDENTIAL") {
        const login = ephemeralPrincipalName(grant.grantId);
        const { rows } = await client.query<{ rolcanlogin: boolean; rolvaliduntil: Date | null; member: boolean; expired: boolean }>(
          `SELECT l.rolcanlogin, l.rolvaliduntil, COALESCE(l.rolvaliduntil < now(), false) AS expired,
                  EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid WHERE am.member = l.oid AND r.rolname = $2) AS member
             FROM pg_roles l WHERE l.rolname = $1`,
          [login, role],
        );
        const row = rows[0];
        if (!row) return { present: false, detail: `login ${login} does not exist` };
        const present = row.rolcanlogin && row.member && !row.expired;
        const validUntil = row.rolvaliduntil ? row.rolvaliduntil.toISOString() : "never";
        return {
          present,
          partial: !present,
          detail: `login ${login}: ${row.rolcanlogin ? "can log in" : "NOLOGIN"}, ${row.member ? `member of ${role}` : `not a member of ${role}`}, valid until ${validUntil}${row.expired ? " (expired)" : ""}`,
        };
      }
      const grantRole = grantRoleName(grant.grantId);
      const login = grant.subject.targetLogin ?? "";
      const { rows } = await client.query<{ role_exists: boolean; in_target: boolean; login_holds: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role_exists,
                EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
                         WHERE m.rolname = $1 AND r.rolname = $2) AS in_target,
                EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
                         WHERE r.rolname = $1 AND m.rolname = $3) AS login_holds`,
        [grantRole, role, login],
      );
      const row = rows[0];
      if (!row?.role_exists) return { present: false, detail: `role ${grantRole} does not exist` };
      const present = row.in_target && row.login_holds;
      return {
        present,
        partial: !present,
        detail: `${grantRole} ${row.in_target ? "is" : "is not"} a member of ${role}; ${login || "the login"} ${row.login_holds ? "holds" : "does not hold"} it`,
      };
    });
  }

  async inventory(): Promise<InventoryEntry[]> {
    return this.withClient((client) => postgresInventory(client, this.settings.database));
  }

  async usage(): Promise<UsageSample[]> {
    return this.withClient((client) => postgresUsage(client));
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await (await pool?.catch(() => undefined))?.end();
  }
}

function postgresUrl(parts: { user: string; password: string; host: string; port: number; database: string; ssl: boolean }): string {
  const host = parts.host.includes(":") ? `[${parts.host}]` : parts.host;
  const query = parts.ssl ? "?sslmode=require" : "";
  return `postgresql://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}@${host}:${parts.port}/${encodeURIComponent(parts.database)}${query}`;
}
