import { cron as cronTrigger, type EventType } from "inngest";
import { inngest } from "@/server/jobs/client";
import { recordJobRun } from "@/server/jobs/runs";

/** What a job's handler may use; Inngest's `step` and the local runner's both provide it. */
export interface JobStep {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
  sleepUntil(id: string, time: Date): Promise<void>;
}

export interface JobContext {
  step: JobStep;
  event: { name: string; data: Record<string, unknown>; id?: string };
  runner: "inngest" | "local";
}

export interface JobOptions {
  /** The Inngest function id; also the file name under server/jobs/functions. */
  id: string;
  /** Cron schedule (UTC) used by Inngest and by the local runner. */
  cron?: string;
  /** The local runner runs it this often instead (e.g. a sweeper every few seconds). */
  localEverySeconds?: number;
  /** Event that triggers it. */
  event?: EventType<string, never> | EventType<string, undefined> | { event: string };
  /** Inngest accepts 0–20. */
  retries?: 0 | 1 | 2 | 3 | 4 | 5 | 10 | 20;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

/**
 * One definition, two runners: `inngestFunction` is served at /api/inngest, while the local runner calls
 * `run` directly. Each run ends with a recorded JobRun (a step, so Inngest records it exactly once).
 */
export function defineJob(options: JobOptions, handler: JobHandler) {
  const run = async (ctx: JobContext) => {
    const startedAt = new Date();
    const output = await handler(ctx);
    await ctx.step.run("record-run", () =>
      recordJobRun({ functionId: options.id, runner: ctx.runner, status: "SUCCEEDED", startedAt, output }),
    );
    return output;
  };

  const triggers = [
    ...(options.cron ? [cronTrigger(options.cron)] : []),
    ...(options.event ? [{ event: options.event.event }] : []),
  ];
  const inngestFunction = inngest.createFunction(
    {
      id: options.id,
      triggers,
      retries: options.retries ?? 3,
      onFailure: async ({ error }) => {
        await recordJobRun({ functionId: options.id, runner: "inngest", status: "FAILED", startedAt: new Date(), error: error.message });
      },
    },
    async ({ step, event }) =>
      run({
        // Inngest's step tools are a superset of JobStep; its run() types the result as JSON, which our
        // handlers already return.
        step: step as unknown as JobStep,
        event: event as JobContext["event"],
        runner: "inngest",
      }),
  );

  return { ...options, handler, run, inngestFunction };
}

export type Job = ReturnType<typeof defineJob>;
