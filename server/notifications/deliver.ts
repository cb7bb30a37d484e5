import type { Transporter } from "nodemailer";
import { db as processDb, type Db } from "@/server/db";
import { MAX_DELIVERY_ATTEMPTS, parseRetryAfterMs, retryDelayMs } from "@/server/notifications/backoff";
import { notificationConfig, type NotificationConfig } from "@/server/notifications/config";
import { createMailer, sendEmail } from "@/server/notifications/email";
import { openEndpointSecret } from "@/server/notifications/endpoints";
import { DELIVERY_KEY, type DeliveryTarget } from "@/server/notifications/types";
import { buildWebhookPayload, postWebhook } from "@/server/notifications/webhook";

/**
 * Delivery after commit. Rows are claimed with one statement — `UPDATE … WHERE id IN (SELECT … FOR
 * UPDATE SKIP LOCKED)` — that also counts the attempt and pushes nextAttemptAt out by a lease, so
 * concurrent runs (several instances, the cron backstop and a kick) never take the same row, and no
 * transaction stays open while we talk to a mail server or a webhook. A process that dies mid-send
 * leaves the row to be retried when the lease runs out (at-least-once; receivers dedupe on
 * X-Keycard-Delivery). All times are the database's clock, which every instance shares.
 */

export interface DeliveryReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
}

export interface DeliverOptions {
  /** Rows claimed in this run. */
  limit?: number;
  db?: Db;
}

/** Longer than the worst case of one batch (timeouts × rows / concurrency), so a live run keeps its rows. */
const LEASE_SECONDS = 300;
const CONCURRENCY = 4;

interface ClaimedRow {
  id: string;
  channel: "EMAIL" | "WEBHOOK";
  kind: string;
  title: string;
  body: string;
  link: string | null;
  data: unknown;
  attempts: number;
  recipientId: string | null;
  createdAt: Date;
}

type Outcome = { ok: true } | { ok: false; error: string; permanent?: boolean; retryAfterMs?: number | null };

/** A failure that retrying cannot fix (no address, endpoint disabled or gone, SMTP unset). */
const permanent = (error: string): Outcome => ({ ok: false, error, permanent: true });

export async function deliverPendingNotifications(options: DeliverOptions = {}): Promise<DeliveryReport> {
  const db = options.db ?? processDb();
  const limit = Math.max(1, Math.min(500, options.limit ?? 50));
  const rows = await db.$queryRaw<ClaimedRow[]>`
    UPDATE "Notification" AS n
    SET attempts = n.attempts + 1,
        "nextAttemptAt" = clock_timestamp() + make_interval(secs => ${LEASE_SECONDS}::double precision)
    FROM (
      SELECT id FROM "Notification"
      WHERE status = 'PENDING' AND channel <> 'IN_APP'
        AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= clock_timestamp())
      ORDER BY "nextAttemptAt" ASC NULLS FIRST, "createdAt" ASC
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE n.id = due.id
    RETURNING n.id, n.channel::text AS channel, n.kind, n.title, n.body, n.link, n.data, n.attempts, n."recipientId", n."createdAt"`;
  const report: DeliveryReport = { claimed: rows.length, sent: 0, retrying: 0, failed: 0 };
  if (rows.length === 0) return report;

  const config = notificationConfig();
  const context = await loadContext(db, rows);
  let mailer: Transporter | null = null;
  const getMailer = () => (mailer ??= config.smtp ? createMailer(config.smtp) : null);

  try {
    await forEachLimited(rows, CONCURRENCY, async (row) => {
      let outcome: Outcome;
      try {
        outcome = row.channel === "EMAIL" ? await deliverEmail(row, context, config, getMailer) : await deliverWebhook(row, context, config);
      } catch (error) {
        // Anything unexpected (a decrypt error, a bug) is this row's failure, never the batch's.
        outcome = { ok: false, error: describeError(error) };
      }
      report[await record(db, row, outcome)] += 1;
    });
  } finally {
    (mailer as Transporter | null)?.close();
  }
  if (report.retrying || report.failed) {
    console.warn(`[keycard:notify] delivered ${report.sent} of ${report.claimed}; ${report.retrying} will be retried, ${report.failed} failed for good`);
  }
  return report;
}

interface BatchContext {
  emails: Map<string, { email: string | null; status: string }>;
  endpoints: Map<string, { url: string; secretCiphertext: string; enabled: boolean }>;
}

