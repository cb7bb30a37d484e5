import { describe, expect, it } from "vitest";
import { AdmissionGate, admitted } from "@/server/api/admission";

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

describe("AdmissionGate", () => {
  it("admits up to its limit at once and the rest in arrival order", async () => {
    const gate = new AdmissionGate(2, 60_000);
    expect(await gate.enter()).toBe(true);
    expect(await gate.enter()).toBe(true);
    const order: number[] = [];
    const waiting = [3, 4, 5].map((n) => gate.enter().then((ok) => (order.push(n), ok)));
    await tick();
    expect(gate.load).toEqual({ active: 2, waiting: 3 });
    gate.leave();
    gate.leave();
    await tick();
    expect(order).toEqual([3, 4]);
    gate.leave();
    expect(await Promise.all(waiting)).toEqual([true, true, true]);
    expect(order).toEqual([3, 4, 5]);
    for (let i = 0; i < 2; i++) gate.leave();
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it("turns a call away after maxQueueMs, or when its client goes away, without losing a place", async () => {
    const gate = new AdmissionGate(1, 40);
    expect(await gate.enter()).toBe(true);
    expect(await gate.enter()).toBe(false);
    const abort = new AbortController();
    const leaving = gate.enter(abort.signal);
    abort.abort();
    expect(await leaving).toBe(false);
    expect(gate.load).toEqual({ active: 1, waiting: 0 });
    gate.leave();
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    expect(await gate.enter()).toBe(true);
    // A client that is already gone never queues, even for a free place.
    const gone = new AbortController();
    gone.abort();
    expect(await new AdmissionGate(1, 1_000).enter(gone.signal)).toBe(false);
  });

  it("admitted() frees its place when the work ends or throws, and outside() lets others in meanwhile", async () => {
    const gate = new AdmissionGate(1, 1_000);
    await expect(admitted(gate, undefined, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    let release!: () => void;
    const longPoll = admitted(gate, undefined, (slot) => slot.outside(() => new Promise<string>((resolve) => (release = () => resolve("woken")))));
    await tick();
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    expect(await admitted(gate, undefined, async () => "other call")).toBe("other call");
    release();
    expect(await longPoll).toBe("woken");
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    // No place within the queue time: the busy error the API answers 503 with.
    const full = new AdmissionGate(1, 20);
    await full.enter();
    await expect(admitted(full, undefined, async () => "never")).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });
});
