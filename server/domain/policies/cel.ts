/**
 * Custom policy conditions in CEL (Common Expression Language), through @marcbachmann/cel-js.
 *
 * One typed environment declares every variable a condition may read, so a misspelt field or a comparison
 * of the wrong types is refused when the policy is saved, not discovered when a request arrives.
 * Conditions are compiled once per policy (see compile.ts) and evaluated per request in well under 1 µs.
 */
import { Environment, type ParseResult } from "@marcbachmann/cel-js";

// CEL ints are 64-bit: the library represents them as bigint. These classes carry the declared fields; the
// library type-checks a variable against its registered class, so values must be instances of them.
class CelRequest {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }
}
class CelRequester {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }
}
class CelResource {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }
}

// The library's own name for the timestamp type; the short alias "timestamp" declares a different type in
// fields and then `request.starts_at < now` has no overload.
const TIMESTAMP = "google.protobuf.Timestamp";

/** The variables a condition can read: the reference for docs/policies.md and the admin editor's help. */
export const CEL_VARIABLES = [
  { name: "request.duration_minutes", type: "int", description: "Requested duration in minutes." },
  { name: "request.access_level", type: "string", description: 'Access level key, e.g. "read", "write", "admin".' },
  { name: "request.kind", type: "string", description: '"STANDARD", "EXTENSION" or "BREAK_GLASS".' },
  { name: "request.starts_at", type: "timestamp", description: "When the access starts (now for an immediate start)." },
  { name: "request.ends_at", type: "timestamp", description: "starts_at + duration." },
  { name: "request.justification", type: "string", description: "The requester's justification, as typed." },
  { name: "request.ticket", type: "string", description: 'The ticket reference, "" when none was given.' },
  { name: "requester.groups", type: "list<string>", description: "Slugs of the requester's groups." },
  { name: "requester.on_call", type: "bool", description: "The requester is on call now (any rotation)." },
  { name: "requester.on_call_groups", type: "list<string>", description: "Slugs of the groups whose rotation the requester is on now." },
  { name: "requester.kind", type: "string", description: '"HUMAN" or "MACHINE".' },
  { name: "requester.first_time", type: "bool", description: "The requester never held a grant of this access level on this resource." },
  { name: "requester.recent_requests", type: "int", description: "Requests for this same access in the last 7 days." },
  { name: "resource.tier", type: "int", description: "Sensitivity tier: 1 (most sensitive) to 3." },
  { name: "resource.tags", type: "list<string>", description: 'Resource tags, e.g. ["pci", "prod"].' },
  { name: "resource.slug", type: "string", description: "The resource's slug." },
  { name: "now", type: "timestamp", description: "The evaluation time." },
  { name: "business_hours", type: "bool", description: "The access starts within the policy's business hours, in the resource's time zone." },
  { name: "risk_score", type: "int", description: "The computed risk score, 0–100 (see risk.ts)." },
] as const;

// Limits keep a pathological expression from costing real time at evaluation (the text is capped in the
// schema too).
const environment = new Environment({ limits: { maxAstNodes: 1000, maxDepth: 32, maxListElements: 200, maxCallArguments: 8 } })
  .registerType("Request", {
    ctor: CelRequest,
    fields: {
      duration_minutes: "int",
      access_level: "string",
      kind: "string",
      starts_at: TIMESTAMP,
      ends_at: TIMESTAMP,
      justification: "string",
      ticket: "string",
    },
  })
  .registerType("Requester", {
    ctor: CelRequester,
    fields: {
      groups: "list<string>",
      on_call: "bool",
      on_call_groups: "list<string>",
      kind: "string",
      first_time: "bool",
      recent_requests: "int",
    },
  })
  .registerType("Resource", { ctor: CelResource, fields: { tier: "int", tags: "list<string>", slug: "string" } })
  .registerVariable("request", "Request")
  .registerVariable("requester", "Requester")
  .registerVariable("resource", "Resource")
  .registerVariable("now", TIMESTAMP)
  .registerVariable("business_hours", "bool")
  .registerVariable("risk_score", "int");

/** What the engine knows about one request, in TypeScript terms; toCelContext converts it once per evaluation. */
export interface CelInput {
  request: {
    durationMinutes: number;
    accessLevel: string;
    kind: string;
    startsAt: Date;
    endsAt: Date;
    justification: string;
    ticket: string;
  };
  requester: {
    groups: readonly string[];
    onCall: boolean;
    onCallGroups: readonly string[];
    kind: string;
    firstTime: boolean;
    recentRequests: number;
  };
  resource: { tier: number; tags: readonly string[]; slug: string };
  now: Date;
  businessHours: boolean;
  riskScore: number;
}

