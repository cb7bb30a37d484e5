/**
 * CSV as RFC 4180 (comma, CRLF, double quotes), safe to open in a spreadsheet: the one writer of every
 * CSV Keycard produces (ledger exports, evidence packs, the standing-privilege report).
 *
 * Formula injection: a spreadsheet treats a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula
 * (`=HYPERLINK(…)` in a justification would run when an auditor opens the file). Such cells get a leading
 * apostrophe, which spreadsheets read as "text" (OWASP's advice). A cell that itself starts with an
 * apostrophe gets one too, so the change is reversible: the offline verifier strips exactly one leading
 * apostrophe and gets the ledger's bytes back to re-hash them. Numbers Keycard computed are data, not
 * formulas: a negative one stays a number.
 */

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null | undefined;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function restoreCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value;
}

/** One cell, neutralized and quoted as needed. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const safe = neutralizeCell(String(value));
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One record; RFC 4180's CRLF unless told otherwise (ledger exports end lines as PostgreSQL's COPY does, LF). */
export function csvLine(cells: readonly CsvValue[], eol: "\r\n" | "\n" = "\r\n"): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) line += (i ? "," : "") + csvCell(cells[i]);
  return line + eol;
}

export const UTF8_BOM = "\uFEFF";

/**
 * Parses RFC 4180 text (any of CRLF, LF, CR line ends outside quotes) into rows of raw cells. Strict:
 * a quote inside an unquoted cell, or an unterminated quoted cell, is an error (a corrupted file must
 * not verify by accident).
 */
export function* parseCsv(text: string): Generator<string[]> {
  let i = 0;
  const n = text.length;
  if (text.startsWith(UTF8_BOM)) i = 1;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let cell = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) throw new Error("unterminated quoted cell");
          cell += text.slice(i, quote);
          if (text[quote + 1] === '"') {
            cell += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        if (i < n && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") throw new Error("text after a quoted cell");
      } else {
        let j = i;
        while (j < n && text[j] !== "," && text[j] !== "\r" && text[j] !== "\n") j++;
        cell = text.slice(i, j);
        if (cell.includes('"')) throw new Error("a quote inside an unquoted cell");
        i = j;
      }
      row.push(cell);
      if (i < n && text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") i++;
    yield row;
  }
}
