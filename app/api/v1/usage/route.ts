import { handleUsagePost } from "@/server/domain/usage/http";

export const dynamic = "force-dynamic";

/** Usage events from logs or a SIEM (token scope usage:write); see docs/reports.md. */
export const POST = handleUsagePost;
