import type { ConnectorKind, InventoryEntry } from "@/server/connectors/types";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import { loginSourceSelect, withConnector } from "@/server/domain/connectors/instance";
import { classifyPrivilege } from "@/server/domain/discovery/classify";
import { buildHolderIndex, resolveHolder, type HolderIndex } from "@/server/domain/discovery/holders";
import { matchResource, type LevelRef } from "@/server/domain/discovery/resource-match";
import { storeInventory, type PrivilegeRecord } from "@/server/domain/discovery/store";
import type { Connector as ConnectorRow, GrantStatus, IdentityKind } from "@/server/generated/prisma/client";

/**
 * Standing-privilege discovery: each connector's `inventory()` — every principal and privilege in the
 * target — classified (JIT-backed, baseline, standing), mapped to the identity that holds it and the
 * resource it reaches, and stored as `DiscoveredPrivilege` rows. A target that cannot be read is recorded
 * as FAILING on the connector and its previous inventory is kept untouched: silence is not absence.
 *
 * Held privileges only: what a PostgreSQL NOLOGIN role or a MariaDB role holds is the definition of that
 * role, not anyone's access; the logins that are members of it are the holders, and their memberships
 * are discovered. `PUBLIC` (every login) is kept.
 */

export interface ConnectorDiscovery {
  connectorId: string;
  name: string;
  kind: ConnectorKind;
  status: "ok" | "unreachable";
  error?: string;
  /** Held privileges stored this run. */
  found: number;
  /** Entries that define NOLOGIN roles (not stored). */
  roleDefinitions: number;
  jit: number;
  baseline: number;
  standing: number;
  /** Privileges present at the previous discovery and not any more. */
  gone: number;
  ms: number;
}

export interface DiscoveryReport {
  at: string;
  connectors: ConnectorDiscovery[];
  privileges: number;
  unreachable: string[];
}

const liveLookupChunk = 5_000;

/** An entry held by someone who can act: logins, users, external principals and PUBLIC. */
export function isHeld(entry: Pick<InventoryEntry, "principal" | "principalKind">): boolean {
  return entry.principalKind !== "ROLE" || entry.principal === "PUBLIC";
}

interface GrantInfo {
  status: GrantStatus;
  identity: { id: string; kind: IdentityKind };
}

async function grantsById(db: Db, ids: readonly string[]): Promise<Map<string, GrantInfo>> {
  const out = new Map<string, GrantInfo>();
  for (let start = 0; start < ids.length; start += liveLookupChunk) {
    const grants = await db.grant.findMany({
      where: { id: { in: ids.slice(start, start + liveLookupChunk) } },
      select: { id: true, status: true, identity: { select: { id: true, kind: true } } },
    });
    for (const grant of grants) out.set(grant.id, { status: grant.status, identity: grant.identity });
  }
  return out;
}

async function levelsOf(db: Db, connectorId: string): Promise<LevelRef[]> {
  const resources = await db.resource.findMany({
    where: { connectorId, archivedAt: null },
    select: { id: true, name: true, tier: true, target: true, accessLevels: { select: { privilege: true } } },
  });
  return resources.flatMap((resource) => {
    const base = { resourceId: resource.id, resourceName: resource.name, tier: resource.tier, target: resource.target };
    // A resource without levels still maps by its target (MariaDB database, Redis key pattern).
    return resource.accessLevels.length ? resource.accessLevels.map((level) => ({ ...base, privilege: level.privilege })) : [{ ...base, privilege: {} }];
  });
}

