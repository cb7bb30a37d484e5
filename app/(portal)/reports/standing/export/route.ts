import { handleStandingExport } from "@/server/domain/reports/http";

export const dynamic = "force-dynamic";

/** The standing-privilege report as CSV, with the page's filters. */
export const GET = handleStandingExport;
