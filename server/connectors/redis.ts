import { createHash } from "node:crypto";
import { createClient } from "redis";
import { z } from "zod";
import { ConnectorError, isConnectorError, messageOf, networkError } from "./errors";
import { ephemeralPrincipalName, generatePassword, keycardOwnership, zHost, zPort } from "./identifiers";
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
 * Redis 7 ACL users. A grant is one ACL user `kc_<grant hex>` with a generated password and the level's
 * key patterns and command rules; revoke switches it off, kills its clients and deletes it. Only
 * EPHEMERAL_CREDENTIAL: Redis has no roles or groups to elevate a person's own user into, and rewriting a
 * person's rules (selectors have no names) could not be undone per grant without races.
 *
 * Every rule is sent as its own argument of ACL SETUSER, so nothing can split a rule at the protocol
 * level; the character checks below also keep rules intact in ACL LIST and in an aclfile, where rules
 * are separated by spaces and `>`, `<`, `#`, `%`, `(`… start password or selector syntax.
 */

const patternChars = /^[A-Za-z0-9_:.*?[\]{}\-/|=@!^,+]+$/;
const zPattern = z
  .string()
  .min(1)
  .max(256)
  .superRefine((value, ctx) => {
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(value)) ctx.addIssue({ code: "custom", message: "pattern contains a control character" });
    else if (/[^\x20-\x7e]/.test(value)) ctx.addIssue({ code: "custom", message: "pattern contains non-ASCII characters" });
    else if (/\s/.test(value)) ctx.addIssue({ code: "custom", message: "pattern contains whitespace (it would split the ACL rule)" });
    else if (!patternChars.test(value)) ctx.addIssue({ code: "custom", message: "pattern may only use letters, digits and _ : . * ? [ ] { } - / | = @ ! ^ , + (no > < # % ~ & ( ) quotes or backslashes)" });
  });

/** Categories and commands that would let the granted user change ACLs or the server, and so outlive its grant. */
const refusedCategories = new Set(["all", "admin", "dangerous"]);
const refusedCommands = new Set(["acl", "config", "module", "debug", "shutdown", "replicaof", "slaveof", "failover", "sync", "psync"]);

const zCategory = z
  .string()
  .regex(/^[+-]@[a-z][a-z_-]*$/, "category must look like +@read or -@write")
  .refine((rule) => !(rule.startsWith("+") && refusedCategories.has(rule.slice(2))), "categories +@all, +@admin and +@dangerous are refused: they let the user rewrite ACLs");
const zCommand = z
  .string()
  .regex(/^[+-][a-z][a-z0-9_-]*(\|[a-z][a-z0-9_-]*)?$/, "command must look like +get, -keys or +config|get")
  .refine((rule) => !(rule.startsWith("+") && refusedCommands.has(rule.slice(1).split("|")[0] ?? "")), "this command is refused: it lets the user change ACLs or the server");

export const ZRedisSettings = z
  .object({
    host: zHost,
    port: zPort.default(6379),
    /** The connector's ACL user: needs +acl, +client|kill, +client|list (e.g. the default user, or +@admin). */
    username: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "username may only use letters, digits, '_', '.' and '-'").default("default"),
    tls: z.boolean().default(false),
    publicHost: zHost.optional(),
    publicPort: zPort.optional(),
  })
  .strict();
export type RedisSettings = z.infer<typeof ZRedisSettings>;

export const ZRedisSecret = z.object({ password: z.string().max(1024).default("") }).strict();
export type RedisSecret = z.infer<typeof ZRedisSecret>;

/** Resource.target: the key space of the resource (used when the level names no key patterns) and the db for credentials. */
export const ZRedisTarget = z.object({ keyPattern: zPattern.optional(), db: z.number().int().min(0).max(15).optional() }).strict();
export type RedisTarget = z.infer<typeof ZRedisTarget>;

