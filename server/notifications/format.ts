/**
 * Text hygiene for messages that quote people (justifications, comments, names): they reach mail
 * clients, Slack and browsers, each with its own markup, so every channel escapes for itself.
 */

// C0/C1 controls except tab and newline, plus bidi overrides that can disguise text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes control characters, normalises newlines and caps the length (with an ellipsis). */
export function cleanText(value: string, max: number): string {
  const text = value.replace(/\r\n?/g, "\n").replace(CONTROL, "").trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** A single line (titles, email subjects): header injection is impossible by construction. */
export function oneLine(value: string, max = 200): string {
  return cleanText(value.replace(/\s*\n\s*/g, " "), max);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/**
 * Slack's mrkdwn treats only &, < and > as control characters (`<!channel>`, `<url|label>`), so escaping
 * those is enough to keep quoted text from pinging a channel or forging a link.
 */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Quoted free text from a person, on its own line, shortened so a 1 MB justification stays a message. */
export function quote(value: string | null | undefined, max = 500): string | null {
  if (!value) return null;
  const text = cleanText(value, max);
  return text ? `“${text}”` : null;
}
