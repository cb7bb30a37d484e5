import type { Job } from "@/server/jobs/define";
import { schedulerHeartbeat } from "@/server/jobs/functions/scheduler-heartbeat";

/** Every job Keycard runs: served at /api/inngest and run by the local runner. */
export const jobs: Job[] = [schedulerHeartbeat];
