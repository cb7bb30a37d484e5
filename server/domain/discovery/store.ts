import { randomUUID } from "node:crypto";
import type { Db } from "@/server/db";
import { lockByName } from "@/server/db/locks";
import type { IdentityKind, PrivilegeClass } from "@/server/generated/prisma/enums";

/**
 * Writing one connector's inventory: every privilege seen is upserted with `lastSeenAt = seenAt`, then every
 * earlier one not seen this time gets `goneAt`. Both run in one transaction under a per-connector advisory
 * lock, so two discoveries of the same target (a schedule and an on-demand run) never interleave, and a
 * crash leaves the previous inventory whole. Rows travel as arrays (`unnest`), a few thousand per
 * statement: 60,000 privileges are a dozen statements, not 60,000.
 *
 * Only a successful inventory reaches this module: an unreachable target never marks anything gone.
 */

export interface PrivilegeRecord {
  principal: string;
  privilege: string;
  privilegeKind: string;
  identityId: string | null;
  resourceId: string | null;
  holderKind: IdentityKind | null;
  classification: PrivilegeClass;
}

export interface StoreResult {
  upserted: number;
  /** Privileges that were present before and were not in this inventory. */
  gone: number;
}

const CHUNK = 5_000;

export async function storeInventory(db: Db, connectorId: string, records: readonly PrivilegeRecord[], seenAt: Date): Promise<StoreResult> {
  const seen = seenAt.toISOString();
  return db.$transaction(
    async (tx) => {
      await lockByName(tx, `discovery:${connectorId}`);
      let upserted = 0;
      for (let start = 0; start < records.length; start += CHUNK) {
        const chunk = records.slice(start, start + CHUNK);
        upserted += await tx.$executeRawUnsafe(
          `INSERT INTO "DiscoveredPrivilege"
             ("id", "connectorId", "principal", "privilege", "privilegeKind", "identityId", "resourceId", "holderKind", "classification", "firstSeenAt", "lastSeenAt", "goneAt")
           SELECT t.id::uuid, $1::uuid, t.principal, t.privilege, t.kind, t.identity::uuid, t.resource::uuid,
                  t.holder::"IdentityKind", t.class::"PrivilegeClass", $2::timestamp(3), $2::timestamp(3), NULL
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                  AS t(id, principal, privilege, kind, identity, resource, holder, class)
           ON CONFLICT ("connectorId", "principal", "privilege") DO UPDATE SET
             "privilegeKind" = EXCLUDED."privilegeKind",
             "identityId" = EXCLUDED."identityId",
             "resourceId" = EXCLUDED."resourceId",
             "holderKind" = EXCLUDED."holderKind",
             "classification" = EXCLUDED."classification",
             -- A privilege that comes back after it was gone (re-added by hand) is new again.
             "firstSeenAt" = CASE WHEN "DiscoveredPrivilege"."goneAt" IS NOT NULL THEN EXCLUDED."firstSeenAt" ELSE "DiscoveredPrivilege"."firstSeenAt" END,
             "lastSeenAt" = GREATEST("DiscoveredPrivilege"."lastSeenAt", EXCLUDED."lastSeenAt"),
             "goneAt" = NULL`,
          connectorId,
          seen,
          chunk.map(() => randomUUID()),
          chunk.map((r) => r.principal),
          chunk.map((r) => r.privilege),
          chunk.map((r) => r.privilegeKind),
          chunk.map((r) => r.identityId),
          chunk.map((r) => r.resourceId),
          chunk.map((r) => r.holderKind),
          chunk.map((r) => r.classification),
        );
      }
      const gone = await tx.$executeRawUnsafe(
        `UPDATE "DiscoveredPrivilege" SET "goneAt" = $2::timestamp(3)
          WHERE "connectorId" = $1::uuid AND "goneAt" IS NULL AND "lastSeenAt" < $2::timestamp(3)`,
        connectorId,
        seen,
      );
      return { upserted, gone };
    },
    { timeout: 180_000, maxWait: 30_000 },
  );
}
