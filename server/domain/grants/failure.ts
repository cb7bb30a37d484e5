import { DomainError } from "@/server/errors";

/**
 * What a failed provisioning or revocation attempt records on the grant, and so tells its holder (the
 * grant page, the API, the failure notice) and the ledger: Keycard's own words. A connector's or the
 * domain's errors are written for that; anything else is an internal error whose text (a driver's, an
 * ORM's) is not for them, so it goes to the server log and the grant says where to look.
 */
export function grantFailureMessage(error: unknown, grantId: string, during: "provisioning" | "revocation"): string {
  if (error instanceof DomainError) return error.message.slice(0, 1000);
  console.error(`[keycard:${during}] grant ${grantId}:`, error);
  return `An internal error in Keycard stopped the ${during} (the server log has it, under grant ${grantId}).`;
}
