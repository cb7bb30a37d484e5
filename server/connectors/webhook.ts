import { randomUUID } from "node:crypto";
import { z } from "zod";
import { oneLine } from "@/server/notifications/format";
import { ConnectorError, isConnectorError, messageForAdmins, messageOf, networkError } from "./errors";
import { parseAccessLevel, parseConfig, parseGrantSpec } from "./spec";
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
import { signatureHeader, signWebhookBody } from "./webhook-signature";

/**
 * A signed HTTP call to the customer's own automation, for targets Keycard does not drive itself (IdP
 * groups, cloud roles, ticket-driven systems). The customer's side owns the target representation, so
 * it must honour the same contract: the grant id is the key (sent as `Idempotency-Key:
 * <grantId>:<action>`), a repeated call changes nothing, and revoking one grant keeps access another
 * grant still covers. Any 2xx confirms; anything else (and timeouts) is a retryable failure.
 */

export const webhookActions = ["ping", "grant", "revoke", "verify", "inventory"] as const;
export type WebhookAction = (typeof webhookActions)[number];

export const ZWebhookSettings = z
  .object({
    url: z
      .string()
      .url()
      .refine((value) => /^https?:$/.test(new URL(value).protocol), "url must be http(s)")
      .refine((value) => new URL(value).username === "" && new URL(value).password === "", "url must not carry credentials; the signing secret authenticates Keycard"),
    /** 10 s by default; a slower automation should answer 202 and finish asynchronously, then confirm on verify. */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();
export type WebhookSettings = z.infer<typeof ZWebhookSettings>;

export const ZWebhookSecret = z.object({ signingSecret: z.string().min(16, "signing secret must have at least 16 characters").max(512) }).strict();
export type WebhookSecret = z.infer<typeof ZWebhookSecret>;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const ZJson: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(ZJson), z.record(z.string(), ZJson)]));
/** Privilege and target are the customer's own vocabulary (e.g. { group: "support-admins" }); only their size is bounded. */
const ZOpaqueObject = z.record(z.string(), ZJson).refine((value) => JSON.stringify(value).length <= 4096, "must be at most 4 KB of JSON");
export const ZWebhookPrivilege = ZOpaqueObject;
export const ZWebhookTarget = ZOpaqueObject;

const schemas = { privilege: ZWebhookPrivilege, target: ZWebhookTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] } as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** What the automation may answer to grant (all optional: an empty 2xx confirms). */
const ZGrantResponse = z.object({
  principal: z.string().max(256).optional(),
  created: z.boolean().optional(),
  details: z.record(z.string(), scalar).optional(),
  credential: z.object({ username: z.string(), password: z.string(), host: z.string(), port: z.number().int(), database: z.string().optional(), connectionString: z.string().optional() }).optional(),
});
const ZRevokeResponse = z.object({ removed: z.boolean().optional(), sessionsEnded: z.number().int().min(0).optional(), details: z.record(z.string(), scalar).optional() });
const ZVerifyResponse = z.object({ present: z.boolean(), detail: z.string().max(1000).optional() });
const ZInventoryResponse = z.object({
  entries: z.array(
    z.object({
      principal: z.string().min(1),
      privilege: z.string().min(1),
      principalKind: z.enum(["LOGIN", "ROLE", "USER", "EXTERNAL"]).default("EXTERNAL"),
      privilegeKind: z.enum(["ROLE_MEMBERSHIP", "ROLE_ATTRIBUTE", "GLOBAL_PRIVILEGE", "DATABASE_PRIVILEGE", "TABLE_PRIVILEGE", "ACL_RULES", "EXTERNAL"]).default("EXTERNAL"),
      /** Set by the automation for entries it created for a Keycard grant. */
      grantId: z.string().uuid().nullish(),
      detail: z.string().max(1000).optional(),
    }),
  ),
});

export class WebhookConnector implements Connector {
  readonly kind = "WEBHOOK" as const;
  readonly capabilities: ConnectorCapabilities = {
    modes: schemas.modes,
    endsSessions: false,
    targetEnforcedExpiry: false,
    usage: { supported: false, note: "The webhook protocol has no usage action; the customer's target reports usage itself." },
  };
  private readonly settings: WebhookSettings;
  private readonly secret: WebhookSecret;

  constructor(settings: unknown, secret: unknown) {
    this.settings = parseConfig(ZWebhookSettings, settings, "webhook settings", "settings");
    this.secret = parseConfig(ZWebhookSecret, secret ?? {}, "webhook secret", "secret");
  }

  private get where(): string {
    return `webhook ${new URL(this.settings.url).origin}${new URL(this.settings.url).pathname}`;
  }