/** The opaque, library-specific context a program is evaluated against. */
export type CelContext = { readonly __brand: "CelContext" };

/** A CEL int from a JS number that may be anything the caller sent (NaN, 1e309): CEL cannot hold those. */
function toCelInt(value: number): bigint {
  return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
}

export function toCelContext(input: CelInput): CelContext {
  const context = {
    request: new CelRequest({
      duration_minutes: toCelInt(input.request.durationMinutes),
      access_level: input.request.accessLevel,
      kind: input.request.kind,
      starts_at: input.request.startsAt,
      ends_at: input.request.endsAt,
      justification: input.request.justification,
      ticket: input.request.ticket,
    }),
    requester: new CelRequester({
      groups: [...input.requester.groups],
      on_call: input.requester.onCall,
      on_call_groups: [...input.requester.onCallGroups],
      kind: input.requester.kind,
      first_time: input.requester.firstTime,
      recent_requests: toCelInt(input.requester.recentRequests),
    }),
    resource: new CelResource({ tier: toCelInt(input.resource.tier), tags: [...input.resource.tags], slug: input.resource.slug }),
    now: input.now,
    business_hours: input.businessHours,
    risk_score: toCelInt(input.riskScore),
  };
  return context as unknown as CelContext;
}

export type CelEvaluation = { ok: true; value: boolean } | { ok: false; message: string };
export type CelProgram = (context: CelContext) => CelEvaluation;

export interface CelCompileError {
  /** syntax: the text does not parse; type: it parses but reads an unknown variable, mixes types, or is not a bool. */
  kind: "syntax" | "type";
  message: string;
  /** Zero-based offset into the expression, and its one-based line and column. */
  position: number;
  line: number;
  column: number;
}

export type CelCompileResult = { ok: true; program: CelProgram } | { ok: false; error: CelCompileError };

function locate(expression: string, position: number): { position: number; line: number; column: number } {
  const clamped = Math.max(0, Math.min(position, expression.length));
  const before = expression.slice(0, clamped);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { position: clamped, line: before.split("\n").length, column: clamped - lineStart + 1 };
}

/** The library's errors carry a one-line summary and a code frame in the message; we want the summary. */
function summarise(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as Error & { summary?: unknown }).summary;
    if (typeof summary === "string" && summary.length > 0) return summary;
    return error.message.split("\n")[0] ?? error.message;
  }
  return String(error);
}

function errorPosition(error: unknown): number {
  if (typeof error === "object" && error !== null) {
    const withRange = error as { range?: { start?: unknown }; node?: { pos?: unknown } };
    if (typeof withRange.range?.start === "number") return withRange.range.start;
    if (typeof withRange.node?.pos === "number") return withRange.node.pos;
  }
  return 0;
}

function wrap(parsed: ParseResult): CelProgram {
  return (context) => {
    try {
      const value: unknown = parsed(context as unknown as Record<string, unknown>);
      if (typeof value === "boolean") return { ok: true, value };
      return { ok: false, message: `returned ${typeof value} instead of true or false` };
    } catch (error) {
      return { ok: false, message: summarise(error) };
    }
  };
}

/** Parses and type-checks one condition. Never throws: the result says what is wrong and where. */
export function compileCel(expression: string): CelCompileResult {
  let parsed: ParseResult;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    return { ok: false, error: { kind: "syntax", message: summarise(error), ...locate(expression, errorPosition(error)) } };
  }
  const checked = parsed.check();
  if (!checked.valid) {
    return { ok: false, error: { kind: "type", message: summarise(checked.error), ...locate(expression, errorPosition(checked.error)) } };
  }
  // dyn is allowed through (e.g. a value read out of a dyn list): the runtime check in wrap() catches a
  // non-bool then.
  if (checked.type !== "bool" && checked.type !== "dyn") {
    return {
      ok: false,
      error: { kind: "type", message: `the condition must be true or false, but it returns ${checked.type ?? "an unknown type"}`, ...locate(expression, 0) },
    };
  }
  return { ok: true, program: wrap(parsed) };
}

/** "syntax error at line 1, column 25 (position 24): Unexpected token: EOF" */
export function describeCelError(error: CelCompileError): string {
  const what = error.kind === "syntax" ? "syntax error" : "type error";
  return `${what} at line ${error.line}, column ${error.column} (position ${error.position}): ${error.message}`;
}
