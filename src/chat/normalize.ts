// Turns what people actually type in a chat box into one canonical form, so
// the parser can match a handful of patterns instead of every keyboard's quirks:
// full-width ASCII from Chinese IMEs (ＫＲ１　４５％), typographic minus signs,
// invisible characters copied from documents, and the @-mention that group
// chats prepend to a message addressed to the bot.

const FULL_WIDTH_START = 0xff01; // ！
const FULL_WIDTH_END = 0xff5e; // ～
const FULL_TO_HALF_OFFSET = 0xfee0;

/** Full-width ASCII (U+FF01–FF5E) → half-width, ideographic space → space, a few CJK signs → ASCII. */
export function toHalfWidth(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= FULL_WIDTH_START && code <= FULL_WIDTH_END) out += String.fromCodePoint(code - FULL_TO_HALF_OFFSET);
    else out += CJK_SIGNS[ch] ?? ch;
  }
  return out;
}

const CJK_SIGNS: Record<string, string> = {
  '\u3000': ' ', // ideographic space
  '\u00a0': ' ', // no-break space
  '\u2212': '-', // minus sign
  '\u2013': '-', // en dash used as minus
  '\uffe5': '¥', // full-width yen/yuan sign (outside FF01–FF5E)
  '、': ',',
  '。': '.',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '【': '[',
  '】': ']',
  '《': '<',
  '》': '>',
};

// Zero-width space/joiners and the BOM sneak in from copy-paste.
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;

/**
 * A leading @-mention: `@Polaris`, `@_user_1` (Lark's placeholder), `@机器人`.
 * Only stripped when followed by whitespace or the end, so `@` inside a word stays.
 */
const LEADING_MENTIONS = /^(?:@\S+(?:\s+|$))+/;

/** Canonical text for parsing: half-width, single spaces, trimmed, no leading @-mentions. Case is kept. */
export function normalizeText(text: string): string {
  const halfWidth = toHalfWidth(text.replace(INVISIBLE, ''));
  const collapsed = halfWidth.replace(/\s+/g, ' ').trim();
  return collapsed.replace(LEADING_MENTIONS, '').trim();
}
