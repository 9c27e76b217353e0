// Message catalogue for everything the bot says. t(locale, key, params) looks a
// key up in the person's language (zh-CN by default) and fills `{name}` placeholders.
import type { Locale } from '../types';
import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';

export type { Locale, MessageKey };
export type MessageParams = Record<string, string | number>;

export const catalogues: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export function t(locale: Locale | string | null | undefined, key: MessageKey, params?: MessageParams): string {
  const template = catalogues[toLocale(locale)][key] ?? zhCN[key] ?? key;
  if (!params) return template;
  // Unknown placeholders stay visible ({name}) rather than vanishing, so a missing param is noticed.
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Any locale string → one Polaris supports: `en`, `en-US`, `en_GB` → en; everything else → zh-CN. */
export function toLocale(locale: string | null | undefined): Locale {
  return locale && /^en(?:[-_]|$)/i.test(locale) ? 'en' : 'zh-CN';
}

/** The language to talk to someone in. Unknown people get the default, Chinese. */
export function localeOf(person: { locale?: string | null } | null | undefined): Locale {
  return toLocale(person?.locale);
}

/** The `{placeholders}` a template uses, for tests and tooling. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/**
 * The reply to a recognised command with bad arguments (parseCommand's `invalid`):
 * what was wrong, with the parser's example of the right phrasing.
 */
export function invalidReply(
  locale: Locale | string | null | undefined,
  invalid: { reason: string; hint?: string; detail?: string },
): string {
  const key = `invalid.${invalid.reason}` as MessageKey;
  const lang = toLocale(locale);
  if (!(key in catalogues[lang])) return t(lang, 'unknown.reply', { text: '' });
  return t(lang, key, { hint: invalid.hint ?? '' });
}
