import { DomainError } from "@/server/errors";

/**
 * A unique constraint that the database enforced after the domain's own check had passed: two people
 * saved the same slug or name at the same moment, or a form was sent twice. The domain checks first for a
 * specific message; this turns the race's loser into the same kind of answer (a 409 CONFLICT that says
 * what clashed) instead of a server error.
 *
 * Prisma reports it as P2002 with the driver's detail (the embedded database names the fields, PostgreSQL
 * the index); raw statements through the `pg` driver surface SQLSTATE 23505 directly.
 */
export function uniqueViolationToConflict(error: unknown): DomainError | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, meta } = error as { code?: unknown; meta?: UniqueMeta };
  const cause = meta?.driverAdapterError?.cause;
  if (code === "P2002" || (code === "P2010" && cause?.originalCode === "23505")) {
    const index = cause?.constraint?.index ?? indexFromMessage(cause?.originalMessage);
    const fields = cause?.constraint?.fields ?? (index ? fieldsOfIndex(index) : []);
    const model = meta?.modelName ?? (index ? index.split("_")[0] : undefined);
    return conflict(model, fields);
  }
  if (code === "23505") {
    const detail = (error as { constraint?: string }).constraint;
    return conflict(detail?.split("_")[0], detail ? fieldsOfIndex(detail) : []);
  }
  return null;
}

interface UniqueMeta {
  modelName?: string;
  driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string; constraint?: { fields?: string[]; index?: string } } };
}

function indexFromMessage(message: string | undefined): string | undefined {
  return message?.match(/unique constraint "([^"]+)"/)?.[1];
}

/** Prisma names unique indexes `Model_field1_field2_key`. */
function fieldsOfIndex(index: string): string[] {
  const parts = index.split("_");
  return parts.length > 2 && parts.at(-1) === "key" ? parts.slice(1, -1) : [];
}

function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function conflict(model: string | undefined, fields: readonly string[]): DomainError {
  const what = model ? `Another ${words(model)}` : "Another record";
  const which = fields.length ? ` with the same ${fields.map(words).join(" and ")}` : " like this one";
  return new DomainError("CONFLICT", `${what}${which} already exists (it may have been saved a moment ago). Reload and try again.`, fields.length ? { fields: [...fields] } : undefined);
}
