import type { Db } from "@/server/db";
import { DomainError } from "@/server/errors";

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** Per token: generous for automation, tight enough to stop a runaway loop. */
export const API_RATE_LIMIT: RateLimit = { limit: 600, windowSeconds: 60 };

/** The fixed window `now` falls in, and the seconds until it resets. */
export function rateWindow(rate: RateLimit, now = Date.now()): { windowStart: Date; resetSeconds: number } {
  const windowMs = rate.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
  return { windowStart, resetSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now) / 1000)) };
}

/** The verdict on the `count`th call of a window: what is left, or RATE_LIMITED (→ 429 + Retry-After). */
export function judgeRateLimit(count: number, rate: RateLimit, resetSeconds: number): { remaining: number; resetSeconds: number } {
  if (count > rate.limit) {
    throw new DomainError("RATE_LIMITED", `Too many requests: at most ${rate.limit} per ${rate.windowSeconds} s for this token.`, { retryAfterSeconds: resetSeconds });
  }
  return { remaining: rate.limit - count, resetSeconds };
}

/**
 * Fixed-window counter in the database, so every instance behind the load balancer shares it. One
 * upsert per call (API tokens count theirs in the statement that authenticates them: authenticate.ts).
 */
export async function consumeRateLimit(db: Db, key: string, rate: RateLimit = API_RATE_LIMIT): Promise<{ remaining: number; resetSeconds: number }> {
  const { windowStart, resetSeconds } = rateWindow(rate);
  const [row] = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO "RateLimitWindow" (key, "windowStart", count) VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT (key, "windowStart") DO UPDATE SET count = "RateLimitWindow".count + 1
    RETURNING count`;
  return judgeRateLimit(row?.count ?? 1, rate, resetSeconds);
}
