import { ingestUsage } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

/** Usage events from logs or a SIEM (token scope usage:write); see docs/reports.md. */
export const POST = ingestUsage.handler;
