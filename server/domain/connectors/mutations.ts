import { assertCan } from "@/server/auth/permissions";
import { createConnector as connectTo, isConnectorError, messageForAdmins } from "@/server/connectors";
import type { Connector, TestConnectionResult } from "@/server/connectors/types";
import { encryptSecret } from "@/server/crypto";
import type { Tx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { assertSecretStaysWithItsDestination, changedSettings, hasNewSecret, parseConnectorSecret, parseConnectorSettings, settingsForLedger, storedSecret } from "@/server/domain/connectors/config";
import { connectorFromRow } from "@/server/domain/connectors/instance";
import type { ConnectorIdInput, CreateConnectorInput, TestConnectorSettingsInput, UpdateConnectorInput } from "@/server/domain/connectors/schema";
import type { Ctx } from "@/server/domain/context";
import { reconcileGrants } from "@/server/domain/grants/reconcile";
import { DomainError } from "@/server/errors";
import type { ConnectorHealth, Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";
import type { JsonValue } from "@/server/ledger/canonical";

/**
 * Connector administration: create and edit (settings validated by the connector's own schemas, the
 * secret write-only and encrypted to the row), test the live target, reconcile on demand. Every change
 * is ledgered in the transaction that makes it; secrets never reach the ledger, the client or a log.
 */

async function uniqueSlug(tx: Tx, name: string): Promise<string> {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "connector";
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await tx.connector.findUnique({ where: { slug }, select: { id: true } }))) return slug;
  }
}

export async function createConnector(input: CreateConnectorInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const settings = parseConnectorSettings(input.kind, input.settings);
  const secret = parseConnectorSecret(input.kind, input.secret);
  return ctx.db.$transaction(async (tx) => {
    const slug = await uniqueSlug(tx, input.name);
    const row = await tx.connector.create({ data: { slug, name: input.name, kind: input.kind, settings: settings as Prisma.InputJsonValue } });
    // Encrypted with the row's id as associated data, so the ciphertext cannot be moved to another row.
    await tx.connector.update({ where: { id: row.id }, data: { secretCiphertext: encryptSecret(JSON.stringify(secret), row.id) } });
    await appendLedgerEvent(tx, {
      action: "catalog/connector.created",
      actor: ctx.actor,
      subject: { type: "connector", id: row.id },
      summary: `Connector “${input.name}” (${input.kind.toLowerCase()}) created`,
      data: { kind: input.kind, name: input.name, slug, settings: settingsForLedger(settings) as { [key: string]: JsonValue }, secretSet: hasNewSecret(input.secret) },
    });
    return { id: row.id, slug };
  });
}

export async function updateConnector(input: UpdateConnectorInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Connector" WHERE id = ${input.connectorId}::uuid FOR UPDATE`;
    const row = await tx.connector.findUnique({ where: { id: input.connectorId } });
    if (!row) throw new DomainError("NOT_FOUND", "No such connector.");
    const before = (row.settings ?? {}) as Record<string, unknown>;
    const settings = parseConnectorSettings(row.kind, input.settings);
    const newSecret = hasNewSecret(input.secret);
    assertSecretStaysWithItsDestination(before, settings, row, newSecret);
    const secretCiphertext = newSecret ? encryptSecret(JSON.stringify(parseConnectorSecret(row.kind, input.secret)), row.id) : row.secretCiphertext;
    const changed = [...(input.name !== row.name ? ["name"] : []), ...changedSettings(before, settings), ...(newSecret ? ["secret"] : [])];
    if (!changed.length) return { id: row.id, changed };
    const configChanged = changed.some((field) => field !== "name");
    await tx.connector.update({
      where: { id: row.id },
      data: {
        name: input.name,
        settings: settings as Prisma.InputJsonValue,
        secretCiphertext,
        // The last check was of the old configuration.
        ...(configChanged ? { health: "UNKNOWN" as const, lastError: null, lastCheckedAt: null } : {}),
      },
    });
    const pick = (values: Record<string, unknown>) =>
      Object.fromEntries(changed.filter((f) => f.startsWith("settings.")).map((f) => [f.slice(9), (values[f.slice(9)] ?? null) as JsonValue]));
    await appendLedgerEvent(tx, {
      action: "catalog/connector.updated",
      actor: ctx.actor,
      subject: { type: "connector", id: row.id },
      summary: `Connector “${input.name}” updated: ${changed.join(", ")}`,
      data: { changed, before: pick(settingsForLedger(before)), after: pick(settingsForLedger(settings)), ...(input.name !== row.name ? { previousName: row.name } : {}) },
    });
    return { id: row.id, changed };
  });
}

export interface LevelCheck {
  accessLevelId: string;
  resource: string;
  level: string;
  ok: boolean;
  message: string;
}

