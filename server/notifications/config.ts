import { env } from "@/server/env";

export interface SmtpSettings {
  host: string;
  port: number;
  /** smtps:// — TLS from the first byte; smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
}

export interface NotificationConfig {
  /** Null when KEYCARD_SMTP_URL is unset: no EMAIL rows are created at all (see docs/notifications.md). */
  smtp: SmtpSettings | null;
  mailFrom: string;
  securityEmails: string[];
  /** Absolute base for links in email and chat. */
  baseUrl: string;
}

export function parseSmtpUrl(value: string): SmtpSettings {
  const url = new URL(value);
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** Read on every use (cheap): tests and admins change the environment, the env() cache is reset then. */
export function notificationConfig(): NotificationConfig {
  const config = env();
  const baseUrl = (config.KEYCARD_URL ?? process.env.AUTH_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  let host = "localhost";
  try {
    host = new URL(baseUrl).hostname || host;
  } catch {
    // AUTH_URL is not validated by our schema; a bad one only affects the default sender.
  }
  return {
    smtp: config.KEYCARD_SMTP_URL ? parseSmtpUrl(config.KEYCARD_SMTP_URL) : null,
    mailFrom: config.KEYCARD_MAIL_FROM ?? `Keycard <keycard@${host}>`,
    securityEmails: config.KEYCARD_SECURITY_EMAILS.split(",")
      .map((address) => address.trim().toLowerCase())
      .filter(Boolean),
    baseUrl,
  };
}

/** A portal path made absolute for email and chat; absolute URLs pass through. */
export function absoluteLink(link: string | null | undefined, baseUrl: string): string | null {
  if (!link) return null;
  if (/^https?:\/\//i.test(link)) return link;
  return `${baseUrl}${link.startsWith("/") ? "" : "/"}${link}`;
}
