// One language per reply: a check that a text meant for a zh-CN reader holds no
// English words, and one meant for an en reader no Chinese. Used by the tests
// over the catalogues and over rendered replies (test/approvals/chat-trust.test.ts).
import type { Locale } from '../types';

/**
 * Latin words a Chinese reply may contain: KR and O numbers, OKR, the product's name,
 * the technical names an admin types (ADMIN_TOKEN, npm run seed:demo, /api/v1/rules) and
 * the card's emoji-free unit marks, and Webhook, CSV and Excel (the names Chinese software uses too).
 */
const ZH_ALLOWED =
  /^(?:KR\d*|OKRs?|O\d*|Polaris|ADMIN_TOKEN|npm|run|seed:demo|api\/v1\/rules|Q[1-4]|H[12]|Webhook|CSV|Excel)$/;
const HAN = /[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]/;

/** Words in `text` that do not belong in a reply in `locale` (after removing `data`: names, titles people wrote). */
export function foreignWords(text: string, locale: Locale, data: readonly string[] = []): string[] {
  let rest = text;
  for (const d of [...data].sort((a, b) => b.length - a.length)) if (d) rest = rest.split(d).join(' ');
  rest = rest.replace(/\{\w+\}/g, ' ');
  // Commands an admin types (`npx polaris outbox list`, GET /api/v1/outbox?…) are code, not prose.
  rest = rest.replace(/`[^`]*`/g, ' ').replace(/\b(?:GET|POST|PATCH|DELETE) \/\S+/g, ' ');
  if (locale === 'en') return [...rest].filter((ch) => HAN.test(ch));
  const words = rest.match(/[A-Za-z][A-Za-z0-9_:/.-]*/g) ?? [];
  return words.map((w) => w.replace(/[.:]+$/, '')).filter((w) => !ZH_ALLOWED.test(w));
}
