import { inngest } from "@/server/jobs/client";
import { localRunner } from "@/server/jobs/local-runner";
import { schedulerMode } from "@/server/jobs/mode";

export interface JobEvent {
  name: string;
  data: Record<string, unknown>;
  /** Deduplication key (Inngest drops a second event with the same id within 24 h). */
  id: string;
}

/**
 * Sends events after the change that caused them has committed. Failure to send is normal (Inngest
 * unreachable, no runner): it is logged and reported, never thrown, because the scheduled functions
 * pick up the work from the database anyway.
 */
export async function sendJobEvents(events: JobEvent[]): Promise<{ sent: boolean }> {
  if (events.length === 0) return { sent: true };
  const mode = schedulerMode();
  if (mode === "local") {
    const runner = localRunner();
    for (const event of events) runner?.dispatch(event);
    return { sent: Boolean(runner) };
  }
  if (mode === "off") return { sent: false };
  try {
    await inngest.send(events);
    return { sent: true };
  } catch (error) {
    console.warn(`[keycard:jobs] could not send ${events.map((e) => e.name).join(", ")}: ${(error as Error).message}`);
    return { sent: false };
  }
}
