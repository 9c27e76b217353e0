// The HTTP(S) source: GET a JSON or CSV URL (optionally with an auth header) and read it as rows.
// Anything but a well-formed answer is a SourceError saying what came back, so a run never
// stores rows it misread.
import Papa from 'papaparse';
import { SourceError, type SourceFetchOptions, type SourceRows } from '../../core/connectors';
import { snippet, sourceFetch } from '../../bots/common/source-fetch';
import { displayUrl } from './url';

export interface HttpSource {
  url: string;
  format: 'json' | 'csv';
  items_path?: string;
  auth_header?: string;
}

/** Most rows a source may return in one run (the same cap as POST /api/v1/metrics). */
export const MAX_SOURCE_ROWS = 10_000;

export function fieldsOf(rows: Record<string, unknown>[]): string[] {
  const fields = new Set<string>();
  for (const row of rows.slice(0, 200)) for (const key of Object.keys(row)) fields.add(key);
  return [...fields];
}

function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function parseRows(format: 'json' | 'csv', text: string, itemsPath?: string): Omit<SourceRows, 'requests'> {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trim()) throw new SourceError('the source answered an empty body', false);
  if (format === 'csv') {
    if (/^\s*[[{<]/.test(body)) throw new SourceError(`the source did not answer CSV${snippet(body)}`, false);
    const parsed = Papa.parse<Record<string, string>>(body, {
      header: true,
      skipEmptyLines: 'greedy',
      transformHeader: (h) => h.trim(),
    });
    const fields = (parsed.meta.fields ?? []).filter(Boolean);
    if (fields.length < 2) throw new SourceError(`the CSV has no header row with column names${snippet(body)}`, false);
    const broken = parsed.errors.find((e) => e.type === 'Quotes');
    if (broken) throw new SourceError(`the CSV is malformed at row ${(broken.row ?? 0) + 1}: ${broken.message}`, false);
    return { fields, rows: parsed.data };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new SourceError(`the source did not answer JSON (${(err as Error).message})${snippet(body)}`, false);
  }
  const list = itemsPath ? at(parsed, itemsPath) : parsed;
  if (!Array.isArray(list))
    throw new SourceError(
      itemsPath
        ? `the JSON has no array at "${itemsPath}"`
        : 'the JSON is not an array of rows; set items_path to where the rows are (e.g. data.items)',
      false,
    );
  const rows = list.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && !Array.isArray(r));
  if (rows.length < list.length)
    throw new SourceError(`${list.length - rows.length} of ${list.length} rows are not JSON objects`, false);
  return { fields: fieldsOf(rows), rows };
}

export async function fetchHttpRows(
  source: HttpSource,
  secret: string | null,
  options: SourceFetchOptions = {},
): Promise<SourceRows> {
  const stats = { requests: 0 };
  const headers: Record<string, string> = {
    accept: source.format === 'csv' ? 'text/csv, text/plain;q=0.9' : 'application/json',
    'user-agent': 'Polaris-Connector/1',
  };
  if (secret) headers[source.auth_header ?? 'Authorization'] = secret;
  const label = `GET ${displayUrl(source.url)}`;
  const res = await sourceFetch({ url: source.url, headers, label }, { ...options, stats });
  if (res.status === 401 || res.status === 403)
    throw new SourceError(`${label}: refused with HTTP ${res.status}; check auth_header and auth_value`, false, true);
  if (res.status < 200 || res.status >= 300)
    throw new SourceError(`${label}: HTTP ${res.status}${snippet(res.text)}`, false);
  const rows = parseRows(source.format, res.text, source.items_path);
  if (rows.rows.length > MAX_SOURCE_ROWS)
    throw new SourceError(
      `the source returned ${rows.rows.length} rows; at most ${MAX_SOURCE_ROWS} are read per run`,
      false,
    );
  return { ...rows, requests: stats.requests };
}
