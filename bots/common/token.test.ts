import { describe, expect, it } from 'vitest';
import { SingleFlightToken } from './token';

describe('SingleFlightToken', () => {
  it('shares one fetch among concurrent callers, refreshes inside the margin, and survives a failed fetch', async () => {
    let clock = 0;
    let fetches = 0;
    let fail = false;
    const token = new SingleFlightToken(
      async () => {
        fetches++;
        await Promise.resolve();
        if (fail) throw new Error('platform down');
        return { value: `t${fetches}`, expiresInSeconds: 7200 };
      },
      () => new Date(clock),
      5 * 60_000,
    );
    expect(await Promise.all([token.get(), token.get(), token.get()])).toEqual(['t1', 't1', 't1']);
    clock = 7200_000 - 5 * 60_000 - 1;
    expect(await token.get()).toBe('t1');
    clock += 2;
    fail = true;
    await expect(token.get()).rejects.toThrow('platform down');
    fail = false;
    expect(await token.get()).toBe('t3');
    expect(fetches).toBe(3);
  });

  it('invalidate drops only the token that was refused, so concurrent refusals refresh once', async () => {
    let fetches = 0;
    const token = new SingleFlightToken(
      async () => ({ value: `t${++fetches}`, expiresInSeconds: 7200 }),
      () => new Date(0),
      60_000,
    );
    const stale = await token.get();
    token.invalidate(stale);
    const fresh = await token.get();
    // A second caller that also held the stale token must not throw the fresh one away.
    token.invalidate(stale);
    expect(await token.get()).toBe(fresh);
    expect(fetches).toBe(2);
  });
});
