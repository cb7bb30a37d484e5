import type { ConnectorErrorKind } from "./errors";

/**
 * The contract every target connector implements (docs/connectors.md). The domain (provisioning,
 * the revocation timer, the sweeper, reconciliation, usage collection) only ever talks to this interface.
 *
 * Rules every implementation keeps:
 * - grant, revoke and verify are keyed by the grant id, never by user + resource: every principal or
 *   role a connector creates is named from the grant id, so two grants never share a target object and
 *   a retry finds exactly what an earlier (possibly crashed) attempt left behind;
 * - grant and revoke are idempotent: a second grant creates nothing new, a revoke of something already
 *   gone succeeds;
 * - overlapping grants are a union: revoking one grant removes only what that grant added, so access
 *   that another active grant still covers stays;
 * - names and SQL identifiers are generated (never taken from user input) and always quoted by the
 *   driver's or the database's own quoting; settings, privileges and targets are validated by zod
 *   schemas before anything reaches the target.
 */

export type ConnectorKind = "POSTGRES" | "MARIADB" | "REDIS" | "WEBHOOK";
export type ProvisioningMode = "ROLE_ELEVATION" | "EPHEMERAL_CREDENTIAL";

export type TestConnectionResult =
  | { ok: true; details: string }
  | { ok: false; error: string; kind: ConnectorErrorKind };

/** An access level as configured (AccessLevel.mode/privilege + Resource.target), before validation. */
export interface AccessLevelSpec {
  mode: ProvisioningMode;
  /** AccessLevel.privilege JSON; validated by the connector's privilege schema. */
  privilege: unknown;
  /** Resource.target JSON; validated by the connector's target schema. */
  target: unknown;
}

export interface GrantSubject {
  identityId: string;
  email: string;
  name: string;
  /** ROLE_ELEVATION only: the person's existing login in the target (PostgreSQL role, MariaDB `user` or `user@host`). */
  targetLogin?: string;
}

export interface GrantSpec extends AccessLevelSpec {
  /** The Grant row's id (a UUID): every target object is named from it. */
  grantId: string;
  subject: GrantSubject;
  /** When the grant ends; targets that can enforce an end themselves (PostgreSQL VALID UNTIL) get it too. */
  endsAt: Date;
  /**
   * EPHEMERAL_CREDENTIAL only. A repeated grant (retry, extension with a new endsAt) keeps the existing
   * password and returns no credential. Set this when the earlier credential was lost (the process died
   * after the target call but before it was recorded): the password is replaced and the new one returned.
   */
  rotateCredential?: boolean;
}

/** Shown to the requester once; never logged, never put in `details`. */
export interface IssuedCredential {
  username: string;
  password: string;
  host: string;
  port: number;
  database?: string;
  connectionString?: string;
}

export type OutcomeDetails = Record<string, string | number | boolean>;

export interface GrantOutcome {
  /** The principal that now holds the access (the ephemeral login, or the person's login). */
  principal: string;
  /** False when everything already existed (a repeated grant). */
  created: boolean;
  /** Non-secret facts for the grant detail page and the ledger (names of target objects, expiry…). */
  details: OutcomeDetails;
  /** EPHEMERAL_CREDENTIAL: present when the connector generated a password in this call. */
  credential?: IssuedCredential;
}

export interface RevokeOutcome {
  principal: string;
  /** False when there was nothing left to remove (already revoked). */
  removed: boolean;
  /** Live sessions/connections that were ended. */
  sessionsEnded: number;
  details: OutcomeDetails;
}

export interface VerifyResult {
  /** The grant's access is in place and usable in the target. */
  present: boolean;
  /** Some of the grant's target objects exist but the access is incomplete (a crashed grant or revoke). */
  partial?: boolean;
  detail?: string;
}

export type PrincipalKind = "LOGIN" | "ROLE" | "USER" | "EXTERNAL";
export type PrivilegeKind =
  | "ROLE_MEMBERSHIP"
  | "ROLE_ATTRIBUTE"
  | "GLOBAL_PRIVILEGE"
  | "DATABASE_PRIVILEGE"
  | "TABLE_PRIVILEGE"
  | "ACL_RULES"
  | "EXTERNAL";

/** One privilege held by one principal in the target, as found by `inventory()`. */
export interface InventoryEntry {
  /** Stable name of the holder in the target's own terms (PostgreSQL role, MariaDB `user@host` or role, Redis user). */
  principal: string;
  principalKind: PrincipalKind;
  /** Stable name of the privilege (`orders_read`, `SUPERUSER`, `SELECT ON billing.*`, Redis rules…). */
  privilege: string;
  privilegeKind: PrivilegeKind;
  /** The grant this entry belongs to, when Keycard created it for a grant (derived from the object name). */
  keycardGrantId: string | null;
  /** True for every object Keycard created, including per-person helpers that belong to no single grant. */
  managedByKeycard: boolean;
  detail?: string;
}

/** When a principal was last seen using the target (a sample; targets only know about live sessions). */
export interface UsageSample {
  principal: string;
  lastUsedAt: Date;
  /** Live sessions/connections at sampling time. */
  sessions: number;
  /** Where the figure comes from (pg_stat_activity, processlist, CLIENT LIST). */
  source: string;
}

export interface ConnectorCapabilities {
  modes: readonly ProvisioningMode[];
  /** Revoke ends the principal's live sessions. */
  endsSessions: boolean;
  /** The target enforces the grant's end by itself too (PostgreSQL VALID UNTIL). */
  targetEnforcedExpiry: boolean;
  usage: { supported: boolean; note: string };
}

export interface Connector {
  readonly kind: ConnectorKind;
  readonly capabilities: ConnectorCapabilities;
  /** Reachability, credentials and the connector user's own rights; specific errors, never throws. */
  testConnection(): Promise<TestConnectionResult>;
  /** Shape and existence in the target (role/database exists) of an access level; never throws. */
  validateAccessLevel(level: AccessLevelSpec): Promise<TestConnectionResult>;
  grant(spec: GrantSpec): Promise<GrantOutcome>;
  /** Removes what this grant added and ends live sessions where the target allows. */
  revoke(spec: GrantSpec): Promise<RevokeOutcome>;
  verify(spec: GrantSpec): Promise<VerifyResult>;
  inventory(): Promise<InventoryEntry[]>;
  usage(): Promise<UsageSample[]>;
  close(): Promise<void>;
}
