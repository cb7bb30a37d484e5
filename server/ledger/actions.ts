/**
 * Every action the ledger records, named `area/noun.verb`. The catalog is the ledger search's action
 * filter and the source of each action's label; adding a capability adds its actions here.
 */
export const ledgerActions = {
  "auth/session.signed_in": "Signed in",
  "auth/session.refused": "Sign-in refused",
  "identity/identity.created": "Identity created",
  "identity/identity.updated": "Identity updated",
  "identity/identity.disabled": "Identity disabled",
  "identity/identity.enabled": "Identity enabled",
  "identity/roles.changed": "Roles changed",
  "identity/token.created": "API token created",
  "identity/token.revoked": "API token revoked",
  "catalog/resource.created": "Resource created",
  "catalog/resource.updated": "Resource updated",
  "catalog/connector.created": "Connector created",
  "catalog/connector.updated": "Connector updated",
  "policy/policy.changed": "Policy changed",
  "access/request.created": "Request created",
  "access/request.approved": "Request approved",
  "access/request.denied": "Request denied",
  "access/request.cancelled": "Request cancelled",
  "access/request.expired": "Request expired",
  "access/request.escalated": "Request escalated",
  "access/decision.recorded": "Decision recorded",
  "access/grant.scheduled": "Grant scheduled",
  "access/grant.provisioned": "Grant provisioned",
  "access/grant.activated": "Grant activated",
  "access/grant.extended": "Grant extended",
  "access/grant.released": "Grant released",
  "access/grant.revoke_requested": "Revocation requested",
  "access/grant.credential_revealed": "Credentials viewed",
  "access/grant.revoked": "Grant revoked",
  "access/grant.failed": "Grant failed",
  "access/grant.drift_found": "Drift found",
  "access/break_glass.activated": "Break-glass activated",
  "access/break_glass.reviewed": "Break-glass reviewed",
  "ledger/checkpoint.signed": "Checkpoint signed",
  "ledger/chain.broken": "Chain verification failed",
  "ledger/export.created": "Ledger exported",
  "ledger/evidence_pack.requested": "Evidence pack requested",
  "ledger/evidence_pack.generated": "Evidence pack generated",
  "reports/privilege.baselined": "Privilege marked baseline",
  "reports/privilege.converted": "Privilege converted to JIT",
  "system/demo.seeded": "Demo data seeded",
} as const;

export type LedgerAction = keyof typeof ledgerActions;

export type LedgerOutcome = "success" | "failure" | "denied";
