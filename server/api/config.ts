import { z } from "zod";
import { AdmissionGate } from "@/server/api/admission";
import { env } from "@/server/env";
import { API_RATE_LIMIT, type RateLimit } from "@/server/domain/tokens/rate-limit";

/** A request body larger than this is refused with 413 before it is parsed (the largest real one is ~4 KB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** `?wait=` on POST /requests and GET /grants/{id}: at most this many seconds, so a call never holds a connection for long. */
export const MAX_WAIT_SECONDS = 10;

/** The `?wait=` query of the calls that can wait for a grant to settle (server/api/wait.ts). */
export const ZWaitQuery = z
  .object({
    wait: z.coerce
      .number({ error: "wait must be a number of seconds." })
      .min(0, "wait cannot be negative.")
      .max(MAX_WAIT_SECONDS, `wait is at most ${MAX_WAIT_SECONDS} seconds.`)
      .optional()
      .describe(`Seconds (0–${MAX_WAIT_SECONDS}) to wait for the grant to become active (or fail) before answering`),
  })
  .strict();

/**
 * `KEYCARD_API_RATE_LIMIT`: calls per token per window, as `LIMIT` (per 60 s) or `LIMIT/SECONDS`, e.g.
 * `600/60` (the default) or `5/10`. Tests and the benchmark set it; operators tune it per deployment.
 */
export const ZApiRateLimit = z
  .string()
  .trim()
  .regex(/^\d{1,7}(\/\d{1,6})?$/, "must be LIMIT or LIMIT/SECONDS, e.g. 600/60")
  .transform((value): RateLimit => {
    const [limit, seconds] = value.split("/");
    return { limit: Number(limit), windowSeconds: seconds === undefined ? 60 : Number(seconds) };
  })
  .refine((rate) => rate.limit >= 1 && rate.windowSeconds >= 1, "must allow at least 1 call in a window of at least 1 second");

let warned: string | undefined;

/**
 * Read on every call (a string parse) rather than once, so a test can lower the limit for one case. A
 * bad value falls back to the default with one warning instead of failing every API call.
 */
export function apiRateLimit(source: Record<string, string | undefined> = process.env): RateLimit {
  const raw = source.KEYCARD_API_RATE_LIMIT;
  if (!raw) return API_RATE_LIMIT;
  const parsed = ZApiRateLimit.safeParse(raw);
  if (parsed.success) return parsed.data;
  if (warned !== raw) {
    warned = raw;
    console.warn(`[keycard:api] Invalid configuration: KEYCARD_API_RATE_LIMIT ${parsed.error.issues[0]?.message ?? "is invalid"}; using ${API_RATE_LIMIT.limit}/${API_RATE_LIMIT.windowSeconds}`);
  }
  return API_RATE_LIMIT;
}

const globalForGate = globalThis as unknown as { keycardApiGate?: AdmissionGate };

/** The process's one gate for /api/v1 calls (route handlers are bundled separately; globalThis is shared). */
export function apiAdmissionGate(): AdmissionGate {
  if (!globalForGate.keycardApiGate) {
    const config = env();
    globalForGate.keycardApiGate = new AdmissionGate(config.KEYCARD_API_CONCURRENCY, config.KEYCARD_API_QUEUE_SECONDS * 1000);
  }
  return globalForGate.keycardApiGate;
}
