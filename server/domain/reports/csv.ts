/**
 * CSV for spreadsheets (pure). Every cell is text a target or a person chose (role names, Redis rules,
 * baseline reasons), so each is made safe against formula injection: a cell starting with `=`, `+`, `-`,
 * `@`, a tab or a carriage return would be evaluated by Excel, LibreOffice or Sheets, and gets a leading
 * apostrophe instead (OWASP's advice). Cells with commas, quotes or line breaks are quoted (RFC 4180).
 */

const formulaStart = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  // Numbers Keycard computed are data, not formulas; a negative one stays a number.
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = String(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
