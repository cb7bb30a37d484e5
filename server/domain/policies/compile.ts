/**
 * The parts of a rules document that cost time to prepare (CEL programs, the ticket pattern), prepared once
 * per document and reused for every evaluation: parsing CEL is ~100× slower than evaluating it.
 *
 * Two cache levels: by object identity (free, for callers that keep the parsed rules), then by the text of the
 * compiled parts (for callers that parse the stored JSON per request; equal text compiles to equal programs,
 * so two policies with the same conditions share one entry).
 */
import { compileCel, describeCelError, type CelProgram } from "./cel";
import { conditionLabel, ZPolicyRules, type PolicyRules } from "./schema";

export type CompiledCondition = { ok: true; program: CelProgram } | { ok: false; error: string };

export interface CompiledPolicy {
  /** Same order as rules.conditions. */
  conditions: CompiledCondition[];
  /** Anchored: the whole ticket reference must match. Null when the policy sets no pattern or it is invalid. */
  ticketPattern: RegExp | null;
  /** Set when the stored pattern does not compile (the schema refuses it, but stored rows may predate that). */
  ticketPatternError: string | null;
}

const byIdentity = new WeakMap<PolicyRules, CompiledPolicy>();
const byText = new Map<string, CompiledPolicy>();
// Policies are a few per resource; the bound only protects against an unbounded stream of distinct documents
// (e.g. the admin simulator fed edits on every keystroke).
const MAX_BY_TEXT = 512;

function compileUncached(rules: PolicyRules): CompiledPolicy {
  const conditions = rules.conditions.map((condition, index): CompiledCondition => {
    const compiled = compileCel(condition.when);
    return compiled.ok ? compiled : { ok: false, error: `${conditionLabel(condition, index)}: ${describeCelError(compiled.error)}` };
  });
  let ticketPattern: RegExp | null = null;
  let ticketPatternError: string | null = null;
  if (rules.ticket.pattern !== undefined) {
    try {
      ticketPattern = new RegExp(`^(?:${rules.ticket.pattern})$`, "u");
    } catch (error) {
      ticketPatternError = error instanceof Error ? error.message : String(error);
    }
  }
  return { conditions, ticketPattern, ticketPatternError };
}

export function compilePolicy(rules: PolicyRules): CompiledPolicy {
  const known = byIdentity.get(rules);
  if (known) return known;
  const key = JSON.stringify([rules.ticket.pattern ?? null, rules.conditions.map((condition) => [condition.name ?? null, condition.when])]);
  let compiled = byText.get(key);
  if (!compiled) {
    compiled = compileUncached(rules);
    if (byText.size >= MAX_BY_TEXT) {
      const oldest = byText.keys().next();
      if (!oldest.done) byText.delete(oldest.value);
    }
    byText.set(key, compiled);
  }
  byIdentity.set(rules, compiled);
  return compiled;
}

/** The cached rules are shared by every caller: one that mutates them must fail, not change the others'. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export type StoredRulesResult = { ok: true; rules: PolicyRules } | { ok: false; error: string };

const storedByText = new Map<string, StoredRulesResult>();

/**
 * PolicyVersion.rules (JSON from the database) → validated rules, cached by the JSON text: validation
 * compiles every CEL condition, which would cost more than the whole evaluation if repeated per request.
 * The same object is returned for the same text, so compilePolicy then hits its identity cache.
 * A stored document that no longer validates (e.g. saved by an older version) is an error the caller turns
 * into a deny, never a crash.
 */
export function parseStoredRules(stored: unknown): StoredRulesResult {
  const key = typeof stored === "string" ? stored : JSON.stringify(stored ?? null);
  const known = storedByText.get(key);
  if (known) return known;
  let value: unknown = stored;
  if (typeof stored === "string") {
    try {
      value = JSON.parse(stored);
    } catch {
      value = undefined;
    }
  }
  const parsed = ZPolicyRules.safeParse(value);
  const result: StoredRulesResult = parsed.success
    ? { ok: true, rules: deepFreeze(parsed.data) }
    : { ok: false, error: parsed.error.issues.map((issue) => `${issue.path.join(".") || "rules"}: ${issue.message}`).join("; ") };
  if (storedByText.size >= MAX_BY_TEXT) {
    const oldest = storedByText.keys().next();
    if (!oldest.done) storedByText.delete(oldest.value);
  }
  storedByText.set(key, result);
  return result;
}
