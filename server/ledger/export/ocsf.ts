import { encodeFieldsForHash } from "@/server/ledger/hash";
import type { ExportRow } from "@/server/ledger/export/formats";

/**
 * Ledger events as OCSF 1.8.0 events (Identity & Access Management, category 3), one JSON object per
 * line: grants and revocations as User Access Management (3005, Assign / Revoke Privileges), sign-ins as
 * Authentication (3002, Logon), everything else — requests, decisions, identities, policies, the
 * ledger's own events — as Entity Management (3004). `type_uid` is class_uid × 100 + activity_id.
 *
 * `raw_data` is the event's canonical encoding and `raw_data_hash` its SHA-256, which is the ledger
 * hash: an OCSF consumer can re-hash every event, and follow the chain through `prevHash` in raw_data.
 */

export const OCSF_VERSION = "1.8.0";
const IAM = { uid: 3, name: "Identity & Access Management" };

interface ClassChoice {
  classUid: 3002 | 3004 | 3005;
  activityId: number;
  activityName: string;
}

const USER_ACCESS = { uid: 3005, name: "User Access Management" } as const;
const ENTITY_MANAGEMENT = { uid: 3004, name: "Entity Management" } as const;
const AUTHENTICATION = { uid: 3002, name: "Authentication" } as const;

const ASSIGN = { classUid: 3005, activityId: 1, activityName: "Assign Privileges" } as const;
const REVOKE = { classUid: 3005, activityId: 2, activityName: "Revoke Privileges" } as const;
const LOGON = { classUid: 3002, activityId: 1, activityName: "Logon" } as const;
const entity = (activityId: number, activityName: string): ClassChoice => ({ classUid: 3004, activityId, activityName });
const CREATE = entity(1, "Create");
const READ = entity(2, "Read");
const UPDATE = entity(3, "Update");
const DELETE = entity(4, "Delete");
const ENABLE = entity(8, "Enable");
const DISABLE = entity(9, "Disable");

/** Actions with a specific mapping; the rest fall back by verb (below). */
const MAPPING: Record<string, ClassChoice> = {
  "auth/session.signed_in": LOGON,
  "auth/session.refused": LOGON,
  "access/grant.activated": ASSIGN,
  "access/grant.extended": ASSIGN,
  "access/break_glass.activated": ASSIGN,
  "access/grant.revoked": REVOKE,
  "access/grant.released": REVOKE,
  "access/request.created": CREATE,
  "access/grant.scheduled": CREATE,
  "identity/identity.created": CREATE,
  "identity/token.created": CREATE,
  "identity/group.created": CREATE,
  "identity/oncall.shift_added": CREATE,
  "catalog/resource.created": CREATE,
  "catalog/connector.created": CREATE,
  "notifications/webhook.created": CREATE,
  "notifications/webhook.enabled": ENABLE,
  "notifications/webhook.disabled": DISABLE,
  "notifications/webhook.deleted": DELETE,
  "ledger/checkpoint.signed": CREATE,
  "ledger/evidence_pack.requested": CREATE,
  "ledger/evidence_pack.generated": CREATE,
  "ledger/export.created": READ,
  "access/grant.credential_revealed": READ,
  "identity/identity.disabled": DISABLE,
  "identity/identity.enabled": ENABLE,
  "identity/token.revoked": DELETE,
  "identity/oncall.shift_removed": DELETE,
};

export function ocsfClassFor(action: string): ClassChoice {
  return MAPPING[action] ?? UPDATE;
}

const CLASS_NAMES: Record<number, string> = { 3002: AUTHENTICATION.name, 3004: ENTITY_MANAGEMENT.name, 3005: USER_ACCESS.name };

/** What kind of thing an event's subject is, in words, for Entity Management's `entity.type`. */
const SUBJECT_TYPES: Record<string, string> = {
  request: "Access request",
  grant: "Grant",
  identity: "Identity",
  token: "API token",
  group: "Group",
  oncall_shift: "On-call shift",
  resource: "Resource",
  connector: "Connector",
  policy: "Policy",
  ledger: "Ledger",
  export: "Ledger export",
  evidence_pack: "Evidence pack",
  webhook_endpoint: "Webhook endpoint",
};

const EMAIL = /^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

type OcsfUser = { uid?: string; name?: string; email_addr?: string; type_id: number; type: string };

function person(uid: string | null, label: string | null, kind: string | null): OcsfUser {
  const user: OcsfUser = { type_id: kind === "machine" || kind === "MACHINE" ? 4 : 1, type: kind === "machine" || kind === "MACHINE" ? "Service" : "User" };
  if (uid) user.uid = uid;
  if (label) {
    user.name = label;
    if (EMAIL.test(label)) user.email_addr = label;
  }
  if (!user.uid && !user.name) user.name = "unknown";
  return user;
}

