// Source rows → metric points through a connector's mapping. Values are read the way the
// sources hold them: plain strings and numbers, Bitable's rich values ([{text}], {text},
// [{id,name}] for a person, epoch milliseconds for a date).
import type { RawPoint } from '../metrics/points';
import type { Mapping } from './definition';

/** The mapped fields the source does not have, in mapping order. */
export function missingFields(mapping: Mapping, fields: readonly string[]): { key: string; field: string }[] {
  const have = new Set(fields);
  const wanted: [string, string | undefined][] = [
    ['metric_field', mapping.metric_field],
    ['subject_field', mapping.subject_field],
    ['at_field', mapping.at_field],
    ['value_field', mapping.value_field],
  ];
  return wanted.filter((w): w is [string, string] => !!w[1] && !have.has(w[1])).map(([key, field]) => ({ key, field }));
}

/** A cell as a plain string or number (the first of a list; a person as their id). */
export function plainValue(raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) {
    if (!raw.length) return undefined;
    if (raw.every((x) => x && typeof x === 'object' && 'text' in x))
      return raw.map((x) => String((x as { text: unknown }).text ?? '')).join('');
    return plainValue(raw[0]);
  }
  if (typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if ('id' in o && typeof o.id === 'string') return o.id;
    if ('text' in o) return plainValue(o.text);
    if ('value' in o) return plainValue(o.value);
  }
  return undefined;
}

export function mapRows(rows: Record<string, unknown>[], mapping: Mapping): RawPoint[] {
  return rows.map((row) => ({
    metric: mapping.metric ?? plainValue(row[mapping.metric_field!]),
    subject: plainValue(row[mapping.subject_field]),
    at: plainValue(row[mapping.at_field]),
    value: plainValue(row[mapping.value_field]),
  }));
}
