// CSV (and spreadsheet) output. Every CSV or xlsx the server emits must build its cells
// here: text that a spreadsheet would read as a formula (CSV injection, OWASP "CSV
// Injection") is neutralised by a leading apostrophe, which Excel, LibreOffice and
// WPS show as plain text. Numbers stay numbers. An xlsx writer must likewise store text
// cells as strings (never `<f>` formulas) and pass them through `neutraliseCell`.
// https://owasp.org/www-community/attacks/CSV_Injection

/** First characters that make Excel, LibreOffice Calc or WPS evaluate a cell (tab and CR included). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text safe to put in a spreadsheet cell: formula-like text gets a leading `'`. */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type CsvValue = string | number | boolean | null | undefined;

/** One CSV field: neutralised when text, quoted when it holds a comma, quote or line break. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = neutraliseCell(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document (RFC 4180, CRLF line ends) with a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
