// One progress line for a bench step. On a terminal it rewrites itself in place (`\r`); in a
// log file or CI (not a TTY) it prints a line only when the text changed and at most every few
// seconds, plus the last one, so a step that waits (the digest drain waits for Lark's
// 1000-a-minute cap) does not print the same figure a hundred times.

export interface Progress {
  update(text: string): void;
  /** Ends the line; prints the last text if it was never shown. */
  done(): void;
}

export function progress(
  label: string,
  options: { tty?: boolean; write?: (s: string) => void; everyMs?: number; now?: () => number } = {},
): Progress {
  const tty = options.tty ?? process.stdout.isTTY === true;
  const write = options.write ?? ((s: string) => process.stdout.write(s));
  const everyMs = options.everyMs ?? 5000;
  const now = options.now ?? (() => Date.now());
  let last: string | undefined;
  let shown: string | undefined;
  let shownAt = Number.NEGATIVE_INFINITY;
  return {
    update(text) {
      if (text === last) return;
      last = text;
      if (tty) {
        // \x1b[K clears what a longer previous line left behind.
        write(`\r\x1b[K  ${label} ${text}`);
        shown = text;
      } else if (now() - shownAt >= everyMs) {
        write(`  ${label} ${text}\n`);
        shown = text;
        shownAt = now();
      }
    },
    done() {
      if (tty) {
        if (shown !== undefined) write('\n');
      } else if (last !== undefined && last !== shown) {
        write(`  ${label} ${last}\n`);
      }
    },
  };
}
