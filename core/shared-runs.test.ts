import { describe, expect, it } from 'vitest';
import { SharedRuns } from './shared-runs';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SharedRuns', () => {
  it('gives a second caller the run in flight and one more pass for what it brought', async () => {
    const runs = new SharedRuns();
    let passes = 0;
    let concurrent = 0;
    let most = 0;
    const body = async (more: () => boolean) => {
      concurrent++;
      most = Math.max(most, concurrent);
      try {
        do {
          passes++;
          await tick();
        } while (more());
        return passes;
      } finally {
        concurrent--;
      }
    };
    const first = runs.share('inbox', body);
    const second = runs.share('inbox', body);
    const third = runs.share('inbox', body);
    expect(second).toBe(first);
    expect(third).toBe(first);
    // Two calls mid-pass ask for one more pass, not two.
    expect(await first).toBe(2);
    expect(most).toBe(1);
    expect(runs.current('inbox')).toBeUndefined();
  });

  it('keeps keys apart and starts afresh once a run has ended', async () => {
    const runs = new SharedRuns();
    const a = runs.share('outbox:lark', async () => 'lark');
    const b = runs.share('outbox:wecom', async () => 'wecom');
    expect(a).not.toBe(b);
    expect(runs.inFlight('outbox:')).toHaveLength(2);
    expect(await Promise.all([a, b])).toEqual(['lark', 'wecom']);
    let more: boolean | undefined;
    await runs.share('outbox:lark', async (m) => {
      more = m();
    });
    expect(more).toBe(false);
  });

  it('frees the key when a run fails, so the next call runs again', async () => {
    const runs = new SharedRuns();
    await expect(runs.share('inbox', async () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(await runs.share('inbox', async () => 1)).toBe(1);
  });
});
