/**
 * Problems with the request's own fields, each tied to the field the form marks. They are checked here, not
 * only in the input schema, because the HTTP API, the simulator and the form all go through the engine, and
 * because some limits (maximum duration, ticket pattern) come from the policy.
 */
import type { CompiledPolicy } from "./compile";
import type { PolicyRules } from "./schema";

export type ViolationField = "durationMinutes" | "startsAt" | "justification" | "ticketRef" | "kind";

export interface Violation {
  field: ViolationField;
  message: string;
}

/** Clocks of the browser and the server differ by a little; "start now" must not read as "in the past". */
export const CLOCK_TOLERANCE_MS = 2 * 60_000;
export const JUSTIFICATION_MAX_LENGTH = 2000;
export const TICKET_MAX_LENGTH = 100;

// C0/C1 control characters except tab, LF and CR, plus the bidirectional overrides and zero-width characters
// that make text read differently from what it contains (the "Trojan Source" trick) in an approver's inbox.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
// A cell starting with one of these is a formula to a spreadsheet; justifications end up in CSV evidence.
const FORMULA_START = /^\s*[=+\-@]/u;

export interface FieldCheckInput {
  kind: string;
  durationMinutes: number;
  startsAt: Date;
  now: Date;
  justification: string;
  ticketRef?: string | null;
  /** The maximum that applies (per access level, or break-glass). */
  maxDurationMinutes: number;
  accessLevelKey: string;
}

function checkDuration(input: FieldCheckInput): Violation | null {
  const d = input.durationMinutes;
  const field = "durationMinutes";
  if (typeof d !== "number" || Number.isNaN(d)) return { field, message: "Duration must be a number of minutes." };
  if (!Number.isFinite(d)) return { field, message: "Duration must be a finite number of minutes." };
  if (d <= 0) return { field, message: "Duration must be at least 1 minute." };
  if (!Number.isInteger(d)) return { field, message: "Duration must be a whole number of minutes." };
  if (d > input.maxDurationMinutes) {
    const scope = input.kind === "BREAK_GLASS" ? "for break-glass access" : `for ${input.accessLevelKey} access`;
    return { field, message: `Duration of ${d} minutes is above the maximum of ${input.maxDurationMinutes} minutes ${scope}.` };
  }
  return null;
}

function checkStart(input: FieldCheckInput, rules: PolicyRules): Violation | null {
  const field = "startsAt";
  const start = input.startsAt;
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) return { field, message: "Start time is not a valid date and time." };
  const now = input.now.getTime();
  if (start.getTime() < now - CLOCK_TOLERANCE_MS) return { field, message: "Start time is in the past." };
  if (input.kind === "BREAK_GLASS" && start.getTime() > now + CLOCK_TOLERANCE_MS) {
    return { field, message: "Break-glass access starts now; it cannot be scheduled." };
  }
  const ahead = rules.limits.maxStartAheadMinutes;
  if (start.getTime() > now + ahead * 60_000) {
    const days = ahead % 1440 === 0 ? `${ahead / 1440} days` : `${ahead} minutes`;
    return { field, message: `Start time is too far ahead: at most ${days} from now.` };
  }
  return null;
}

function checkJustification(input: FieldCheckInput, rules: PolicyRules): Violation | null {
  const field = "justification";
  const text = input.justification;
  if (typeof text !== "string" || text.trim().length === 0) return { field, message: "Justification is required." };
  if (text.length > JUSTIFICATION_MAX_LENGTH) return { field, message: `Justification is too long: at most ${JUSTIFICATION_MAX_LENGTH} characters.` };
  if (FORBIDDEN_CHARACTERS.test(text)) return { field, message: "Justification contains control or invisible formatting characters." };
  if (FORMULA_START.test(text)) return { field, message: "Justification must not start with =, +, - or @ (spreadsheets read that as a formula)." };
  const min = rules.justification.minLength;
  if (text.trim().length < min) return { field, message: `Justification must be at least ${min} characters: say what you will do and why.` };
  return null;
}

function checkTicket(input: FieldCheckInput, rules: PolicyRules, compiled: CompiledPolicy): Violation | null {
  const field = "ticketRef";
  const raw = input.ticketRef;
  if (raw !== undefined && raw !== null && typeof raw !== "string") return { field, message: "Ticket reference must be text." };
  const ticket = raw?.trim() ?? "";
  if (ticket === "") {
    // An emergency does not wait for a ticket to be filed; the post-incident review links one.
    if (rules.ticket.required && input.kind !== "BREAK_GLASS") return { field, message: "A ticket reference is required for this resource." };
    return null;
  }
  if (ticket.length > TICKET_MAX_LENGTH) return { field, message: `Ticket reference is too long: at most ${TICKET_MAX_LENGTH} characters.` };
  if (FORBIDDEN_CHARACTERS.test(ticket)) return { field, message: "Ticket reference contains control or invisible formatting characters." };
  if (FORMULA_START.test(ticket)) return { field, message: "Ticket reference must not start with =, +, - or @ (spreadsheets read that as a formula)." };
  if (compiled.ticketPatternError) return { field, message: "The policy's ticket format is invalid; ask an admin to fix the policy." };
  if (compiled.ticketPattern && !compiled.ticketPattern.test(ticket)) {
    const example = rules.ticket.example ? ` (e.g. ${rules.ticket.example})` : "";
    return { field, message: `Ticket reference "${ticket}" does not match the expected format${example}.` };
  }
  return null;
}

const KINDS = new Set(["STANDARD", "EXTENSION", "BREAK_GLASS"]);

export function checkRequestFields(input: FieldCheckInput, rules: PolicyRules, compiled: CompiledPolicy): Violation[] {
  const found = [
    KINDS.has(input.kind) ? null : ({ field: "kind", message: "Request kind must be STANDARD, EXTENSION or BREAK_GLASS." } as const),
    checkDuration(input),
    checkStart(input, rules),
    checkJustification(input, rules),
    checkTicket(input, rules, compiled),
  ];
  return found.filter((violation): violation is Violation => violation !== null);
}
