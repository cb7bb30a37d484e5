import type { GrantStatus, PrivilegeClass } from "@/server/generated/prisma/enums";

/**
 * The three classes of a privilege found in a target (pure):
 * - JIT: covered by a live Keycard grant (the target object is named from the grant id), or a helper
 *   Keycard manages (MariaDB's per-person umbrella role);
 * - BASELINE: an admin declared it legitimately standing, and the review date has not passed;
 * - STANDING: everything else — including a Keycard object whose grant has ended (drift the reconciler
 *   removes) and a baseline whose review date has passed (it must be looked at again).
 */

/** A grant in these states has (or is about to have, or is removing) its object in the target. */
const liveGrantStatuses: ReadonlySet<GrantStatus> = new Set(["PROVISIONING", "ACTIVE", "REVOKING"]);

export interface ClassifyInput {
  keycardGrantId: string | null;
  managedByKeycard: boolean;
  /** Status of `keycardGrantId`'s grant; undefined when Keycard has no such grant. */
  grantStatus?: GrantStatus;
  baseline?: { reviewAt: Date } | null;
  now: Date;
}

export interface Classified {
  classification: PrivilegeClass;
  /** Why, when it is not the obvious reading (shown in the report). */
  note: string | null;
}

export function classifyPrivilege(input: ClassifyInput): Classified {
  if (input.keycardGrantId) {
    if (input.grantStatus && liveGrantStatuses.has(input.grantStatus)) return { classification: "JIT", note: null };
    const state = input.grantStatus ? `is ${input.grantStatus.toLowerCase()}` : "is unknown to Keycard";
    return { classification: "STANDING", note: `Left behind by Keycard grant ${input.keycardGrantId}, which ${state}; reconciliation removes it.` };
  }
  if (input.managedByKeycard) return { classification: "JIT", note: null };
  if (input.baseline) {
    if (input.baseline.reviewAt.getTime() > input.now.getTime()) return { classification: "BASELINE", note: null };
    return { classification: "STANDING", note: `Baseline review was due ${input.baseline.reviewAt.toISOString().slice(0, 10)}; it counts as standing until reviewed again.` };
  }
  return { classification: "STANDING", note: null };
}
