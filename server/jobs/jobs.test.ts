import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schedulerHeartbeat } from "@/server/jobs/functions/scheduler-heartbeat";
import { jobs } from "@/server/jobs/functions";
import { defineJob } from "@/server/jobs/define";
import { startLocalRunner } from "@/server/jobs/local-runner";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.destroy();
});

describe("the scheduler heartbeat", () => {
  it("runs under Inngest's test engine, measures the clock and records its run once", async () => {
    const engine = new InngestTestEngine({ function: schedulerHeartbeat.inngestFunction });
    const before = await database.prisma.jobRun.count({ where: { functionId: "scheduler-heartbeat" } });
    const { result } = await engine.execute();
    expect(result).toMatchObject({ dbTime: expect.any(String), skewMs: expect.any(Number) });
    expect(Math.abs((result as { skewMs: number }).skewMs)).toBeLessThan(5_000);
    const runs = await database.prisma.jobRun.findMany({ where: { functionId: "scheduler-heartbeat" }, orderBy: { startedAt: "desc" } });
    expect(runs).toHaveLength(before + 1);
    expect(runs[0]).toMatchObject({ status: "SUCCEEDED", runner: "inngest" });
  });

  it("is served with its cron schedule", () => {
    expect(jobs.map((j) => j.id)).toContain("scheduler-heartbeat");
    expect(schedulerHeartbeat.cron).toBe("* * * * *");
  });
});

describe("the local runner", () => {
  it("runs the scheduled function in-process on its local schedule", async () => {
    const runner = startLocalRunner([schedulerHeartbeat], { log: () => undefined });
    try {
      await expect
        .poll(() => database.prisma.jobRun.count({ where: { functionId: "scheduler-heartbeat", runner: "local", status: "SUCCEEDED" } }), {
          timeout: 10_000,
          interval: 200,
        })
        .toBeGreaterThan(0);
    } finally {
      runner.stop();
    }
  });

  it("records a failing run and keeps the scheduler alive", async () => {
    let calls = 0;
    const flaky = defineJob({ id: "test-flaky", localEverySeconds: 3600 }, async () => {
      calls += 1;
      if (calls === 1) throw new Error("target unreachable");
      return { ok: true };
    });
    const runner = startLocalRunner([flaky], { log: () => undefined });
    try {
      await expect(runner.runNow("test-flaky")).rejects.toThrow("target unreachable");
      await expect(runner.runNow("test-flaky")).resolves.toEqual({ ok: true });
      const runs = await database.prisma.jobRun.findMany({ where: { functionId: "test-flaky" }, orderBy: { finishedAt: "asc" } });
      expect(runs.map((r) => r.status)).toEqual(["FAILED", "SUCCEEDED"]);
      expect(runs[0]?.error).toBe("target unreachable");
    } finally {
      runner.stop();
    }
  });
});