  /** POSTs one signed action and returns the parsed JSON body (undefined when empty). */
  async call(action: WebhookAction, payload: Record<string, unknown>, idempotencyKey: string): Promise<unknown> {
    const body = JSON.stringify({ action, ...payload });
    let response: Response;
    try {
      response = await fetch(this.settings.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "Keycard-Connector/1",
          [signatureHeader]: signWebhookBody(body, this.secret.signingSecret),
          "Idempotency-Key": idempotencyKey,
        },
        body,
        // A redirect would send the signed body somewhere the admin did not configure.
        redirect: "manual",
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw this.mapError(error);
    }
    const text = await response.text().catch(() => "");
    if (response.status < 200 || response.status > 299) {
      const kind = response.status === 401 || response.status === 403 ? "AUTH" : "REFUSED";
      // Every non-2xx is retried: the automation may be deploying, rate limiting or briefly broken.
      throw new ConnectorError(kind, `${this.where} answered ${action} with HTTP ${response.status}`, { retryable: true, detail: oneLine(text, 200) });
    }
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  private mapError(error: unknown): ConnectorError {
    if (isConnectorError(error)) return error;
    const name = (error as { name?: unknown }).name;
    if (name === "TimeoutError" || name === "AbortError") return new ConnectorError("TIMEOUT", `${this.where} did not answer within ${this.settings.timeoutMs} ms`, { cause: error });
    return networkError(error, this.where) ?? new ConnectorError("UNREACHABLE", `${this.where}: ${messageOf((error as { cause?: unknown }).cause ?? error)}`, { cause: error });
  }

  private grantPayload(spec: GrantSpec): Record<string, unknown> {
    const grant = parseGrantSpec(spec, schemas);
    return { grantId: grant.grantId, mode: grant.mode, subject: grant.subject, privilege: grant.privilege, target: grant.target, endsAt: grant.endsAt.toISOString() };
  }

  async testConnection(): Promise<TestConnectionResult> {
    const started = Date.now();
    try {
      await this.call("ping", {}, `ping:${randomUUID()}`);
      return { ok: true, details: `${this.where} accepted a signed ping in ${Date.now() - started} ms` };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: messageForAdmins(mapped), kind: mapped.kind };
    }
  }

  async validateAccessLevel(level: AccessLevelSpec): Promise<TestConnectionResult> {
    try {
      parseAccessLevel(level, schemas);
      return { ok: true, details: "privilege and target are valid JSON objects; the automation checks their meaning on grant" };
    } catch (error) {
      const mapped = this.mapError(error);
      return { ok: false, error: messageForAdmins(mapped), kind: mapped.kind };
    }
  }

  async grant(spec: GrantSpec): Promise<GrantOutcome> {
    const payload = this.grantPayload(spec);
    const reply = ZGrantResponse.safeParse((await this.call("grant", payload, `${spec.grantId}:grant`)) ?? {});
    const answer = reply.success ? reply.data : {};
    return {
      principal: answer.principal ?? spec.subject.targetLogin ?? spec.subject.email,
      created: answer.created ?? true,
      details: { ...(answer.details ?? {}), via: "webhook" },
      ...(answer.credential ? { credential: answer.credential } : {}),
    };
  }

  async revoke(spec: GrantSpec): Promise<RevokeOutcome> {
    const payload = this.grantPayload(spec);
    const reply = ZRevokeResponse.safeParse((await this.call("revoke", payload, `${spec.grantId}:revoke`)) ?? {});
    const answer = reply.success ? reply.data : {};
    return {
      principal: spec.subject.targetLogin ?? spec.subject.email,
      removed: answer.removed ?? true,
      sessionsEnded: answer.sessionsEnded ?? 0,
      details: { ...(answer.details ?? {}), via: "webhook" },
    };
  }

  async verify(spec: GrantSpec): Promise<VerifyResult> {
    const payload = this.grantPayload(spec);
    const reply = ZVerifyResponse.safeParse(await this.call("verify", payload, `${spec.grantId}:verify`));
    if (!reply.success) throw new ConnectorError("REFUSED", `${this.where} answered verify without {"present": true|false}`, { retryable: true });
    return reply.data;
  }

  async inventory(): Promise<InventoryEntry[]> {
    const reply = ZInventoryResponse.safeParse(await this.call("inventory", {}, `inventory:${randomUUID()}`));
    if (!reply.success) throw new ConnectorError("REFUSED", `${this.where} answered inventory without a valid {"entries": [...]}`, { retryable: true });
    return reply.data.entries.map((entry) => ({
      principal: entry.principal,
      principalKind: entry.principalKind,
      privilege: entry.privilege,
      privilegeKind: entry.privilegeKind,
      keycardGrantId: entry.grantId ?? null,
      managedByKeycard: Boolean(entry.grantId),
      ...(entry.detail ? { detail: entry.detail } : {}),
    }));
  }

  async usage(): Promise<UsageSample[]> {
    return [];
  }

  async close(): Promise<void> {
    // Stateless: fetch keeps no connection Keycard owns.
  }
}
