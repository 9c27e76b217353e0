import { describe, expect, it } from 'vitest';
import { progress } from '../../bench/progress';

describe('bench progress line', () => {
  it('on a terminal, rewrites one line and only when the text changes', () => {
    let out = '';
    const p = progress('sent', { tty: true, write: (s) => (out += s) });
    for (let i = 0; i < 100; i++) p.update('1000/1010');
    p.update('1010/1010');
    p.done();
    expect(out).toBe('\r\x1b[K  sent 1000/1010\r\x1b[K  sent 1010/1010\n');
  });

  it('in a log, prints changes at most every few seconds, and the final figure', () => {
    const lines: string[] = [];
    let t = 0;
    const p = progress('sent', { tty: false, write: (s) => lines.push(s), everyMs: 5000, now: () => t });
    for (let i = 0; i <= 1000; i += 10) {
      p.update(`${i}/1010`);
      p.update(`${i}/1010`);
      t += 200;
    }
    p.update('1010/1010');
    p.done();
    expect(lines.length).toBeLessThan(10);
    expect(lines[0]).toBe('  sent 0/1010\n');
    expect(lines.at(-1)).toBe('  sent 1010/1010\n');
  });
});
