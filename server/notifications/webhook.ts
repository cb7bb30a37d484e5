import { absoluteLink } from "@/server/notifications/config";
import { escapeMrkdwn } from "@/server/notifications/format";
import { signPayload, SIGNATURE_HEADER } from "@/server/notifications/signature";

/** What deliver.ts hands the webhook channel. */
export interface WebhookMessage {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Slack-compatible: `text` is the fallback every chat tool shows (and notifications use), `blocks` the
 * rich layout. `keycard` carries the structured event for automation; Slack ignores fields it does not
 * know.
 */
export function buildWebhookPayload(message: WebhookMessage, baseUrl: string) {
  const url = absoluteLink(message.link, baseUrl);
  const title = escapeMrkdwn(message.title);
  const body = escapeMrkdwn(message.body);
  return {
    text: `${title}\n${body}${url ? `\n<${url}|Open in Keycard>` : ""}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${title}*\n${body}` } },
      ...(url
        ? [{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Keycard" }, url }] }]
        : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `Keycard · \`${escapeMrkdwn(message.kind)}\`` }] },
    ],
    keycard: {
      id: message.id,
      kind: message.kind,
      title: message.title,
      body: message.body,
      link: url,
      occurredAt: message.createdAt.toISOString(),
      data: message.data,
    },
  };
}

export interface WebhookResult {
  ok: boolean;
  status: number | null;
  /** For lastError: status and the start of the receiver's answer, or the network error. */
  error: string | null;
  retryAfter: string | null;
  durationMs: number;
}

/** POSTs one signed delivery. Never throws: every outcome is a result the caller records. */
export async function postWebhook(input: { url: string; secret: string; kind: string; deliveryId: string; body: string }): Promise<WebhookResult> {
  const started = Date.now();
  try {
    const response = await fetch(input.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Keycard-Webhooks/1",
        "X-Keycard-Event": input.kind,
        "X-Keycard-Delivery": input.deliveryId,
        [SIGNATURE_HEADER]: signPayload(input.secret, input.body),
      },
      body: input.body,
      // A redirect could send a signed alert somewhere the admin never configured.
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    const durationMs = Date.now() - started;
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, status: response.status, error: null, retryAfter: null, durationMs };
    }
    const answer = (await response.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
    return { ok: false, status: response.status, error: `HTTP ${response.status}${answer ? `: ${answer}` : ""}`, retryAfter: response.headers.get("retry-after"), durationMs };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === "TimeoutError" || err.name === "AbortError"
        ? `timed out after ${WEBHOOK_TIMEOUT_MS / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, status: null, error: `request failed: ${reason}`, retryAfter: null, durationMs: Date.now() - started };
  }
}