export interface ConnectionReport {
  connection: TestConnectionResult;
  levels: LevelCheck[];
}

async function checkTarget(connector: Connector, levels: { id: string; name: string; mode: "ROLE_ELEVATION" | "EPHEMERAL_CREDENTIAL"; privilege: unknown; resource: { name: string; target: unknown } }[]): Promise<ConnectionReport> {
  const connection = await connector.testConnection();
  if (!connection.ok) return { connection, levels: [] };
  const checks = await Promise.all(
    levels.map(async (level) => {
      const result = await connector.validateAccessLevel({ mode: level.mode, privilege: level.privilege, target: level.resource.target });
      return { accessLevelId: level.id, resource: level.resource.name, level: level.name, ok: result.ok, message: result.ok ? result.details : result.error };
    }),
  );
  return { connection, levels: checks };
}

function levelsOf(tx: Ctx["db"], connectorId: string) {
  return tx.accessLevel.findMany({
    where: { resource: { connectorId, archivedAt: null } },
    select: { id: true, name: true, mode: true, privilege: true, resource: { select: { name: true, target: true } } },
    orderBy: [{ resource: { name: "asc" } }, { name: "asc" }],
  });
}

/** A configuration that cannot even be parsed (stored before a rule tightened) reads as a failed test. */
function failedReport(error: unknown): ConnectionReport {
  if (!isConnectorError(error)) throw error;
  return { connection: { ok: false, error: messageForAdmins(error), kind: error.kind }, levels: [] };
}

/**
 * "Test connection" on a saved connector: reachability, credentials and the connector user's rights,
 * then every access level of its resources (role or database exists). Records the health it found.
 */
export async function testConnector(input: ConnectorIdInput, ctx: Ctx): Promise<ConnectionReport & { health: ConnectorHealth }> {
  assertCan(ctx.actor, "admin:manage");
  const row = await ctx.db.connector.findUnique({ where: { id: input.connectorId } });
  if (!row) throw new DomainError("NOT_FOUND", "No such connector.");
  let report: ConnectionReport;
  try {
    report = await checkTarget(connectorFromRow(row), await levelsOf(ctx.db, row.id));
  } catch (error) {
    report = failedReport(error);
  }
  const failing = report.levels.filter((l) => !l.ok);
  const health: ConnectorHealth = !report.connection.ok ? "FAILING" : failing.length ? "DEGRADED" : "HEALTHY";
  const lastError = !report.connection.ok ? report.connection.error : failing[0] ? `${failing[0].resource} · ${failing[0].level}: ${failing[0].message}` : null;
  await ctx.db.connector.update({ where: { id: row.id }, data: { health, lastError: lastError?.slice(0, 500) ?? null, lastCheckedAt: await dbNow(ctx.db) } });
  return { ...report, health };
}

/**
 * "Test connection" on a form before it is saved: the settings are validated first (a bad identifier is
 * refused here, with its field, and never reaches the target), then a throwaway connector tries them.
 * Editing without retyping the secret tests with the stored one, at the destination it was saved for only.
 */
export async function testConnectorSettings(input: TestConnectorSettingsInput, ctx: Ctx): Promise<ConnectionReport> {
  assertCan(ctx.actor, "admin:manage");
  const settings = parseConnectorSettings(input.kind, input.settings);
  const row = input.connectorId ? await ctx.db.connector.findUnique({ where: { id: input.connectorId } }) : null;
  if (input.connectorId && !row) throw new DomainError("NOT_FOUND", "No such connector.");
  if (row && row.kind !== input.kind) throw new DomainError("VALIDATION", "A connector's kind cannot change; create a new connector instead.", { field: "kind" });
  if (row) assertSecretStaysWithItsDestination((row.settings ?? {}) as Record<string, unknown>, settings, row, hasNewSecret(input.secret));
  const secret = hasNewSecret(input.secret) || !row ? parseConnectorSecret(input.kind, input.secret) : storedSecret(row);
  let connector: Connector | undefined;
  try {
    connector = connectTo(input.kind, settings, secret);
    return await checkTarget(connector, row ? await levelsOf(ctx.db, row.id) : []);
  } catch (error) {
    return failedReport(error);
  } finally {
    await connector?.close().catch(() => undefined);
  }
}

/** "Reconcile now": the target's actual state against Keycard's, for one connector, on demand. */
export async function reconcileConnectorNow(input: ConnectorIdInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const row = await ctx.db.connector.findUnique({ where: { id: input.connectorId }, select: { id: true, _count: { select: { resources: true } } } });
  if (!row) throw new DomainError("NOT_FOUND", "No such connector.");
  if (row._count.resources === 0) throw new DomainError("VALIDATION", "No resource uses this connector yet: there is nothing to reconcile.");
  return reconcileGrants(ctx.db, { connectorId: row.id, actor: ctx.actor });
}
