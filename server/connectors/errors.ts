import { DomainError, type ErrorCode } from "@/server/errors";

/**
 * What went wrong when talking to a target. The kind decides what the admin page says and what the
 * provisioning/revocation jobs do: `retryable` errors are retried with backoff (a revoke never stops
 * retrying), the others need a person to fix the connector or the access level first.
 */
export const connectorErrorKinds = ["UNREACHABLE", "AUTH", "NOT_FOUND", "INVALID", "TIMEOUT", "REFUSED"] as const;
export type ConnectorErrorKind = (typeof connectorErrorKinds)[number];

/** Configuration mistakes surface as VALIDATION (HTTP 400); a target that misbehaves as UNAVAILABLE. */
const domainCodeOf: Record<ConnectorErrorKind, ErrorCode> = {
  INVALID: "VALIDATION",
  NOT_FOUND: "VALIDATION",
  AUTH: "UNAVAILABLE",
  UNREACHABLE: "UNAVAILABLE",
  TIMEOUT: "UNAVAILABLE",
  REFUSED: "UNAVAILABLE",
};

const retryableByDefault: Record<ConnectorErrorKind, boolean> = {
  UNREACHABLE: true,
  TIMEOUT: true,
  REFUSED: true,
  AUTH: false,
  NOT_FOUND: false,
  INVALID: false,
};

export class ConnectorError extends DomainError {
  override name = "ConnectorError";
  readonly retryable: boolean;
  /**
   * What the target itself said (a webhook's response body), for admins testing the connector only. The
   * message is Keycard's own words and travels on (the grant, the requester's notice, the ledger); the
   * target's text is not Keycard's to pass on to them.
   */
  readonly detail: string | null;

  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    options: { retryable?: boolean; field?: string; cause?: unknown; detail?: string } = {},
  ) {
    const retryable = options.retryable ?? retryableByDefault[kind];
    super(domainCodeOf[kind], message, { kind, retryable, ...(options.field ? { field: options.field } : {}) });
    this.retryable = retryable;
    this.detail = options.detail || null;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** The error as an admin testing the connector reads it: the message, and what the target answered. */
export function messageForAdmins(error: ConnectorError): string {
  return error.detail ? `${error.message} — it answered: ${error.detail}` : error.message;
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}

/** Node's socket-level error codes: the target could not be reached at all. */
const unreachableCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNRESET", "EPIPE"]);

/** Every `code` along an error's cause chain (drivers wrap socket errors: a pool timeout caused by ECONNREFUSED). */
export function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== "object" || error === null || depth > 5) return [];
  const code = (error as { code?: unknown }).code;
  return [...(typeof code === "string" ? [code] : []), ...errorCodes((error as { cause?: unknown }).cause, depth + 1)];
}

/** Maps socket-level failures shared by every driver; returns undefined for anything else. */
export function networkError(error: unknown, where: string): ConnectorError | undefined {
  const codes = errorCodes(error);
  if (codes.includes("ETIMEDOUT")) return new ConnectorError("TIMEOUT", `timed out connecting to ${where}`, { cause: error });
  if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN")) return new ConnectorError("UNREACHABLE", `cannot resolve the host of ${where}`, { cause: error });
  const code = codes.find((c) => unreachableCodes.has(c));
  if (code) {
    const reason = code === "ECONNREFUSED" ? "connection refused" : code;
    return new ConnectorError("UNREACHABLE", `cannot reach ${where} (${reason})`, { cause: error });
  }
  return undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