/** Classifies and maps one connector's inventory; pure apart from the lookups passed in. */
export function toRecords(
  kind: ConnectorKind,
  entries: readonly InventoryEntry[],
  lookups: { grants: Map<string, GrantInfo>; baselines: Map<string, Date>; holders: HolderIndex; levels: readonly LevelRef[]; now: Date },
): PrivilegeRecord[] {
  const records = new Map<string, PrivilegeRecord>();
  for (const entry of entries) {
    const key = `${entry.principal}\u0000${entry.privilege}`;
    if (!isHeld(entry) || records.has(key)) continue;
    const grant = entry.keycardGrantId ? lookups.grants.get(entry.keycardGrantId) : undefined;
    const reviewAt = lookups.baselines.get(key);
    const { classification } = classifyPrivilege({
      keycardGrantId: entry.keycardGrantId,
      managedByKeycard: entry.managedByKeycard,
      ...(grant ? { grantStatus: grant.status } : {}),
      baseline: reviewAt ? { reviewAt } : null,
      now: lookups.now,
    });
    const holder = grant?.identity ?? resolveHolder(lookups.holders, kind, entry.principal);
    const resource = matchResource(kind, entry, lookups.levels);
    records.set(key, {
      principal: entry.principal,
      privilege: entry.privilege,
      privilegeKind: entry.privilegeKind,
      identityId: holder?.id ?? null,
      holderKind: holder?.kind ?? null,
      resourceId: resource?.resourceId ?? null,
      classification,
    });
  }
  return [...records.values()];
}

async function discoverOne(db: Db, row: ConnectorRow, holders: HolderIndex): Promise<ConnectorDiscovery> {
  const started = Date.now();
  const base = { connectorId: row.id, name: row.name, kind: row.kind, found: 0, roleDefinitions: 0, jit: 0, baseline: 0, standing: 0, gone: 0 };
  let entries: InventoryEntry[];
  try {
    entries = await withConnector(row, (connector) => connector.inventory());
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    await db.connector.update({ where: { id: row.id }, data: { health: "FAILING", lastCheckedAt: new Date(), lastError: message } });
    return { ...base, status: "unreachable", error: message, ms: Date.now() - started };
  }
  const now = await dbNow(db);
  const grantIds = [...new Set(entries.map((e) => e.keycardGrantId).filter((id): id is string => Boolean(id)))];
  const [grants, baselineRows, levels] = await Promise.all([
    grantsById(db, grantIds),
    db.baselineDeclaration.findMany({ where: { connectorId: row.id }, select: { principal: true, privilege: true, reviewAt: true } }),
    levelsOf(db, row.id),
  ]);
  const baselines = new Map(baselineRows.map((b) => [`${b.principal}\u0000${b.privilege}`, b.reviewAt]));
  const records = toRecords(row.kind, entries, { grants, baselines, holders, levels, now });
  const stored = await storeInventory(db, row.id, records, now);
  await db.connector.update({ where: { id: row.id }, data: { health: "HEALTHY", lastCheckedAt: now, lastError: null } });
  const count = (c: PrivilegeRecord["classification"]) => records.filter((r) => r.classification === c).length;
  return {
    ...base,
    status: "ok",
    found: records.length,
    roleDefinitions: entries.filter((e) => !isHeld(e)).length,
    jit: count("JIT"),
    baseline: count("BASELINE"),
    standing: count("STANDING"),
    gone: stored.gone,
    ms: Date.now() - started,
  };
}

/** Discovers every connector (or the given ones), one after another so each target sees one reader. */
export async function discoverPrivileges(db: Db, options: { connectorIds?: readonly string[] } = {}): Promise<DiscoveryReport> {
  const at = new Date();
  const [rows, identities] = await Promise.all([
    db.connector.findMany({ where: options.connectorIds ? { id: { in: [...options.connectorIds] } } : {}, orderBy: { name: "asc" } }),
    db.identity.findMany({ select: { id: true, kind: true, status: true, ...loginSourceSelect } }),
  ]);
  const holders = buildHolderIndex(identities);
  const connectors: ConnectorDiscovery[] = [];
  for (const row of rows) connectors.push(await discoverOne(db, row, holders));
  return {
    at: at.toISOString(),
    connectors,
    privileges: connectors.reduce((sum, c) => sum + c.found, 0),
    unreachable: connectors.filter((c) => c.status === "unreachable").map((c) => c.name),
  };
}
