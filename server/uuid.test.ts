import { describe, expect, it } from "vitest";
import { uuidv7 } from "@/server/uuid";

describe("uuidv7", () => {
  it("is a valid version 7, RFC 9562 variant UUID carrying the time", () => {
    const at = Date.UTC(2026, 11, 6, 18, 30);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
  });

  it("takes a fractional millisecond as the millisecond it falls in", () => {
    expect(uuidv7(1_700_000_000_000.75).slice(0, 13)).toBe(uuidv7(1_700_000_000_000).slice(0, 13));
  });

  it("sorts by creation time and does not repeat", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size).toBe(10_000);
  });
});
