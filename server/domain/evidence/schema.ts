import { z } from "zod";
import { realDate } from "@/server/domain/ledger/schema";

const ZDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-10-01.").refine(realDate, "This date does not exist.");

/** An auditor's evidence pack: a period (whole UTC days, both inclusive) and optionally some resources. */
export const ZRequestEvidencePackInput = z.object({
  periodStart: ZDay,
  periodEnd: ZDay,
  /** Empty: every resource. */
  resourceIds: z.array(z.uuid("Pick resources from the list.")).max(100, "Pick at most 100 resources, or all.").default([]),
  note: z.string().trim().max(500, "The note is limited to 500 characters.").optional(),
});
export type RequestEvidencePackInput = z.input<typeof ZRequestEvidencePackInput>;

export const ZEvidencePackIdInput = z.object({ packId: z.uuid("An evidence pack id is a UUID.") });
