import { Inngest } from "inngest";

/**
 * The Inngest client. In production Inngest (cloud or self-hosted) calls /api/inngest; without it the
 * local runner (server/jobs/local-runner.ts) runs the same functions in-process.
 */
export const inngest = new Inngest({ id: "keycard" });
