import { env } from "@/server/env";

export type SchedulerMode = "inngest" | "local" | "off";

/** Inngest when it is configured (event key, or its dev server), otherwise the in-process runner. */
export function schedulerMode(): SchedulerMode {
  const config = env();
  if (config.KEYCARD_SCHEDULER === "auto") {
    return config.INNGEST_EVENT_KEY || config.INNGEST_DEV ? "inngest" : "local";
  }
  return config.KEYCARD_SCHEDULER;
}
