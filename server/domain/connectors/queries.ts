import { assertCan } from "@/server/auth/permissions";
import type { ConnectorIdInput } from "@/server/domain/connectors/schema";
import type { Ctx } from "@/server/domain/context";
import { DomainError } from "@/server/errors";

/** How many drift events and failing revocations the admin page shows per connector. */
const SHOWN = 10;

const connectorSelect = {
  id: true,
  slug: true,
  name: true,
  kind: true,
  settings: true,
  secretCiphertext: true,
  health: true,
  lastCheckedAt: true,
  lastError: true,
  resources: { select: { id: true, slug: true, name: true, archivedAt: true }, orderBy: { name: "asc" } },
} as const;

/** Never the secret: only whether one is stored. */
function publicView<T extends { secretCiphertext: string | null }>(row: T): Omit<T, "secretCiphertext"> & { hasSecret: boolean } {
  const { secretCiphertext, ...rest } = row;
  return { ...rest, hasSecret: Boolean(secretCiphertext) };
}

/**
 * The connectors page: each connector with its health and last check, its resources, the revocations
 * that are failing on it (still REVOKING with an error or an alert: who, what, attempts, since when) and
 * the drift reconciliation found recently.
 */
export async function listConnectors(ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const rows = await ctx.db.connector.findMany({ select: connectorSelect, orderBy: { name: "asc" } });
  const resourceIds = rows.flatMap((r) => r.resources.map((res) => res.id));
  const connectorOfResource = new Map(rows.flatMap((r) => r.resources.map((res) => [res.id, r.id] as const)));
  const [failing, drift] = await Promise.all([
    ctx.db.grant.findMany({
      where: { status: "REVOKING", resourceId: { in: resourceIds }, OR: [{ lastError: { not: null } }, { failureAlertedAt: { not: null } }] },
      select: {
        id: true,
        resourceId: true,
        attempts: true,
        lastError: true,
        endsAt: true,
        revokeRequestedAt: true,
        revocationReason: true,
        failureAlertedAt: true,
        nextAttemptAt: true,
        identity: { select: { name: true } },
        accessLevel: { select: { name: true } },
        resource: { select: { name: true } },
      },
      orderBy: { endsAt: "asc" },
      take: 500,
    }),
    ctx.db.ledgerEvent.findMany({
      where: { action: "access/grant.drift_found", resourceId: { in: resourceIds } },
      select: { seq: true, occurredAt: true, grantId: true, resourceId: true, summary: true, actorLabel: true, data: true },
      orderBy: { seq: "desc" },
      take: 200,
    }),
  ]);
  return rows.map((row) => ({
    ...publicView(row),
    failingRevocations: failing
      .filter((g) => connectorOfResource.get(g.resourceId) === row.id)
      .slice(0, SHOWN * 5)
      .map((g) => ({
        grantId: g.id,
        holder: g.identity.name,
        accessLevel: g.accessLevel.name,
        resource: g.resource.name,
        attempts: g.attempts,
        lastError: g.lastError,
        reason: g.revocationReason,
        // Due since the end, or since the release / admin revoke when that came first.
        dueSince: g.revokeRequestedAt && g.revokeRequestedAt < g.endsAt ? g.revokeRequestedAt : g.endsAt,
        alertedAt: g.failureAlertedAt,
        nextAttemptAt: g.nextAttemptAt,
      })),
    drift: drift
      .filter((e) => connectorOfResource.get(e.resourceId ?? "") === row.id)
      .slice(0, SHOWN)
      .map((e) => ({ seq: e.seq.toString(), occurredAt: e.occurredAt, grantId: e.grantId, summary: e.summary, actor: e.actorLabel, kind: (e.data as { kind?: string } | null)?.kind ?? null })),
  }));
}

export type ConnectorListItem = Awaited<ReturnType<typeof listConnectors>>[number];

/** One connector for its edit form (settings as stored, whether a secret is set — never the secret). */
export async function getConnector(input: ConnectorIdInput, ctx: Ctx) {
  assertCan(ctx.actor, "admin:manage");
  const row = await ctx.db.connector.findUnique({ where: { id: input.connectorId }, select: connectorSelect });
  if (!row) throw new DomainError("NOT_FOUND", "No such connector.");
  return publicView(row);
}
