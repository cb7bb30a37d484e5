import { serve } from "inngest/next";
import { inngest } from "@/server/jobs/client";
import { jobs } from "@/server/jobs/functions";

export const dynamic = "force-dynamic";

// Every job is served here for Inngest (cloud or self-hosted). Without Inngest the local runner runs
// the same functions in-process (instrumentation.ts).
export const { GET, POST, PUT } = serve({ client: inngest, functions: jobs.map((job) => job.inngestFunction) });
