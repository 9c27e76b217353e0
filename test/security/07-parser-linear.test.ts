// Item 7 of the security review: `委托 张三 <100,000 digits>x` blocked the server for 11 s
// (an unanchored `…\d+…$` regex in parseDelegate retried from every digit). Every parser
// pattern must run in linear time, and chat text is capped before parsing.
//
// How linearity is asserted without flaking on a loaded machine: the same total amount of
// text is parsed twice, as 32 inputs of n characters and as one input of 32·n. Linear code
// takes about as long either way; quadratic code takes ~32 times longer for the big one.
// The test passes as soon as one of a few rounds shows a ratio under 8, so a stall in one
// round cannot fail it, while quadratic code (ratio ~32 in every round) can never pass.
import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_CHARS, parseCommand } from '../../src/chat/parse';
import { parseKrLine } from '../../src/chat/kr-line';
import { normalizeText } from '../../src/chat/normalize';
import { message, startHarness } from '../approvals/harness';

const SMALL = 1_000;
const FACTOR = 32;
const NO_CAP = { maxLength: Number.POSITIVE_INFINITY };

function elapsed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** The best (lowest) big/small time ratio over a few rounds, stopping at the first good one. */
function ratio(make: (n: number) => string, parse: (text: string) => unknown): number {
  const small = make(SMALL);
  const big = make(SMALL * FACTOR);
  for (let i = 0; i < 3; i++) parse(small); // warm up the JIT
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4 && best >= 8; round++) {
    const tSmall = elapsed(() => {
      for (let i = 0; i < FACTOR; i++) parse(small);
    });
    const tBig = elapsed(() => parse(big));
    best = Math.min(best, tBig / Math.max(tSmall, 0.05));
  }
  return best;
}

const WORST_CASES: [string, (n: number) => string][] = [
  ['delegation days', (n) => `委托 张三 ${'1'.repeat(n)}x`],
  ['delegation days with spaces', (n) => `委托 张三 ${'1 '.repeat(n / 2)}x`],
  ['delegation for', (n) => `delegate to ${'for '.repeat(n / 4)}x`],
  ['trailing punctuation', (n) => `帮助${'!'.repeat(n)}x`],
  ['check-in separators', (n) => `KR1 45 ${','.repeat(n)}x`],
  ['check-in note separators', (n) => `KR1 45 备注 ${';'.repeat(n)}x`],
  ['check-in digits', (n) => `KR1 ${'1'.repeat(n)}x`],
  ['confidence digits', (n) => `KR1 45 信心 ${'1'.repeat(n)}x`],
  ['adjust digits', (n) => `调整 KR1 目标 ${'1'.repeat(n)}x 原因 ${'2'.repeat(n)}`],
  ['adjust reason separators', (n) => `调整 KR1 目标 80 原因 ${', '.repeat(n / 2)}x`],
  ['leading mentions', (n) => `${'@a '.repeat(n / 3)}帮助`],
  ['thousands separators', (n) => `KR1 ${'1,000'.repeat(n / 5)}x`],
  ['keywords', (n) => `${'信心'.repeat(n / 2)}x`],
  ['notes', (n) => `KR1 45 ${'note '.repeat(n / 5)}x`],
  ['calibration score digits', (n) => `校准 ${'1'.repeat(n)}x`],
  ['calibration name spaces', (n) => `校准 张三${' '.repeat(n)}0.6`],
  ['calibration reasons', (n) => `calibrate Zhang San 0.6 ${'because '.repeat(n / 8)}x`],
  ['self-score digits', (n) => `自评 O1 ${'1'.repeat(n)}x`],
  ['self-score notes', (n) => `自评 O1 0.7 ${'备注 '.repeat(n / 3)}x`],
  ['appeal separators', (n) => `申诉 ${':'.repeat(n)}x`],
];

describe('chat parsing is linear in the text', () => {
  for (const [name, make] of WORST_CASES) {
    it(`parseCommand: ${name}`, () => {
      expect(ratio(make, (text) => parseCommand(text, NO_CAP))).toBeLessThan(8);
    });
  }

  it('normalizeText', () => {
    expect(ratio((n) => `${'＠ａ　'.repeat(n / 3)}x`, normalizeText)).toBeLessThan(8);
  });

  it('parseKrLine refuses long lines before any pattern runs', () => {
    expect(parseKrLine(`家访 ${'1→'.repeat(50_000)}x`)).toEqual({ error: 'too_long' });
    expect(ratio((n) => `家访${'1→'.repeat(n / 2)}x`, parseKrLine)).toBeLessThan(8);
  });
});

describe('the length cap', () => {
  it('answers the reported message with "too long" without parsing it', () => {
    const text = `委托 张三 ${'1'.repeat(100_000)}x`;
    expect(parseCommand(text)).toMatchObject({ type: 'invalid', reason: 'too_long' });
    expect(parseCommand(`委托 张三 ${'1'.repeat(MAX_COMMAND_CHARS)}x`)).toMatchObject({ reason: 'too_long' });
  });

  it('still reads ordinary delegations', () => {
    expect(parseCommand('委托 张三 7天')).toEqual({ type: 'delegate', to: '张三', days: 7 });
    expect(parseCommand('delegate to Zhang San for 7 days')).toEqual({ type: 'delegate', to: 'Zhang San', days: 7 });
    expect(parseCommand('委托 张三 0天')).toMatchObject({ type: 'invalid', reason: 'bad_days' });
    expect(parseCommand('委托 David')).toEqual({ type: 'delegate', to: 'David' });
  });

  it("the bot answers the reported message with a short 'too long' reply", async () => {
    const h = await startHarness();
    try {
      await h.dispatch(message('ou_alice', `委托 张三 ${'1'.repeat(100_000)}x`));
      expect(h.lastText('ou_alice')).toContain('太长');
      expect(h.lastText('ou_alice')).toContain(String(MAX_COMMAND_CHARS));
    } finally {
      h.close();
    }
  });
});
