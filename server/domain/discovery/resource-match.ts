import type { ConnectorKind } from "@/server/connectors/types";
import { parseRedisRules, redisKeyPatterns } from "@/server/domain/discovery/redis-rules";

/**
 * Which resource a discovered privilege gives access to, from the resources' access levels on the same
 * connector (pure). A privilege that reaches several resources (one role behind a production and a
 * staging resource) belongs to the most sensitive one: that is the exposure it represents.
 */

export interface LevelRef {
  resourceId: string;
  resourceName: string;
  tier: number;
  /** AccessLevel.privilege as stored. */
  privilege: unknown;
  /** Resource.target as stored. */
  target: unknown;
}

export interface ResourceMatch {
  resourceId: string;
  resourceName: string;
  tier: number;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `SELECT ON billing.*` / `SELECT ON billing.invoices` → `billing`. */
function mariadbDatabaseOf(privilege: string): string | null {
  const match = / ON ([^.]+)\.(.+)$/.exec(privilege);
  return match?.[1] && match[1] !== "*" ? match[1] : null;
}

function levelMatches(kind: ConnectorKind, privilegeKind: string, privilege: string, level: LevelRef): boolean {
  switch (kind) {
    case "POSTGRES":
      return privilegeKind === "ROLE_MEMBERSHIP" && field(level.privilege, "role") === privilege;
    case "MARIADB": {
      if (privilegeKind === "ROLE_MEMBERSHIP") return field(level.privilege, "role") === privilege;
      const database = mariadbDatabaseOf(privilege);
      return database !== null && field(level.target, "database") === database;
    }
    case "REDIS": {
      if (privilegeKind !== "ACL_RULES") return false;
      const rules = parseRedisRules(privilege);
      const patterns = redisKeyPatterns(rules);
      if (rules.allKeys) return true;
      const levelPatterns = [
        ...strings(field(level.privilege, "keys")),
        ...strings(field(level.privilege, "readKeys")),
        ...strings(field(level.privilege, "writeKeys")),
        ...(typeof field(level.target, "keyPattern") === "string" ? [field(level.target, "keyPattern") as string] : []),
      ];
      return patterns.some((pattern) => levelPatterns.includes(pattern));
    }
    case "WEBHOOK": {
      // The automation names privileges in its own terms; a level whose JSON carries that name maps to it.
      const values = Object.values(typeof level.privilege === "object" && level.privilege !== null ? level.privilege : {});
      return values.some((value) => value === privilege || (Array.isArray(value) && value.includes(privilege)));
    }
    default:
      return false;
  }
}

export function matchResource(kind: ConnectorKind, entry: { privilegeKind: string; privilege: string }, levels: readonly LevelRef[]): ResourceMatch | null {
  let best: ResourceMatch | null = null;
  for (const level of levels) {
    if (!levelMatches(kind, entry.privilegeKind, entry.privilege, level)) continue;
    if (!best || level.tier < best.tier) best = { resourceId: level.resourceId, resourceName: level.resourceName, tier: level.tier };
  }
  return best;
}
