// Keyset pagination: `?limit=` (default 50, max 500) and an opaque `?cursor=`
// that encodes the sort key of the last row returned. Stable under inserts,
// cheap at any depth, and the same on SQLite and D1.
import { and, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Context } from 'hono';
import { ApiError } from './errors';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface PageRequest {
  limit: number;
  /** Sort key of the last row already returned: [primary, id] or [id]. */
  after?: string[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

function b64urlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function b64urlDecode(text: string): string {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
}

export function encodeCursor(key: string[]): string {
  return b64urlEncode(JSON.stringify(key));
}

export function decodeCursor(cursor: string, parts: number): string[] {
  try {
    const key = JSON.parse(b64urlDecode(cursor));
    if (Array.isArray(key) && key.length === parts && key.every((k) => typeof k === 'string')) return key;
  } catch {
    /* fall through to the error below */
  }
  throw new ApiError(400, 'invalid_cursor', 'The cursor is not one this API returned; start again without ?cursor=.');
}

export function readPage(c: Context, parts = 1): PageRequest {
  const rawLimit = c.req.query('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined && rawLimit !== '') {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new ApiError(400, 'bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}.`);
    limit = Math.min(limit, MAX_LIMIT);
  }
  const cursor = c.req.query('cursor');
  return { limit, after: cursor ? decodeCursor(cursor, parts) : undefined };
}

/** The WHERE clause for rows after the cursor, for ORDER BY (cols...) in `dir`. */
export function afterCursor(
  cols: SQLiteColumn[],
  after: string[] | undefined,
  dir: 'asc' | 'desc' = 'asc',
): SQL | undefined {
  if (!after) return undefined;
  const beyond = dir === 'asc' ? gt : lt;
  if (cols.length === 1) return beyond(cols[0], after[0]);
  return or(beyond(cols[0], after[0]), and(eq(cols[0], after[0]), beyond(cols[1], after[1])));
}

/** Cuts the `limit + 1` rows a query fetched into a page and the next cursor. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => string[], present: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(present), next_cursor: more ? encodeCursor(key(kept[kept.length - 1])) : null };
}
