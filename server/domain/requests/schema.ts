import { z } from "zod";

/** Control characters other than tab and newline have no place in a justification or comment. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;
/** What spreadsheets treat as the start of a formula (CSV injection) — never needed to start a sentence. */
const FORMULA_START = /^[=+\-@\t\r]/;

const text = (label: string, min: number, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .max(max, `${label} is too long (at most ${max} characters).`)
    .transform((value) => value.trim())
    .refine((value) => value.length >= min, `${label} must be at least ${min} characters.`)
    .refine((value) => !CONTROL_CHARS.test(value), `${label} contains control or direction-override characters.`)
    .refine((value) => !FORMULA_START.test(value), `${label} cannot start with =, +, -, @ (spreadsheet formula characters).`);

/** A duration in whole minutes: finite, positive, at most a year (the policy sets the real maximum). */
export const ZDurationMinutes = z
  .number({ error: "Duration must be a number of minutes." })
  .int("Duration must be whole minutes.")
  .positive("Duration must be more than 0 minutes.")
  .max(366 * 24 * 60, "Duration is longer than any policy allows.");

/** Instants must carry their time zone: "2026-11-23T10:00" is ambiguous and refused. */
export const ZInstant = z.iso
  .datetime({ offset: true, error: "Give a date and time with a time zone, e.g. 2026-11-23T10:00:00Z." })
  .transform((value) => new Date(value));

export const ZJustification = text("Justification", 1, 2000);
export const ZTicketRef = z
  .string()
  .trim()
  .max(100, "Ticket reference is too long (at most 100 characters).")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/#:-]*$/, "Ticket reference may only contain letters, digits and . _ / # : -")
  .optional()
  .or(z.literal("").transform(() => undefined));

/** What a requester may send — nothing else (status, approvers, expiry are Keycard's to decide). */
export const ZRequestFields = z
  .object({
    resourceId: z.uuid("Pick a resource."),
    accessLevelId: z.uuid("Pick an access level."),
    durationMinutes: ZDurationMinutes,
    /** Absent: now. */
    startsAt: ZInstant.optional(),
    justification: ZJustification,
    ticketRef: ZTicketRef,
  })
  .strict();

export const ZCreateRequestInput = ZRequestFields.extend({
  /** Idempotency key for API clients: the same key returns the same request. */
  clientRequestId: z.string().trim().min(8).max(100).regex(/^[A-Za-z0-9._:-]+$/).optional(),
}).strict();
export type CreateRequestInput = z.infer<typeof ZCreateRequestInput>;

export const ZPreviewRequestInput = ZRequestFields.partial({ justification: true, durationMinutes: true })
  .extend({ justification: z.string().max(2000).optional(), breakGlass: z.boolean().optional() })
  .strict();
export type PreviewRequestInput = z.infer<typeof ZPreviewRequestInput>;

export const ZDecideRequestInput = z
  .object({
    requestId: z.uuid(),
    decision: z.enum(["APPROVE", "DENY"]),
    comment: text("Comment", 0, 2000).optional(),
    /** An approver may shorten the requested duration (never lengthen it). */
    durationMinutes: ZDurationMinutes.optional(),
  })
  .strict()
  .refine((input) => input.decision === "APPROVE" || (input.comment?.length ?? 0) >= 3, {
    message: "Say why you deny it (at least 3 characters): the requester sees your comment.",
    path: ["comment"],
  });
export type DecideRequestInput = z.infer<typeof ZDecideRequestInput>;

export const ZRequestIdInput = z.object({ requestId: z.uuid() }).strict();
export type RequestIdInput = z.infer<typeof ZRequestIdInput>;

export const ZBreakGlassInput = z
  .object({
    resourceId: z.uuid("Pick a resource."),
    accessLevelId: z.uuid("Pick an access level."),
    durationMinutes: ZDurationMinutes,
    reason: text("Reason", 20, 2000),
    ticketRef: ZTicketRef,
  })
  .strict();
export type BreakGlassInput = z.infer<typeof ZBreakGlassInput>;

export const ZExtendGrantInput = z
  .object({
    grantId: z.uuid(),
    additionalMinutes: ZDurationMinutes,
    justification: ZJustification,
    ticketRef: ZTicketRef,
  })
  .strict();
export type ExtendGrantInput = z.infer<typeof ZExtendGrantInput>;

/** The extension form as it is being filled in: what the policy would say so far. */
export const ZPreviewExtensionInput = ZExtendGrantInput.partial({ justification: true }).extend({ justification: z.string().max(2000).optional() }).strict();
export type PreviewExtensionInput = z.infer<typeof ZPreviewExtensionInput>;

export const ZGrantIdInput = z.object({ grantId: z.uuid() }).strict();
export type GrantIdInput = z.infer<typeof ZGrantIdInput>;
