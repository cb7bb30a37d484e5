/**
 * The one error type the domain throws. Each code maps once to a tRPC code (server/trpc/init.ts) and an
 * HTTP status (the /api/v1 handlers); the UI shows a specific message per code.
 */
export const errorCodes = {
  UNAUTHENTICATED: { http: 401, trpc: "UNAUTHORIZED" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN" },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND" },
  VALIDATION: { http: 400, trpc: "BAD_REQUEST" },
  CONFLICT: { http: 409, trpc: "CONFLICT" },
  INVALID_TRANSITION: { http: 409, trpc: "CONFLICT" },
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS" },
  UNAVAILABLE: { http: 503, trpc: "INTERNAL_SERVER_ERROR" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields for the client (e.g. which input field is wrong). Never secrets. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
