import { z } from "zod";

/**
 * Keycard's configuration, read once from the environment and validated. A bad value stops startup with
 * one line that names the variable and what is wrong (see `describeEnvError`). Every variable is listed
 * in the README's configuration table.
 */

const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "postgresql:" || url.protocol === "postgres:") && url.hostname.length > 0;
    } catch {
      return false;
    }
  },
  { message: "must be a postgresql://user:password@host:port/database URL" },
);

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  },
  { message: "must be an http(s) URL" },
);

/** 32 bytes as base64 or hex, for AES-256-GCM. */
const encryptionKey = z.string().refine(
  (value) => Buffer.from(value, /^[0-9a-f]{64}$/i.test(value) ? "hex" : "base64").length === 32,
  { message: "must be 32 bytes, base64- or hex-encoded (openssl rand -base64 32)" },
);

const roleMap = z.string().refine(
  (value) =>
    value
      .split(",")
      .map((pair) => pair.trim())
      .filter(Boolean)
      .every((pair) => /^[^=]+=(requester|approver|auditor|admin)$/i.test(pair)),
  { message: "must be a comma-separated list of group=role (role: requester, approver, auditor or admin)" },
);

export const ZEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** PostgreSQL for production; when unset Keycard runs on the embedded database (PGlite). */
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** /api/v1 calls doing their work at once; the rest queue in arrival order (server/api/admission.ts). */
    KEYCARD_API_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
    /** How long a call may wait for its turn before it is answered 503 with Retry-After. */
    KEYCARD_API_QUEUE_SECONDS: z.coerce.number().min(1).max(300).default(10),
    /**
     * Reverse proxies in front of the portal that append to X-Forwarded-For (1: one load balancer or
     * nginx). A token's last-use address is the entry this many from the right: the one the outermost
     * trusted proxy saw, which a client cannot forge (entries to its left are whatever the client sent).
     */
    KEYCARD_PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
    /** Folder of the embedded database and the embedded demo target. */
    KEYCARD_DATA_DIR: z.string().min(1).default(".data"),
    /** Public URL of the portal (links in notifications). */
    KEYCARD_URL: httpUrl.optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
    AUTH_OIDC_ISSUER: httpUrl.optional(),
    AUTH_OIDC_CLIENT_ID: z.string().min(1).optional(),
    AUTH_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    AUTH_OIDC_NAME: z.string().min(1).default("Single sign-on"),
    AUTH_OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
    AUTH_OIDC_ROLE_MAP: roleMap.default(""),
    /** Demo sign-in (pick a persona). Defaults on outside production; refused in production unless forced. */
    KEYCARD_DEMO: booleanFlag.optional(),
    KEYCARD_ALLOW_DEMO_IN_PRODUCTION: booleanFlag.default(false),
    /** Secrets at rest (connector passwords, webhook keys, one-time credentials). */
    KEYCARD_ENCRYPTION_KEY: encryptionKey.optional(),
    /** Inngest: when INNGEST_EVENT_KEY or INNGEST_DEV is set, jobs run on Inngest; otherwise in-process. */
    INNGEST_EVENT_KEY: z.string().min(1).optional(),
    INNGEST_SIGNING_KEY: z.string().min(1).optional(),
    INNGEST_DEV: z.string().optional(),
    KEYCARD_SCHEDULER: z.enum(["auto", "local", "inngest", "off"]).default("auto"),
    /** Port of the embedded PostgreSQL target served for demo resources (0 = off). */
    KEYCARD_DEMO_TARGET_PORT: z.coerce.number().int().min(0).max(65535).default(54329),
    /** Minutes before a grant's end at which its holder is warned, e.g. "15,5". */
    KEYCARD_EXPIRY_WARNINGS: z
      .string()
      .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, "must be a comma-separated list of minutes, e.g. 15,5")
      .default("15,5"),
    // ─── notifications (server/notifications, docs/notifications.md) ─────────────────────────────
    /** SMTP server for email notifications; unset = no email is queued (in-app and webhooks still work). */
    KEYCARD_SMTP_URL: z
      .string()
      .refine(
        (value) => {
          try {
            const url = new URL(value);
            return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
        { message: "must be an smtp://user:password@host:port or smtps://… URL (user and password URL-encoded)" },
      )
      .optional(),
    /** Sender of notification emails, e.g. `Keycard <keycard@example.com>`. */
    KEYCARD_MAIL_FROM: z.string().min(3).max(320).optional(),
    /** Addresses alerted by email when break-glass access is activated (comma-separated). */
    KEYCARD_SECURITY_EMAILS: z
      .string()
      .refine(
        (value) =>
          value
            .split(",")
            .map((address) => address.trim())
            .filter(Boolean)
            .every((address) => z.email().safeParse(address).success),
        { message: "must be a comma-separated list of email addresses" },
      )
      .default(""),
    // ─── end notifications ───────────────────────────────────────────────────────────────────────
  })
  .superRefine((env, ctx) => {
    const oidc = [env.AUTH_OIDC_ISSUER, env.AUTH_OIDC_CLIENT_ID, env.AUTH_OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      for (const [key, value] of [
        ["AUTH_OIDC_ISSUER", env.AUTH_OIDC_ISSUER],
        ["AUTH_OIDC_CLIENT_ID", env.AUTH_OIDC_CLIENT_ID],
        ["AUTH_OIDC_CLIENT_SECRET", env.AUTH_OIDC_CLIENT_SECRET],
      ] as const) {
        if (!value) ctx.addIssue({ code: "custom", path: [key], message: "is required when single sign-on is configured" });
      }
    }
    if (env.NODE_ENV === "production") {
      if (!env.AUTH_SECRET) {
        ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "is required in production (openssl rand -base64 32)" });
      }
      if (env.KEYCARD_DEMO === true && !env.KEYCARD_ALLOW_DEMO_IN_PRODUCTION) {
        ctx.addIssue({
          code: "custom",
          path: ["KEYCARD_DEMO"],
          message: "demo sign-in is refused in production; set KEYCARD_ALLOW_DEMO_IN_PRODUCTION=1 to force it",
        });
      }
      if (env.DATABASE_URL && !env.KEYCARD_ENCRYPTION_KEY) {
        ctx.addIssue({
          code: "custom",
          path: ["KEYCARD_ENCRYPTION_KEY"],
          message: "is required in production with DATABASE_URL (openssl rand -base64 32)",
        });
      }
    }
  });

export type Env = z.infer<typeof ZEnv> & {
  /** Whether demo sign-in is on (explicit, or by default outside production). */
  demo: boolean;
  oidcEnabled: boolean;
  databaseKind: "postgresql" | "embedded";
};

/** One line per problem: `KEYCARD_DEMO: demo sign-in is refused …`. */
export function describeEnvError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `Invalid configuration: ${issue.path.join(".") || "environment"} ${issue.message}`)
    .join("\n");
}

export class EnvError extends Error {
  override name = "EnvError";
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset" (docker-compose and .env files often write VAR=).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = ZEnv.safeParse(cleaned);
  if (!result.success) throw new EnvError(describeEnvError(result.error));
  const env = result.data;
  return {
    ...env,
    demo: env.KEYCARD_DEMO ?? env.NODE_ENV !== "production",
    oidcEnabled: Boolean(env.AUTH_OIDC_ISSUER && env.AUTH_OIDC_CLIENT_ID && env.AUTH_OIDC_CLIENT_SECRET),
    databaseKind: env.DATABASE_URL ? "postgresql" : "embedded",
  };
}

let cached: Env | undefined;

/** The process's configuration; parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests that change process.env call this to re-read it. */
export function resetEnvForTests(): void {
  cached = undefined;
}