function actorOf(row: ExportRow) {
  if (row.actorType === "system") return { app_name: row.actorLabel, app_uid: row.actorId ?? row.actorLabel };
  return { user: person(row.actorId, row.actorLabel, row.actorType) };
}

/** The person whose access an event is about: the grant holder, else the subject identity, else the actor. */
function affectedUser(row: ExportRow): OcsfUser {
  if (row.granteeId) {
    const user = person(row.granteeId, row.granteeEmail ?? row.granteeName, row.granteeKind);
    if (row.granteeName) user.name = row.granteeName;
    return user;
  }
  if (row.subjectType === "identity" && row.subjectId) return person(row.subjectId, row.subjectId === row.actorId ? row.actorLabel : null, row.actorType);
  return person(row.actorId, row.actorLabel, row.actorType);
}

function privilegesOf(row: ExportRow, data: Record<string, unknown>): string[] {
  const level = row.accessLevelKey ?? (typeof data.accessLevel === "string" ? data.accessLevel : null);
  const resource = row.resourceSlug ?? row.resourceName ?? row.resourceId;
  if (level && resource) return [`${resource}:${level}`];
  if (level) return [level];
  return [resource ? `${resource}:access` : "access"];
}

export function toOcsf(row: ExportRow, product: { version: string }): Record<string, unknown> {
  const choice = ocsfClassFor(row.action);
  const data = safeObject(row.dataJson);
  const failed = row.outcome !== "success";
  const time = Date.parse(row.occurredAt);
  const event: Record<string, unknown> = {
    activity_id: choice.activityId,
    activity_name: choice.activityName,
    category_uid: IAM.uid,
    category_name: IAM.name,
    class_uid: choice.classUid,
    class_name: CLASS_NAMES[choice.classUid],
    type_uid: choice.classUid * 100 + choice.activityId,
    type_name: `${CLASS_NAMES[choice.classUid]}: ${choice.activityName}`,
    severity_id: failed ? 3 : 1,
    severity: failed ? "Medium" : "Informational",
    status_id: failed ? 2 : 1,
    status: failed ? "Failure" : "Success",
    status_detail: row.outcome,
    time,
    timezone_offset: 0,
    message: row.summary,
    metadata: {
      product: { name: "Keycard", vendor_name: "Keycard", version: product.version },
      version: OCSF_VERSION,
      uid: row.id,
      log_name: "keycard-ledger",
      event_code: row.action,
      original_time: row.occurredAt,
      ...(row.requestId ? { correlation_uid: row.requestId } : {}),
    },
    actor: actorOf(row),
    // A row in a format that does not exist (tampered with) has no encoding: empty raw_data fails every check.
    raw_data: encodeFieldsForHash(row) ?? "",
    raw_data_hash: { algorithm_id: 3, algorithm: "SHA-256", value: row.hash },
    unmapped: { keycard: { seq: row.seq, format: row.format, prev_hash: row.prevHash, outcome: row.outcome, subject_type: row.subjectType, subject_id: row.subjectId, grant_id: row.grantId, request_id: row.requestId } },
  };
  if (choice.classUid === 3005) {
    event.user = affectedUser(row);
    event.privileges = privilegesOf(row, data);
    if (row.resourceId) event.resources = [{ uid: row.resourceId, name: row.resourceName ?? row.resourceSlug ?? row.resourceId, type: "Keycard resource" }];
  } else if (choice.classUid === 3002) {
    event.user = affectedUser(row);
    event.service = { name: "Keycard", uid: "keycard" };
    event.auth_protocol_id = data.method === "oidc" ? 4 : 99;
    event.auth_protocol = data.method === "oidc" ? "OpenID" : String(data.method ?? "Other");
    event.is_mfa = false;
  } else {
    const subjectName = row.subjectType === "request" || row.subjectType === "grant" ? `${SUBJECT_TYPES[row.subjectType]} ${row.subjectId ?? ""}`.trim() : undefined;
    event.entity = {
      ...(row.subjectId ? { uid: row.subjectId } : {}),
      name: subjectName ?? `${SUBJECT_TYPES[row.subjectType] ?? row.subjectType}${row.subjectId ? ` ${row.subjectId}` : ""}`,
      type: SUBJECT_TYPES[row.subjectType] ?? row.subjectType,
      ...(row.subjectType === "identity" ? { type_id: 2 } : row.subjectType === "policy" ? { type_id: 5 } : {}),
      data: JSON.parse(row.dataJson) as unknown,
    };
    if (typeof data.comment === "string" && data.comment) event.comment = data.comment;
    else if (typeof data.justification === "string") event.comment = data.justification;
  }
  return event;
}

function safeObject(json: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function ocsfLine(row: ExportRow, product: { version: string }): string {
  return `${JSON.stringify(toOcsf(row, product))}\n`;
}
