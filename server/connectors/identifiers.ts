import { createHash, randomInt } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";

/**
 * Names that reach a target. Admin-typed names (roles, databases, logins) are checked against a small
 * ASCII alphabet with a specific reason for each refusal; names Keycard creates are derived from the
 * grant id only. Quoting by the driver still happens for every name: validation is the first wall, not
 * the only one.
 */

/** Prefix of every object Keycard creates; admins cannot configure names in this namespace. */
export const keycardPrefix = "kc_";

/** Why a configured name is refused, or null when it is acceptable. The order gives the most specific reason. */
export function unsafeNameReason(value: string, options: { maxLength: number; extraChars?: string } ): string | null {
  if (value.length === 0) return "must not be empty";
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return "contains a control character";
  if (/['"`]/.test(value)) return "contains a quote";
  if (value.includes(";")) return "contains a semicolon";
  if (value.includes("\\")) return "contains a backslash";
  if (/[^\x20-\x7e]/.test(value)) {
    return "contains non-ASCII characters (look-alike letters such as Cyrillic 'а', full-width or zero-width characters are refused)";
  }
  if (/\s/.test(value)) return "contains whitespace";
  if (value.length > options.maxLength) return `is longer than ${options.maxLength} characters`;
  const extra = (options.extraChars ?? "").replace(/[\\\]^-]/g, "\\$&");
  if (!new RegExp(`^[A-Za-z_][A-Za-z0-9_${extra}-]*$`).test(value)) {
    return `may only contain letters, digits, '_'${options.extraChars ? `, '${options.extraChars.split("").join("', '")}'` : ""} and '-', and must start with a letter or '_'`;
  }
  return null;
}

/** A zod string for an admin-configured SQL name (role, database, login). */
export function zSqlName(options: { maxLength: number; reservedAllowed?: boolean } = { maxLength: 63 }) {
  return z.string().superRefine((value, ctx) => {
    const reason = unsafeNameReason(value, options);
    if (reason) ctx.addIssue({ code: "custom", message: `name ${reason}` });
    else if (!options.reservedAllowed && value.toLowerCase().startsWith(keycardPrefix)) {
      ctx.addIssue({ code: "custom", message: `names starting with '${keycardPrefix}' are reserved for objects Keycard creates` });
    }
  });
}

/** A host name or IP address: letters, digits, dots, hyphens (or an IPv6 literal). */
export const zHost = z.string().superRefine((value, ctx) => {
  if (isIP(value)) return;
  const reason = unsafeNameReason(value.replace(/\./g, "_"), { maxLength: 253 });
  if (reason || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) {
    ctx.addIssue({ code: "custom", message: `host ${reason ?? "must be a host name or an IP address"}` });
  }
});

export const zPort = z.number().int().min(1).max(65535);

/** Grant ids are UUIDs (any version); the hex digits name the target objects. */
export const zGrantId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "grant id must be a UUID");

function grantHex(grantId: string): string {
  return zGrantId.parse(grantId).replace(/-/g, "").toLowerCase();
}

/**
 * The full 32 hex digits of the grant id go into every name, so a name found in the target maps back to
 * its grant without any lookup table (inventory and reconciliation depend on it). 35–37 characters fit
 * PostgreSQL (63), MariaDB users (80) and roles (128) and Redis (no limit).
 */
export function ephemeralPrincipalName(grantId: string): string {
  return `${keycardPrefix}${grantHex(grantId)}`;
}

/** A per-grant NOLOGIN role (PostgreSQL) or role (MariaDB) that carries one grant's membership. */
export function grantRoleName(grantId: string): string {
  return `${keycardPrefix}g_${grantHex(grantId)}`;
}

/** A per-person helper (MariaDB umbrella role): stable for a login, not tied to one grant. */
export function personRoleName(login: string): string {
  return `${keycardPrefix}u_${createHash("sha256").update(login).digest("hex").slice(0, 32)}`;
}

export type KeycardName = { kind: "ephemeral" | "grant-role"; grantId: string } | { kind: "person-role"; grantId: null };

/** Recognises names Keycard creates; null for anything else. */
export function parseKeycardName(name: string): KeycardName | null {
  const match = /^kc_(g_|u_)?([0-9a-f]{32})$/.exec(name);
  if (!match) return null;
  const hex = match[2] ?? "";
  if (match[1] === "u_") return { kind: "person-role", grantId: null };
  const grantId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { kind: match[1] === "g_" ? "grant-role" : "ephemeral", grantId };
}

const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** 32 alphanumeric characters (~190 bits): safe in URLs, shells and every target's password syntax. */
export function generatePassword(length = 32): string {
  let out = "";
  for (let i = 0; i < length; i++) out += passwordAlphabet[randomInt(passwordAlphabet.length)];
  return out;
}

/** Turns a zod failure into one readable sentence naming the field. */
export function describeZodError(error: z.ZodError, what: string): { message: string; field?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: `invalid ${what}` };
  const field = issue.path.map(String).join(".");
  return { message: `invalid ${what}${field ? ` (${field})` : ""}: ${issue.message}`, ...(field ? { field } : {}) };
}

/**
 * Which grant an inventory entry belongs to, from the names involved (holder first, then privilege):
 * a name carrying a grant id wins; a per-person helper marks the entry as Keycard's without a grant.
 */
export function keycardOwnership(...names: string[]): { keycardGrantId: string | null; managedByKeycard: boolean } {
  const parsed = names.map(parseKeycardName).filter((p) => p !== null);
  const withGrant = parsed.find((p) => p.grantId !== null);
  return { keycardGrantId: withGrant?.grantId ?? null, managedByKeycard: parsed.length > 0 };
}
