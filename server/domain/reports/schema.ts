import { z } from "zod";

/** Inputs of the reports area, shared by the pages (URL query), the tRPC procedures and the CSV export. */

export const REPORT_PAGE_SIZE = 50;
/** Baselines are looked at again at least once a year. */
export const MAX_BASELINE_DAYS = 366;

const flag = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "on", ""])])
  .transform((value) => value === true || value === "1" || value === "true" || value === "on");

export const ZStandingFilters = z.object({
  /** A snapshot id; the latest when absent. */
  snapshot: z.uuid("Pick a report from the list.").optional(),
  q: z.string().trim().max(200, "Search text is limited to 200 characters.").optional(),
  /** `action`: what still needs a decision (remove or review). */
  recommendation: z.enum(["remove", "review", "baseline", "action"]).optional(),
  tier: z.coerce.number().int().min(1).max(3).optional(),
  connector: z.uuid().optional(),
  holder: z.enum(["HUMAN", "MACHINE", "unmapped"]).optional(),
  status: z.enum(["STANDING", "BASELINE"]).optional(),
  new: flag.optional(),
});
export type StandingFilters = z.infer<typeof ZStandingFilters>;

export const ZStandingListInput = ZStandingFilters.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type StandingListInput = z.input<typeof ZStandingListInput>;

/** The page's URL query → filters; unknown or empty values are dropped (a hand-edited URL still works). */
export function standingFiltersFromSearchParams(params: Record<string, string | string[] | undefined>): z.input<typeof ZStandingListInput> {
  const out: Record<string, string> = {};
  for (const key of ["snapshot", "q", "recommendation", "tier", "connector", "holder", "status", "new", "page"]) {
    const raw = params[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined && value !== "") out[key] = value;
  }
  const parsed = ZStandingListInput.safeParse(out);
  if (parsed.success) return out;
  // Drop just the fields that do not parse.
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  return Object.fromEntries(Object.entries(out).filter(([key]) => !bad.has(key)));
}

export const ZMarkBaselineInput = z.object({
  privilegeId: z.uuid(),
  reason: z.string().trim().min(10, "Say why in at least 10 characters (who needs it, for what).").max(500, "Keep the reason under 500 characters."),
  /** A date (YYYY-MM-DD): the baseline holds until that day begins (UTC). */
  reviewAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Pick a review date."),
});
export type MarkBaselineInput = z.infer<typeof ZMarkBaselineInput>;

export const ZConvertInput = z.object({ privilegeId: z.uuid() });
export type ConvertInput = z.infer<typeof ZConvertInput>;

export const ZDashboardInput = z
  .object({
    days: z.coerce.number().int().refine((d) => [7, 30, 90].includes(d), "Pick 7, 30 or 90 days.").default(30),
    /** Compute now instead of using figures computed in the last minute. */
    fresh: z.boolean().optional(),
  })
  .optional();
export type DashboardInput = z.infer<typeof ZDashboardInput>;
