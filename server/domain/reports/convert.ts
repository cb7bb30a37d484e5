import { systemActor, type Actor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import { isConnectorError } from "@/server/connectors/errors";
import type { Tx } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { levelKeyFor, planAccessLevel, planRemoval, type LevelPlan } from "@/server/domain/discovery/conversion";
import { connectorOwnLogin } from "@/server/domain/discovery/holders";
import { privilegePower } from "@/server/domain/discovery/power";
import { removeStandingPrivilege, type RemovalOutcome } from "@/server/domain/discovery/remove";
import { tierOf } from "@/server/domain/reports/recommend";
import { ZConvertInput, type ConvertInput } from "@/server/domain/reports/schema";
import { DomainError, isDomainError } from "@/server/errors";
import type { Connector as ConnectorRow, DiscoveredPrivilege, Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";

/**
 * "Convert to JIT": the standing privilege is removed from the target and the same access becomes
 * requestable, so whoever needs it asks for it (and gets it for a while) instead of holding it forever.
 *
 * In one database transaction: make it requestable (reuse the access level that already hands out this
 * privilege, or add one — to the resource it maps to, or to a new resource on the connector), remove it
 * from the target, mark it gone, append `reports/privilege.converted`. The target call runs before the
 * ledger append (which serialises all appends), so a slow target never holds up the ledger; if the target
 * refuses, nothing is written except a failure event in its own transaction, so the attempt is on record.
 */

export interface ConvertResult {
  privilegeId: string;
  removed: boolean;
  sessionsEnded: number;
  detail: string;
  requestable: { resourceId: string; resourceName: string; resourceSlug: string; accessLevelKey: string; accessLevelName: string; created: "resource" | "level" | null } | null;
  /** Why it could not be made requestable (it is removed all the same). */
  notRequestableBecause: string | null;
}

type Loaded = DiscoveredPrivilege & { connector: ConnectorRow };

/** JSON with sorted keys and sorted string arrays, empty arrays dropped: two levels handing out the same thing compare equal. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? [...(value as string[])].sort() : value.map(normalized);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalized(v)]),
    );
  }
  return value;
}

function samePrivilege(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));
}

const riskWeights = { admin: 50, write: 35, read: 10, login: 0 } as const;

async function uniqueSlug(tx: Tx, base: string): Promise<string> {
  const stem = base.replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 54) || "converted";
  for (let n = 1; ; n++) {
    const slug = n === 1 ? stem : `${stem}-${n}`;
    if (!(await tx.resource.findUnique({ where: { slug }, select: { id: true } }))) return slug;
  }
}

async function ensureRequestable(tx: Tx, p: Loaded, plan: Extract<LevelPlan, { ok: true }>, actor: Actor): Promise<NonNullable<ConvertResult["requestable"]>> {
  const resources = await tx.resource.findMany({
    where: { connectorId: p.connectorId, archivedAt: null },
    select: { id: true, name: true, slug: true, tier: true, requestable: true, target: true, ownerGroupId: true, fallbackGroupId: true, ownerId: true, accessLevels: { select: { key: true, name: true, privilege: true, mode: true } } },
    orderBy: [{ tier: "asc" }, { name: "asc" }],
  });
  // An access level that already hands this out: the most sensitive resource first.
  for (const resource of resources) {
    if (Object.keys(plan.target).length && !samePrivilege(resource.target, plan.target)) continue;
    const level = resource.accessLevels.find((l) => samePrivilege(l.privilege, plan.privilege));
    if (!level) continue;
    if (!resource.requestable) await tx.resource.update({ where: { id: resource.id }, data: { requestable: true } });
    return { resourceId: resource.id, resourceName: resource.name, resourceSlug: resource.slug, accessLevelKey: level.key, accessLevelName: level.name, created: null };
  }
  const power = privilegePower(p.connector.kind, p.privilegeKind, p.privilege);
  const level = { key: /^[a-z]/.test(plan.key) ? plan.key : `l-${plan.key}`.slice(0, 40), name: plan.name, mode: plan.mode, privilege: plan.privilege as Prisma.InputJsonValue, riskWeight: riskWeights[power] };
  // The resource it maps to gets the level, when the targets agree.
  const mapped = resources.find((r) => r.id === p.resourceId && (!Object.keys(plan.target).length || samePrivilege(r.target, plan.target)));
  if (mapped) {
    const taken = new Set(mapped.accessLevels.map((l) => l.key));
    let key = level.key;
    for (let n = 2; taken.has(key); n++) key = `${level.key.slice(0, 36)}-${n}`;
    await tx.accessLevel.create({ data: { ...level, key, resourceId: mapped.id } });
    if (!mapped.requestable) await tx.resource.update({ where: { id: mapped.id }, data: { requestable: true } });
    return { resourceId: mapped.id, resourceName: mapped.name, resourceSlug: mapped.slug, accessLevelKey: key, accessLevelName: level.name, created: "level" };
  }
  // A new resource: owners from the connector's most sensitive resource, else the admin converting it.
  const model = resources[0];
  const targetTier = resources.length ? Math.min(...resources.map((r) => r.tier)) : null;
  const tier = tierOf({ mappedTier: null, targetTier, power });
  const slug = await uniqueSlug(tx, `${p.connector.slug}-${levelKeyFor(plan.title)}`);
  const name = `${p.connector.name}: ${plan.title}`.slice(0, 120);
  const created = await tx.resource.create({
    data: {
      slug,
      name,
      description: `Made requestable when ${p.principal}'s standing ${p.privilege} was converted to just-in-time access.`,
      tier,
      tags: ["converted"],
      connectorId: p.connectorId,
      target: plan.target as Prisma.InputJsonValue,
      ownerGroupId: model?.ownerGroupId ?? null,
      fallbackGroupId: model?.fallbackGroupId ?? null,
      ownerId: model?.ownerId ?? (model?.ownerGroupId ? null : actor.type === "identity" ? actor.id : null),
      requestable: true,
      accessLevels: { create: [level] },
    },
  });
  return { resourceId: created.id, resourceName: created.name, resourceSlug: created.slug, accessLevelKey: level.key, accessLevelName: level.name, created: "resource" };
}

async function load(tx: Tx, privilegeId: string): Promise<Loaded> {
  await tx.$queryRaw`SELECT id FROM "DiscoveredPrivilege" WHERE id = ${privilegeId}::uuid FOR UPDATE`;
  const p = await tx.discoveredPrivilege.findUnique({ where: { id: privilegeId }, include: { connector: true } });
  if (!p) throw new DomainError("NOT_FOUND", "This privilege is no longer known; refresh the report.");
  if (p.goneAt) throw new DomainError("CONFLICT", "This privilege is no longer in the target (converted or removed); refresh the report.");
  if (p.classification === "JIT") throw new DomainError("VALIDATION", "A Keycard grant covers this privilege already.");
  return p;
}

export async function convertToJit(raw: ConvertInput, ctx: Ctx): Promise<ConvertResult> {
  assertCan(ctx.actor, "reports:manage");
  const input = ZConvertInput.parse(raw);
  const actor = ctx.actor;
  let attempted: Loaded | null = null;
  try {
    return await ctx.db.$transaction(
      async (tx) => {
        const p = await load(tx, input.privilegeId);
        attempted = p;
        const removal = planRemoval(p.connector.kind, p, connectorOwnLogin(p.connector.kind, p.connector.settings));
        if (!removal.ok) throw new DomainError("VALIDATION", removal.why);
        const holder = p.identityId ? await tx.identity.findUnique({ where: { id: p.identityId }, select: { kind: true } }) : null;
        const plan = planAccessLevel(p.connector.kind, p, holder?.kind ?? null);
        const requestable = plan.ok ? await ensureRequestable(tx, p, plan, actor) : null;

        const outcome: RemovalOutcome = await removeStandingPrivilege(p.connector, p);
        const now = await dbNow(tx);
        await tx.discoveredPrivilege.update({ where: { id: p.id }, data: { goneAt: now } });
        const made = requestable ? `; requestable as ${requestable.accessLevelName} on ${requestable.resourceName}` : "";
        await appendLedgerEvent(tx, {
          action: "reports/privilege.converted",
          actor,
          subject: { type: "privilege", id: p.id },
          resourceId: requestable?.resourceId ?? p.resourceId,
          summary: `Converted ${p.principal}'s standing ${p.privilege} on ${p.connector.name} to just-in-time access${made}`,
          data: {
            connectorId: p.connectorId,
            connector: p.connector.name,
            principal: p.principal,
            privilege: p.privilege,
            privilegeKind: p.privilegeKind,
            action: removal.action,
            removed: outcome.removed,
            sessionsEnded: outcome.sessionsEnded,
            detail: outcome.detail,
            requestable: requestable ? { ...requestable } : null,
            notRequestableBecause: plan.ok ? null : plan.why,
          },
        });
        return {
          privilegeId: p.id,
          removed: outcome.removed,
          sessionsEnded: outcome.sessionsEnded,
          detail: outcome.detail,
          requestable,
          notRequestableBecause: plan.ok ? null : plan.why,
        };
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  } catch (error) {
    if (!isConnectorError(error) || !attempted) throw error;
    await recordFailure(ctx, attempted, error.message);
    throw new DomainError(isDomainError(error) && error.code === "VALIDATION" ? "VALIDATION" : "UNAVAILABLE", `The target refused: ${error.message}. Nothing was changed in Keycard.`);
  }
}

/** A refused removal is an attempt at a privileged change: on record, in its own transaction. */
async function recordFailure(ctx: Ctx, p: Loaded, message: string): Promise<void> {
  await ctx.db
    .$transaction((tx) =>
      appendLedgerEvent(tx, {
        action: "reports/privilege.converted",
        actor: ctx.actor.type === "identity" ? ctx.actor : systemActor("reports"),
        outcome: "failure",
        subject: { type: "privilege", id: p.id },
        resourceId: p.resourceId,
        summary: `Converting ${p.principal}'s standing ${p.privilege} on ${p.connector.name} to JIT failed: ${message}`,
        data: { connectorId: p.connectorId, principal: p.principal, privilege: p.privilege, error: message.slice(0, 500) },
      }),
    )
    .catch(() => undefined);
}