async function loadContext(db: Db, rows: ClaimedRow[]): Promise<BatchContext> {
  const recipientIds = [...new Set(rows.filter((r) => r.channel === "EMAIL" && r.recipientId).map((r) => r.recipientId as string))];
  const endpointIds = [...new Set(rows.map((r) => targetOf(r).endpointId).filter((id): id is string => Boolean(id)))];
  const [people, endpoints] = await Promise.all([
    recipientIds.length ? db.identity.findMany({ where: { id: { in: recipientIds } }, select: { id: true, email: true, status: true } }) : [],
    endpointIds.length ? db.webhookEndpoint.findMany({ where: { id: { in: endpointIds } }, select: { id: true, url: true, secretCiphertext: true, enabled: true } }) : [],
  ]);
  return {
    emails: new Map(people.map((p) => [p.id, { email: p.email, status: p.status }])),
    endpoints: new Map(endpoints.map((e) => [e.id, e])),
  };
}

function targetOf(row: { data: unknown }): DeliveryTarget {
  const data = row.data && typeof row.data === "object" ? (row.data as Record<string, unknown>) : {};
  const target = data[DELIVERY_KEY];
  return target && typeof target === "object" ? (target as DeliveryTarget) : {};
}

async function deliverEmail(row: ClaimedRow, context: BatchContext, config: NotificationConfig, getMailer: () => Transporter | null): Promise<Outcome> {
  const mailer = getMailer();
  if (!mailer) return permanent("SMTP not configured (KEYCARD_SMTP_URL is unset)");
  let to = targetOf(row).to ?? null;
  if (row.recipientId) {
    const person = context.emails.get(row.recipientId);
    if (!person?.email) return permanent("recipient has no email address");
    if (person.status !== "ACTIVE") return permanent("recipient is disabled");
    to = person.email;
  }
  if (!to) return permanent("no recipient address");
  try {
    await sendEmail(mailer, config, { id: row.id, kind: row.kind, to, title: row.title, body: row.body, link: row.link });
    return { ok: true };
  } catch (error) {
    const smtp = error as { responseCode?: number; command?: string };
    // A mailbox the server refuses for good (550–554 on RCPT) will not start existing on a retry.
    const refused = typeof smtp.responseCode === "number" && smtp.responseCode >= 550 && smtp.command === "RCPT TO";
    return { ok: false, error: describeError(error), permanent: refused };
  }
}

async function deliverWebhook(row: ClaimedRow, context: BatchContext, config: NotificationConfig): Promise<Outcome> {
  const endpointId = targetOf(row).endpointId;
  const endpoint = endpointId ? context.endpoints.get(endpointId) : undefined;
  if (!endpointId || !endpoint) return permanent("webhook endpoint was deleted");
  if (!endpoint.enabled) return permanent("webhook endpoint is disabled");
  const { [DELIVERY_KEY]: _target, ...data } = (row.data ?? {}) as Record<string, unknown>;
  const body = JSON.stringify(buildWebhookPayload({ id: row.id, kind: row.kind, title: row.title, body: row.body, link: row.link, data, createdAt: row.createdAt }, config.baseUrl));
  const result = await postWebhook({ url: endpoint.url, secret: openEndpointSecret(endpointId, endpoint.secretCiphertext), kind: row.kind, deliveryId: row.id, body });
  return result.ok ? { ok: true } : { ok: false, error: result.error ?? "failed", retryAfterMs: parseRetryAfterMs(result.retryAfter) };
}

/**
 * Writes the outcome, but only while the row is still ours (same attempt, still PENDING): if our lease
 * ran out and another run took the row, its bookkeeping wins.
 */
async function record(db: Db, row: ClaimedRow, outcome: Outcome): Promise<"sent" | "retrying" | "failed"> {
  if (outcome.ok) {
    await db.$executeRaw`
      UPDATE "Notification" SET status = 'SENT', "sentAt" = clock_timestamp(), "lastError" = NULL, "nextAttemptAt" = NULL
      WHERE id = ${row.id}::uuid AND status = 'PENDING' AND attempts = ${row.attempts}`;
    return "sent";
  }
  const error = outcome.error.slice(0, 1000);
  if (outcome.permanent || row.attempts >= MAX_DELIVERY_ATTEMPTS) {
    await db.$executeRaw`
      UPDATE "Notification" SET status = 'FAILED', "lastError" = ${error}, "nextAttemptAt" = NULL
      WHERE id = ${row.id}::uuid AND status = 'PENDING' AND attempts = ${row.attempts}`;
    return "failed";
  }
  const delaySeconds = Math.max(retryDelayMs(row.attempts), outcome.retryAfterMs ?? 0) / 1000;
  await db.$executeRaw`
    UPDATE "Notification" SET "lastError" = ${error},
      "nextAttemptAt" = clock_timestamp() + make_interval(secs => ${delaySeconds}::double precision)
    WHERE id = ${row.id}::uuid AND status = 'PENDING' AND attempts = ${row.attempts}`;
  return "retrying";
}

async function forEachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, " ").trim() || error.name;
  return String(error);
}
