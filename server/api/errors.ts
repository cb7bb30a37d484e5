import { ZodError, z } from "zod";
import { uniqueViolationToConflict } from "@/server/db/unique-violation";
import { errorCodes, isDomainError, type ErrorCode } from "@/server/errors";

/**
 * The HTTP API's error contract: every failure is `{ error: { code, message, details? } }` with the status
 * that the code maps to. Domain errors map through `errorCodes` (server/errors.ts), the one table shared
 * with tRPC; the few failures that only exist at the HTTP layer (wrong media type, body too large, a
 * broken JSON body) have their own codes here. Nothing else reaches the client: an unexpected error is a
 * 500 with a generic message, logged on the server, never a stack trace.
 */

/** Failures of the HTTP exchange itself, before any domain code runs. */
export const httpOnlyCodes = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
} as const;

export type HttpOnlyCode = keyof typeof httpOnlyCodes;
export type ApiErrorCode = ErrorCode | HttpOnlyCode;

export const apiErrorCodes = [...(Object.keys(errorCodes) as ErrorCode[]), ...(Object.keys(httpOnlyCodes) as HttpOnlyCode[])] as [ApiErrorCode, ...ApiErrorCode[]];

export function statusOf(code: ApiErrorCode): number {
  return code in httpOnlyCodes ? httpOnlyCodes[code as HttpOnlyCode] : errorCodes[code as ErrorCode].http;
}

/** Thrown by the HTTP plumbing (server/api/*) for the failures above. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const ZApiError = z
  .object({
    error: z
      .object({
        code: z.enum(apiErrorCodes),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  })
  .strict();
export type ApiErrorBody = z.infer<typeof ZApiError>;

function errorBody(code: ApiErrorCode, message: string, details?: Record<string, unknown>): ApiErrorBody {
  return { error: { code, message, ...(details && Object.keys(details).length ? { details } : {}) } };
}

/** The first zod issue as one sentence, with the field it is about. */
function describeZodError(error: ZodError): { message: string; details: Record<string, unknown> } {
  const flat = z.flattenError(error);
  const first = error.issues[0];
  const field = first?.path.join(".");
  const message = first ? (field ? `${field}: ${first.message}` : first.message) : "The input is not valid.";
  return { message, details: { fieldErrors: flat.fieldErrors, formErrors: flat.formErrors } };
}

/**
 * Prisma could not get a connection (P2024) or run the transaction in time (P2028: not started within
 * maxWait, or expired and rolled back): the server is overloaded, nothing was committed, and the client
 * may retry — a 503 with Retry-After, not a 500.
 */
function isTransientDatabaseError(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "P2024" || code === "P2028";
}

const BUSY_MESSAGE = "Keycard is too busy to answer right now; nothing was changed. Retry in a moment (with the same Idempotency-Key).";

/** The call could not get its turn in time (server/api/admission.ts): nothing was done, retry shortly. */
export function busyError(): ApiError {
  return new ApiError("UNAVAILABLE", BUSY_MESSAGE);
}

export function errorToResponse(thrown: unknown, headers: Headers): Response {
  const error = uniqueViolationToConflict(thrown) ?? thrown;
  let body: ApiErrorBody;
  if (isTransientDatabaseError(error)) {
    console.warn(`[keycard:api] database busy: ${(error as Error).message.split("\n").filter(Boolean).at(-1) ?? "timeout"}`);
    headers.set("Retry-After", "1");
    body = errorBody("UNAVAILABLE", BUSY_MESSAGE);
  } else if (isDomainError(error)) {
    body = errorBody(error.code, error.message, error.details);
    if (error.code === "RATE_LIMITED" && typeof error.details?.retryAfterSeconds === "number") {
      headers.set("Retry-After", String(error.details.retryAfterSeconds));
    }
  } else if (error instanceof ApiError) {
    body = errorBody(error.code, error.message, error.details);
    if (error.code === "UNAVAILABLE") headers.set("Retry-After", "1");
  } else if (error instanceof ZodError) {
    const { message, details } = describeZodError(error);
    body = errorBody("VALIDATION", message, details);
  } else {
    console.error("[keycard:api] unexpected error:", error);
    body = errorBody("INTERNAL", "Something went wrong on our side; the request may be retried.");
  }
  return Response.json(body, { status: statusOf(body.error.code), headers });
}
