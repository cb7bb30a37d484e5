import { describe, expect, it } from "vitest";
import { BASE_DELAY_MS, MAX_DELAY_MS, parseRetryAfterMs, retryDelayMs } from "@/server/notifications/backoff";

describe("retry backoff", () => {
  it.each([
    [1, BASE_DELAY_MS],
    [2, BASE_DELAY_MS * 2],
    [3, BASE_DELAY_MS * 4],
    [20, MAX_DELAY_MS],
  ])("after %i failed attempt(s) waits between half and all of %i ms", (attempts, full) => {
    expect(retryDelayMs(attempts, () => 0)).toBe(full / 2);
    expect(retryDelayMs(attempts, () => 1)).toBe(full);
  });

  it("spreads retries (jitter) so a recovered receiver is not hit all at once", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(3)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it.each([
    ["120", 120_000],
    ["0", 0],
    ["999999", MAX_DELAY_MS],
    ["", null],
    ["soon", null],
  ])("reads Retry-After %j", (value, expected) => {
    expect(parseRetryAfterMs(value)).toBe(expected);
  });

  it("reads Retry-After as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60_000);
  });
});
