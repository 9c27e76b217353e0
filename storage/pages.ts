// Large reads in pages, with a turn of the event loop between pages.
import { nextTurn } from '../core/loop';

/** Rows per page: a page of a wide table reads and maps in about 10 ms on the bench machine. */
export const READ_PAGE = 1000;

/**
 * Every row of a large read, `pageSize` at a time: `page` answers the rows after `last` (the last
 * row of the page before; undefined for the first) in the read's order, at most `limit` of them.
 * better-sqlite3 never yields, so one statement holds the event loop until all its rows are
 * mapped: the weekly digest's one read of a 3,000-person org's 16,555 active KRs held it 172 ms
 * (bench:soak), and pushes arriving meanwhile waited for their acknowledgement.
 */
export async function readInPages<T>(
  page: (last: T | undefined, limit: number) => Promise<T[]>,
  pageSize = READ_PAGE,
): Promise<T[]> {
  const out: T[] = [];
  let last: T | undefined;
  for (;;) {
    const rows = await page(last, pageSize);
    for (const row of rows) out.push(row);
    if (rows.length < pageSize) return out;
    last = rows[rows.length - 1];
    await nextTurn();
  }
}
