/**
 * Links from a dashboard figure to the ledger search behind it (the ledger page reads these query
 * parameters: action (repeatable), actor, resource, outcome, from, to, q). The time range is the
 * figure's own window, so the ledger lists exactly the events the figure counts.
 */
export interface LedgerLinkFilters {
  action?: string | readonly string[];
  actor?: string;
  resource?: string;
  outcome?: "success" | "failure" | "denied";
  q?: string;
  from?: Date;
  to?: Date;
}

export function ledgerLink(filters: LedgerLinkFilters): string {
  const params = new URLSearchParams();
  for (const action of typeof filters.action === "string" ? [filters.action] : (filters.action ?? [])) params.append("action", action);
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.resource) params.set("resource", filters.resource);
  if (filters.outcome) params.set("outcome", filters.outcome);
  if (filters.q) params.set("q", filters.q);
  if (filters.from) params.set("from", filters.from.toISOString());
  if (filters.to) params.set("to", filters.to.toISOString());
  const query = params.toString();
  return query ? `/ledger?${query}` : "/ledger";
}
