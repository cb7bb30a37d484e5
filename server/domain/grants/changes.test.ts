import { describe, expect, it } from "vitest";
import { announceGrantChange, watchGrant } from "@/server/domain/grants/changes";

describe("grant change announcements", () => {
  it("wakes a waiter on its grant's announcement, and only on its own grant's", async () => {
    const watch = watchGrant("g-1");
    let woke = false;
    const waiting = watch.next(60_000).then(() => (woke = true));
    announceGrantChange("g-2");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woke).toBe(false);
    announceGrantChange("g-1");
    await waiting;
    expect(woke).toBe(true);
    watch.close();
  });

  it("remembers an announcement made before the wait began (between the caller's read and its wait)", async () => {
    const watch = watchGrant("g-3");
    announceGrantChange("g-3");
    await watch.next(60_000);
    // Remembered once: the next wait times out normally.
    const started = Date.now();
    await watch.next(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    watch.close();
  });

  it("ends a wait on abort and on timeout, and stops listening when closed", async () => {
    const watch = watchGrant("g-4");
    const controller = new AbortController();
    const waiting = watch.next(60_000, controller.signal);
    controller.abort();
    await waiting;
    await watch.next(10);
    watch.close();
    const later = watchGrant("g-4");
    const pending = later.next(60_000);
    later.close();
    await pending;
  });
});
