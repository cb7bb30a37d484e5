import nodemailer, { type Transporter } from "nodemailer";
import type { NotificationConfig, SmtpSettings } from "@/server/notifications/config";
import { absoluteLink } from "@/server/notifications/config";
import { escapeHtml, oneLine } from "@/server/notifications/format";

/** What deliver.ts hands the email channel. */
export interface EmailMessage {
  id: string;
  kind: string;
  to: string;
  title: string;
  body: string;
  link: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Plain text first (it is what many security mailboxes show), and a small HTML version with a button. */
export function renderEmail(message: Omit<EmailMessage, "id" | "to">, baseUrl: string): RenderedEmail {
  const url = absoluteLink(message.link, baseUrl);
  const subject = oneLine(`[Keycard] ${message.title}`, 200);
  const footer = "You receive this because of your role in Keycard, the just-in-time access portal.";
  const text = [message.body, url ? `\nOpen in Keycard: ${url}` : null, `\n-- \n${footer}`].filter(Boolean).join("\n");
  const paragraphs = message.body
    .split("\n")
    .map((line) => `<p style="margin:0 0 12px">${escapeHtml(line)}</p>`)
    .join("");
  const button = url
    ? `<p style="margin:20px 0"><a href="${escapeHtml(url)}" style="background:#2754e3;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;display:inline-block">Open in Keycard</a></p>`
    : "";
  const html = `<!doctype html><html><body style="margin:0;padding:24px;background:#f8fafc;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#0f172a">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e2e8f0;border-radius:8px;padding:24px">
<h1 style="font-size:18px;margin:0 0 16px">${escapeHtml(message.title)}</h1>${paragraphs}${button}
<p style="margin:24px 0 0;font-size:12px;color:#64748b">${escapeHtml(footer)}</p>
</div></body></html>`;
  return { subject, text, html };
}

/** One SMTP connection pool per delivery batch, closed afterwards (no sockets left open between runs). */
export function createMailer(smtp: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? "" } : undefined,
    pool: true,
    maxConnections: 2,
    // Bounded waits: a hung mail server must not hold a delivery batch (and its lease) for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

export async function sendEmail(mailer: Transporter, config: NotificationConfig, message: EmailMessage): Promise<void> {
  const rendered = renderEmail(message, config.baseUrl);
  await mailer.sendMail({
    from: config.mailFrom,
    to: message.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: {
      "X-Keycard-Event": message.kind,
      "X-Keycard-Delivery": message.id,
      // RFC 3834: out-of-office robots must not answer notification mail.
      "Auto-Submitted": "auto-generated",
    },
  });
}