export const ZRedisPrivilege = z
  .object({
    /** Read and write key patterns (`~pattern`). */
    keys: z.array(zPattern).optional(),
    /** Read-only and write-only key patterns (`%R~pattern`, `%W~pattern`). */
    readKeys: z.array(zPattern).optional(),
    writeKeys: z.array(zPattern).optional(),
    /** Pub/sub channel patterns (`&pattern`). */
    channels: z.array(zPattern).optional(),
    categories: z.array(zCategory).default([]),
    commands: z.array(zCommand).default([]),
  })
  .strict()
  .refine((p) => p.categories.length + p.commands.length > 0, "name at least one category or command (e.g. +@read)");
export type RedisPrivilege = z.infer<typeof ZRedisPrivilege>;

const schemas = { privilege: ZRedisPrivilege, target: ZRedisTarget, modes: ["EPHEMERAL_CREDENTIAL"] } as const;
type Level = { privilege: RedisPrivilege; target: RedisTarget };
type Grant = ParsedGrant<RedisPrivilege, RedisTarget>;

/** The ACL rules for a level, one argument each; key patterns fall back to the resource's keyPattern. */
export function aclRules(level: Level): string[] {
  const { keys, readKeys, writeKeys, channels, categories, commands } = level.privilege;
  const anyKeys = (keys?.length ?? 0) + (readKeys?.length ?? 0) + (writeKeys?.length ?? 0) > 0;
  const keyRules = [
    ...(anyKeys ? (keys ?? []) : level.target.keyPattern ? [level.target.keyPattern] : []).map((k) => `~${k}`),
    ...(readKeys ?? []).map((k) => `%R~${k}`),
    ...(writeKeys ?? []).map((k) => `%W~${k}`),
  ];
  return [...keyRules, ...(channels ?? []).map((c) => `&${c}`), ...categories, ...commands];
}

function newRedisClient(settings: RedisSettings, secret: RedisSecret) {
  const { host, port, tls, username } = settings;
  const client = createClient({
    socket: tls ? { host, port, tls: true, connectTimeout: 5_000, reconnectStrategy: false } : { host, port, connectTimeout: 5_000, reconnectStrategy: false },
    ...(username !== "default" || secret.password ? { username, password: secret.password } : {}),
    // Fail fast while disconnected instead of queueing: a job retries, a queued revoke would hide the outage.
    disableOfflineQueue: true,
  });
  client.on("error", () => undefined); // surfaced through the failing command instead
  return client;
}
type Client = ReturnType<typeof newRedisClient>;
type Reply = string | number | null | Buffer | Reply[] | Map<string, Reply> | { [key: string]: Reply };

