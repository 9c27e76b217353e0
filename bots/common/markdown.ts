// Text pieces the markdown-rendering adapters (Lark, DingTalk) share. Unlike core/format's
// progressBar (which rounds down and has no label), this one rounds to the nearest cell and
// appends the percentage, as chat cards show it.

const BAR_CELLS = 10;

/** `▓▓▓▓▓░░░░░ 52%`: for platforms without a progress element. */
export function percentBar(percent: number): string {
  const safe = Number.isFinite(percent) ? percent : 0;
  const filled = Math.round(Math.min(100, Math.max(0, safe)) / (100 / BAR_CELLS));
  return `${'▓'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${Math.round(safe)}%`;
}

/** Cuts visibly (with …) to `max` UTF-16 code units. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const LOOKALIKE: Record<string, string> = {
  '<': '＜',
  '>': '＞',
  '[': '［',
  ']': '］',
  '(': '（',
  ')': '）',
  '!': '！',
  '*': '＊',
  _: '＿',
  '~': '～',
  '`': '｀',
  '#': '＃',
  '&': '＆',
  '|': '｜',
  '\\': '＼',
  '@': '＠',
};

/**
 * User text made inert for a markdown dialect: each character of `chars` that the platform
 * reads as markup becomes its full-width look-alike (＜ ［ ］ （ ） ！ ＊ …). Look-alikes rather
 * than backslashes or entities, because not every platform honours those (DingTalk documents
 * neither) while every one shows a full-width character as itself; in Chinese text they are
 * the usual forms anyway.
 */
export function inertMarkup(text: string, chars: string): string {
  let out = '';
  for (const ch of text) out += chars.includes(ch) ? (LOOKALIKE[ch] ?? ch) : ch;
  return out;
}
