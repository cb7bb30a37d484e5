import { Cron } from "croner";
import type { Job, JobContext, JobStep } from "@/server/jobs/define";
import { recordJobRun } from "@/server/jobs/runs";

/**
 * Runs Keycard's job code in-process when no Inngest is configured (the embedded default): the same
 * `run` functions, on the same schedules (or the job's faster local interval), with an in-process
 * `step`. A job never overlaps itself; a failed run is recorded and the next tick tries again (the
 * database state, not the run, carries the work).
 */
export interface LocalRunner {
  stop(): void;
  /** Runs one job now (on-demand actions, tests); resolves with its output. */
  runNow(jobId: string, event?: JobContext["event"]): Promise<unknown>;
  /** Delivers an event to the jobs it triggers. */
  dispatch(event: JobContext["event"]): void;
  readonly jobs: readonly Job[];
}

const localStep: JobStep = {
  run: (_id, fn) => fn(),
  sleepUntil: (_id, time) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time.getTime() - Date.now()))),
};

export function startLocalRunner(jobs: readonly Job[], options: { log?: (line: string) => void } = {}): LocalRunner {
  const log = options.log ?? ((line: string) => console.log(`[keycard:jobs] ${line}`));
  const running = new Set<string>();
  const timers: { stop(): void }[] = [];
  let stopped = false;

  async function execute(job: Job, event: JobContext["event"]): Promise<unknown> {
    // Scheduled ticks of a job never overlap; event runs (one per grant, say) run side by side.
    const key = event.name === "local/scheduled" ? `${job.id}:tick` : `${job.id}:${event.id ?? Math.random()}`;
    if (running.has(key)) return undefined;
    running.add(key);
    const startedAt = new Date();
    try {
      return await job.run({ step: localStep, event, runner: "local" });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${job.id} failed: ${message}`);
      await recordJobRun({ functionId: job.id, runner: "local", status: "FAILED", startedAt, error: message }).catch(() => undefined);
      throw error;
    } finally {
      running.delete(key);
    }
  }

  for (const job of jobs) {
    const tick = () => {
      if (!stopped) execute(job, { name: "local/scheduled", data: {} }).catch(() => undefined);
    };
    if (job.localEverySeconds) {
      const interval = setInterval(tick, job.localEverySeconds * 1000);
      interval.unref();
      timers.push({ stop: () => clearInterval(interval) });
      // Scheduled work is also due at startup (e.g. grants that ended while the portal was down).
      setTimeout(tick, 1_000).unref();
    } else if (job.cron) {
      const cron = new Cron(job.cron, { timezone: "UTC", unref: true }, tick);
      timers.push({ stop: () => cron.stop() });
    }
  }

  return {
    jobs,
    stop() {
      stopped = true;
      for (const timer of timers) timer.stop();
    },
    runNow(jobId, event = { name: "local/manual", data: {} }) {
      const job = jobs.find((j) => j.id === jobId);
      if (!job) return Promise.reject(new Error(`unknown job ${jobId}`));
      return execute(job, event);
    },
    dispatch(event) {
      for (const job of jobs) {
        if (job.event?.event === event.name) execute(job, event).catch(() => undefined);
      }
    },
  };
}

const globalForRunner = globalThis as unknown as { keycardLocalRunner?: LocalRunner };

export function localRunner(): LocalRunner | undefined {
  return globalForRunner.keycardLocalRunner;
}

export function setLocalRunner(runner: LocalRunner | undefined): void {
  globalForRunner.keycardLocalRunner = runner;
}
