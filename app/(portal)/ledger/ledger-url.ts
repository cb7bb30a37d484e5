/**
 * The ledger page keeps its whole state in the URL (shareable links): filters, the page cursor and the
 * open event. These helpers build links that change one thing and keep the rest.
 */

export type QueryState = Record<string, string | string[]>;

export const FILTER_KEYS = ["q", "from", "to", "person", "actor", "resource", "action", "outcome", "request", "grant", "order", "limit"] as const;

export function stateFromSearchParams(input: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params;
}

/** A link to /ledger with some parameters replaced (undefined removes one). */
export function ledgerHref(current: URLSearchParams, changes: Record<string, string | string[] | undefined>, path = "/ledger"): string {
  const next = new URLSearchParams(current);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) if (item !== "") next.append(key, item);
  }
  const query = next.toString();
  return query ? `${path}?${query}` : path;
}

/** Only the filters (no cursor, no open event): what exports and counts take. */
export function filterQuery(current: URLSearchParams): string {
  const next = new URLSearchParams();
  for (const key of FILTER_KEYS) for (const value of current.getAll(key)) if (value !== "" && key !== "limit" && key !== "order") next.append(key, value);
  return next.toString();
}

/** "1,234 events" or, for an estimate, "about 1.2M events". */
export function formatCount(count: number, exact: boolean, noun = "event"): string {
  const plural = count === 1 ? noun : `${noun}s`;
  if (exact) return `${count.toLocaleString("en")} ${plural}`;
  const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(count);
  return `about ${compact} ${plural}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** Quick ranges (UTC days), as from/to values. */
export function datePresets(now = new Date()) {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const minusDays = (n: number) => new Date(today.getTime() - n * 86_400_000);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const lastMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return [
    { label: "Today", from: day(today), to: day(today) },
    { label: "Last 7 days", from: day(minusDays(6)), to: day(today) },
    { label: "This month", from: day(monthStart), to: day(today) },
    { label: "Last month", from: day(lastMonthStart), to: day(minusDays(today.getUTCDate())) },
    { label: "Last 90 days", from: day(minusDays(89)), to: day(today) },
  ];
}
