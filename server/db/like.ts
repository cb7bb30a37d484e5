/** Text for a LIKE/ILIKE pattern (default escape `\`) in which `%`, `_` and `\` are data, not wildcards. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** LIKE pattern for a literal substring. */
export function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * Search text as the database can take it: PostgreSQL text cannot hold NUL, and the ledger stores one as
 * U+FFFD (server/ledger/canonical.ts), so a search for it looks for that.
 */
export function sanitizeSearchText(text: string): string {
  return text.replaceAll("\u0000", "\uFFFD").trim();
}
