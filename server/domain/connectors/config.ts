import { connectorSchemas } from "@/server/connectors";
import { parseConfig } from "@/server/connectors/spec";
import { decryptSecret } from "@/server/crypto";
import type { ConnectorKindInput } from "@/server/domain/connectors/schema";
import { DomainError } from "@/server/errors";

const kindLabel: Record<ConnectorKindInput, string> = { POSTGRES: "PostgreSQL", MARIADB: "MariaDB", REDIS: "Redis", WEBHOOK: "webhook" };

/** An empty form field means "not set": optional settings are left out rather than sent as "". */
function compact(values: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, value]) => value !== "" && value !== null && value !== undefined));
}

/**
 * Settings as the connector will read them, or a VALIDATION error naming the field (`settings.user`) with
 * the connector's own reason ("name contains a quote"). Nothing reaches a target before this passes.
 */
export function parseConnectorSettings(kind: ConnectorKindInput, settings: Record<string, unknown>): Record<string, unknown> {
  return parseConfig(connectorSchemas[kind].settings, compact(settings), `${kindLabel[kind]} settings`, "settings") as Record<string, unknown>;
}

export function parseConnectorSecret(kind: ConnectorKindInput, secret: Record<string, unknown> | undefined): Record<string, unknown> {
  return parseConfig(connectorSchemas[kind].secret, compact(secret), `${kindLabel[kind]} secret`, "secret") as Record<string, unknown>;
}

/** Whether a form sent a new secret (an edit that leaves the secret fields empty keeps the stored one). */
export function hasNewSecret(secret: Record<string, unknown> | undefined): boolean {
  return Object.keys(compact(secret)).length > 0;
}

export function storedSecret(row: { id: string; secretCiphertext: string | null }): Record<string, unknown> {
  return row.secretCiphertext ? (JSON.parse(decryptSecret(row.secretCiphertext, row.id)) as Record<string, unknown>) : {};
}

/** Which top-level settings differ (for the ledger: names and non-secret values, never the secret). */
export function changedSettings(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) => `settings.${key}`).sort();
}

/** The settings that say where a connector's secret is sent (and whether over TLS). */
const SECRET_DESTINATION = ["host", "port", "url", "ssl", "tls"] as const;

/**
 * A stored secret is only ever sent where it was saved for: a form that changes the destination must
 * bring the secret again, or an admin (or a stolen admin session) could point a production connector at
 * a host of their own and receive its password.
 */
export function assertSecretStaysWithItsDestination(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  row: { id: string; secretCiphertext: string | null },
  newSecret: boolean,
): void {
  // An empty stored secret (a passwordless target) has nothing to give away.
  if (newSecret || !hasNewSecret(storedSecret(row))) return;
  const moved = SECRET_DESTINATION.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  if (moved.length) {
    throw new DomainError("VALIDATION", `Enter the secret again: the saved one is only sent to the ${moved.join(", ")} it was saved for.`, { field: "secret" });
  }
}

/** Settings as the ledger records them: a webhook URL by its origin only (its path or query may hold a token). */
export function settingsForLedger(settings: Record<string, unknown>): Record<string, unknown> {
  if (typeof settings.url !== "string") return settings;
  let origin: string;
  try {
    origin = new URL(settings.url).origin;
  } catch {
    origin = "(not a URL)";
  }
  return { ...settings, url: origin };
}
