// Multi-row inserts must fit D1's 100 bound parameters; the parameters per row are written by hand
// at each caller, so this checks them against the SQL Drizzle actually builds.
import { describe, expect, it } from 'vitest';
import { insertGroups } from './db';
import { outboxRowsInsert } from './outbox-rows';
import { inbox } from './schema';
import { openSqlite } from './sqlite';

describe('insertGroups', () => {
  it('keeps every multi-row insert of the inbox and the outbox within 100 bound parameters', () => {
    const store = openSqlite(':memory:');
    try {
      const pushes = Array.from({ length: 40 }, (_, i) => ({
        id: `in_${i}`,
        platform: 'lark',
        eventId: `ev_${i}`,
        event: {},
        receivedAt: '2026-11-28T00:00:00.000Z',
      }));
      // src/inbound/inbox.ts: PARAMETERS_PER_PUSH = 7.
      const inboxParams = insertGroups(pushes, 7).map(
        (g) => store.db.insert(inbox).values(g).onConflictDoNothing().toSQL().params.length,
      );
      const messages = Array.from({ length: 40 }, (_, i) => ({
        id: `ob_${i}`,
        orgId: 'org',
        platform: 'lark' as const,
        operation: 'send' as const,
        target: { platform: 'lark' as const, kind: 'user' as const, id: `u${i}` },
        payload: { text: 'hi' },
        recipientKey: `lark:user:u${i}`,
        now: new Date('2026-11-28T00:00:00Z'),
      }));
      const outboxParams = outboxRowsInsert(store, messages as never).map((q) => q.toSQL().params.length);
      for (const n of [...inboxParams, ...outboxParams]) expect(n).toBeLessThanOrEqual(100);
      expect(inboxParams.length).toBe(3);
      expect(outboxParams.length).toBe(5);
    } finally {
      store.close();
    }
  });

  it('splits rows into groups of floor(100 / parameters per row)', () => {
    expect(insertGroups([1, 2, 3, 4, 5], 40).map((g) => g.length)).toEqual([2, 2, 1]);
    expect(insertGroups([], 7)).toEqual([]);
  });
});