/** ACL GETUSER's reply as a map: a flat [name, value…] array in RESP2, a map (object) when the client decodes one. */
function replyMap(reply: Reply): Map<string, Reply> {
  if (reply instanceof Map) return reply;
  if (Array.isArray(reply)) {
    const map = new Map<string, Reply>();
    for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), reply[i + 1] ?? null);
    return map;
  }
  if (reply && typeof reply === "object" && !Buffer.isBuffer(reply)) return new Map(Object.entries(reply));
  return new Map();
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export class RedisConnector implements Connector {
  readonly kind = "REDIS" as const;
  readonly capabilities: ConnectorCapabilities = {
    modes: schemas.modes,
    endsSessions: true,
    targetEnforcedExpiry: false,
    usage: { supported: true, note: "Connected clients from CLIENT LIST (age, idle) at sampling time; Redis keeps no login history." },
  };
  private readonly settings: RedisSettings;
  private readonly secret: RedisSecret;
  private client: Client | null = null;

  constructor(settings: unknown, secret: unknown) {
    this.settings = parseConfig(ZRedisSettings, settings, "Redis settings", "settings");
    this.secret = parseConfig(ZRedisSecret, secret ?? {}, "Redis secret", "secret");
  }

  private get where(): string {
    return `Redis at ${this.settings.host}:${this.settings.port}`;
  }

  private newClient(): Client {
    return newRedisClient(this.settings, this.secret);
  }

  private mapError(error: unknown): ConnectorError {
    if (isConnectorError(error)) return error;
    const network = networkError(error, this.where);
    if (network) return network;
    const message = messageOf(error);
    if (/^WRONGPASS/.test(message)) return new ConnectorError("AUTH", `invalid password for Redis user "${this.settings.username}" at ${this.where} (or the user is disabled)`, { cause: error });
    if (/^NOAUTH/.test(message)) return new ConnectorError("AUTH", `${this.where} requires a password`, { cause: error });
    if (/^NOPERM/.test(message)) return new ConnectorError("REFUSED", `Redis user "${this.settings.username}" lacks a permission: ${message}`, { cause: error, retryable: false });
    if (/timeout/i.test(message)) return new ConnectorError("TIMEOUT", `timed out talking to ${this.where}`, { cause: error });
    if (/closed|offline|Socket closed/i.test(message)) return new ConnectorError("UNREACHABLE", `${this.where}: ${message}`, { cause: error });
    return new ConnectorError("REFUSED", `${this.where}: ${message}`, { cause: error, retryable: true });
  }

  private async command<T extends Reply>(args: string[]): Promise<T> {
    try {
      if (!this.client?.isReady) {
        const old = this.client;
        this.client = null;
        if (old?.isOpen) old.destroy();
        const client = this.newClient();
        await client.connect();
        this.client = client;
      }
      return (await this.client.sendCommand(args)) as T;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async testConnection(): Promise<TestConnectionResult> {
    const client = this.newClient();
    try {
      await client.connect();
      const whoami = String(await client.sendCommand(["ACL", "WHOAMI"]));
      const info = String(await client.sendCommand(["INFO", "server"]));
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "?";
      if (Number(version.split(".")[0]) < 7) return { ok: false, error: `Redis ${version}: 7.0 or newer is required (ACL key permissions, CLIENT KILL USER)`, kind: "INVALID" };
      await client.sendCommand(["ACL", "LIST"]); // NOPERM here means the user cannot manage ACLs
      return { ok: true, details: `Redis ${version} at ${this.settings.host}:${this.settings.port} as ${whoami}; can manage ACL users and end their connections` };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    } finally {
      if (client.isOpen) client.destroy();
    }
  }

  async validateAccessLevel(level: AccessLevelSpec): Promise<TestConnectionResult> {
    try {
      const parsed = parseAccessLevel(level, schemas);
      const rules = aclRules(parsed);
      if (!rules.some((r) => r.startsWith("~") || r.startsWith("%"))) throw new ConnectorError("INVALID", "name key patterns in the level (keys) or the resource (keyPattern)", { field: "privilege.keys" });
      const known = new Set((await this.command<Reply[]>(["ACL", "CAT"])).map(String));
      for (const category of parsed.privilege.categories) {
        if (!known.has(category.slice(2))) throw new ConnectorError("NOT_FOUND", `Redis has no command category "${category.slice(2)}"`, { field: "privilege.categories" });
      }
      return { ok: true, details: `ACL rules: ${rules.join(" ")}` };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: mapped.message, kind: mapped.kind };
    }
  }

  private async getUser(name: string): Promise<Map<string, Reply> | null> {
    const reply = await this.command<Reply>(["ACL", "GETUSER", name]);
    return reply === null ? null : replyMap(reply);
  }

  async grant(spec: GrantSpec): Promise<GrantOutcome> {
    const grant: Grant = parseGrantSpec(spec, schemas);
    const name = ephemeralPrincipalName(grant.grantId);
    const rules = aclRules(grant);
    const existing = await this.getUser(name);
    const password = !existing || grant.rotateCredential ? generatePassword() : undefined;
    // One atomic ACL SETUSER re-asserts the exact rules (resetkeys, resetchannels, -@all, then the level's
    // rules, whatever the server's acl-pubsub-default) but only ever adds passwords: two racing first calls
    // leave a user with both passwords, so neither returned credential is dead. Rotation alone replaces them.
    // Passwords go in as their SHA-256 (`#…`), the form Redis stores.
    const passwordRules = password ? [...(existing ? ["resetpass"] : []), `#${sha256(password)}`] : [];
    await this.command(["ACL", "SETUSER", name, "on", ...passwordRules, "resetkeys", "resetchannels", "-@all", "clearselectors", ...rules]);
    const host = this.settings.publicHost ?? this.settings.host;
    const port = this.settings.publicPort ?? this.settings.port;
    const db = grant.target.db ?? 0;
    return {
      principal: name,
      created: !existing,
      details: { user: name, rules: rules.join(" "), expiresInTarget: false },
      ...(password
        ? {
            credential: {
              username: name,
              password,
              host,
              port,
              connectionString: `${this.settings.tls ? "rediss" : "redis"}://${name}:${password}@${host.includes(":") ? `[${host}]` : host}:${port}/${db}`,
            },
          }
        : {}),
    };
  }

  async revoke(spec: GrantSpec): Promise<RevokeOutcome> {
    const grant = parseGrantSpec(spec, schemas);
    const name = ephemeralPrincipalName(grant.grantId);
    const existed = (await this.getUser(name)) !== null;
    let sessionsEnded = 0;
    if (existed) {
      // Off first (no new AUTH), then kill the clients, then delete: a retry after a crash at any step finishes the job.
      await this.command(["ACL", "SETUSER", name, "off", "resetpass"]);
      sessionsEnded = Number(await this.command<number>(["CLIENT", "KILL", "USER", name]));
      await this.command(["ACL", "DELUSER", name]);
    }
    return { principal: name, removed: existed, sessionsEnded, details: { user: name } };
  }

  async verify(spec: GrantSpec): Promise<VerifyResult> {
    const grant = parseGrantSpec(spec, schemas);
    const name = ephemeralPrincipalName(grant.grantId);
    const user = await this.getUser(name);
    if (!user) return { present: false, detail: `ACL user ${name} does not exist` };
    const flags = ((user.get("flags") as Reply[] | undefined) ?? []).map(String);
    const on = flags.includes("on");
    return { present: on, partial: !on, detail: `ACL user ${name} is ${on ? "on" : "off"}: ${String(user.get("keys") ?? "")} ${String(user.get("commands") ?? "")}`.trim() };
  }

  async inventory(): Promise<InventoryEntry[]> {
    const lines = (await this.command<Reply[]>(["ACL", "LIST"])).map(String);
    return lines.map((line) => {
      const [, name = "", ...rules] = line.split(" ");
      const enabled = rules.includes("on");
      const noPassword = rules.includes("nopass");
      // Password hashes are credentials, not privileges: they stay out of the inventory.
      const privilege = rules.filter((r) => r !== "on" && r !== "off" && !r.startsWith("#") && !r.startsWith(">")).join(" ");
      return {
        principal: name,
        principalKind: "USER" as const,
        privilege,
        privilegeKind: "ACL_RULES" as const,
        ...keycardOwnership(name),
        detail: `${enabled ? "enabled" : "disabled"}${noPassword ? ", no password" : ""}`,
      };
    });
  }

  async usage(): Promise<UsageSample[]> {
    const own = Number(await this.command<number>(["CLIENT", "ID"]));
    const list = String(await this.command<string>(["CLIENT", "LIST"]));
    const now = Date.now();
    const byUser = new Map<string, UsageSample>();
    for (const line of list.split("\n")) {
      const fields = new Map(line.trim().split(" ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const));
      const user = fields.get("user");
      if (!user || Number(fields.get("id")) === own) continue;
      // idle = seconds since the client's last command.
      const lastUsed = now - Number(fields.get("idle") ?? 0) * 1000;
      const sample = byUser.get(user);
      if (!sample) byUser.set(user, { principal: user, lastUsedAt: new Date(lastUsed), sessions: 1, source: "CLIENT LIST" });
      else {
        sample.sessions += 1;
        if (lastUsed > sample.lastUsedAt.getTime()) sample.lastUsedAt = new Date(lastUsed);
      }
    }
    return [...byUser.values()];
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client?.isOpen) await client.close().catch(() => client.destroy());
  }
}
