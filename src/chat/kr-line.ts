// Parses one key result as people write it in a chat message, e.g.
//   家访次数 0→20次 · 续费率 60%→68% · 营收 100万→120万元 · home visits 0->20
//   满意度 ≥ 4.7 · 投诉 ≤ 3 · 新签学员 50人 · 上线新版官网
// Decisions (documented in docs and the help text):
// - `<title> <start><arrow><target>`: arrows →, ->, -->, =>, ~, 到, 至, to, and
//   verbs like 提升到 / 降至. A unit or multiplier on one side applies to the other
//   (100→120万 means 1,000,000 → 1,200,000). Target below start means direction down.
// - `<title> ≥ X` / `>= X` / 至少 X / 提升到 X / 提升至 X: direction up, start 0;
//   `≤ X` / `<= X` / 不超过 X / 降到 X / 降低至 X: direction down, start = X. All set
//   `baselineMissing` so the flow can ask for the current value and use it as the start
//   (学员续费率提升至68% is a target of 68% from a start nobody wrote down).
// - Magnitudes: 千 / 万 / 十万 / 百万 / 千万 / 亿, k / w, and M / B (million, billion;
//   upper case, or mn / bn, so that 5m stays five metres). Units: %, ‰, ‱, ¥ / 元 / $,
//   and any short word (次, 人, 分, visits).
// - `<title> X<unit>` (one number at the end): start 0, target X, direction up. When
//   the title is only a verb (完成3个项目, 新签20家客户) the whole line is the title and
//   the measure word (个, 家) the unit.
// - No number at the end at all (上线新版官网, 是否完成ISO认证): a boolean KR
//   (start 0, target 1); a leading 是否 is dropped from the title.
import type { KrKind } from '../../storage/schema';

export interface KrLine {
  title: string;
  kind: KrKind;
  start: number;
  target: number;
  unit?: string;
  direction: 'up' | 'down';
  /** The line gave only a bound (≥ 4.7): `start` is a placeholder until someone supplies the current value. */
  baselineMissing?: boolean;
}

export type KrLineError = 'empty' | 'too_long' | 'missing_title' | 'bad_numbers' | 'same_start_target';

const MAX_TITLE = 200;

/** A number with thousands separators or decimals: 12,000 · 3.5 · -2 · .5 */
export const NUMBER_SOURCE = String.raw`[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|[-+]?\.\d+`;
const MULTIPLIER_SOURCE = String.raw`万元|十万|百万|千万|万|亿|千|[kKwW](?![a-zA-Z])|[MB](?![a-zA-Z])|mn\b|bn\b`;
const UNIT_SOURCE = String.raw`%|‰|‱|[\u4e00-\u9fff]{1,4}|[a-zA-Z][a-zA-Z.]{0,14}(?: [a-zA-Z]{1,15})?`;
const AMOUNT_SOURCE = String.raw`(?<cur>[¥$])?\s*(?<num>${NUMBER_SOURCE})\s*(?<mult>${MULTIPLIER_SOURCE})?\s*(?<unit>${UNIT_SOURCE})?`;

const AMOUNT_ONLY = new RegExp(String.raw`^${AMOUNT_SOURCE}$`);
const AMOUNT_AT_END = new RegExp(String.raw`${AMOUNT_SOURCE}\s*$`);

// Longer alternatives first so 降至 wins over 至 and --> over ->.
const ARROWS =
  /-->|->|=>|→|⟶|➝|~|提升到|提升至|提高到|提高至|增长到|增长至|增加到|增加至|上升到|上升至|降低到|降低至|下降到|下降至|减少到|减少至|降到|降至|到|至|\bto\b/gi;
const AT_LEAST =
  /^(?<title>.*?)\s*(?<op>≥|>=|>|不低于|不少于|至少|达到|(?:提升|提高|增长|增加|上升|升)(?:到|至)|at least|reach(?:es)?|no less than|(?:increase|grow|raise|improve)d? to)\s*(?<amount>[¥$]?\s*[-+.\d].*)$/i;
const AT_MOST =
  /^(?<title>.*?)\s*(?<op>≤|<=|<|不超过|不高于|不多于|低于|至多|控制在|(?:降低|下降|减少|压缩|降)(?:到|至)|at most|below|under|no more than|(?:reduce|decrease|cut|lower)d? to)\s*(?<amount>[¥$]?\s*[-+.\d].*)$/i;
/** Measure words after a number: 完成3个项目 → unit 个. */
const MEASURE = /^[个次场家名位份篇项门节件本条单套款批所间台辆]/;
const EXPLICIT_RANGE_SIGN = /-->|->|=>|→|⟶|≥|≤|>=|<=/;

interface Amount {
  value: number;
  kind?: 'percent' | 'currency';
  /** Display unit as written (次, 人, 分, visits); currency uses 元 or $. */
  unit?: string;
  multiplier?: number;
}

export function parseKrLine(line: string): KrLine | { error: KrLineError } {
  const text = stripBullet(line.replace(/\s+/g, ' ').trim());
  if (!text) return { error: 'empty' };
  if (text.length > MAX_TITLE + 40) return { error: 'too_long' };

  const result = parseRange(text) ?? parseBound(text) ?? parseSingleNumber(text);
  if (result && 'error' in result) return result;
  if (result) {
    if (result.title.length > MAX_TITLE) return { error: 'too_long' };
    return result;
  }
  if (EXPLICIT_RANGE_SIGN.test(text)) return { error: 'bad_numbers' };
  const title = text.replace(/^是否\s*/, '').trim();
  if (!title) return { error: 'missing_title' };
  if (title.length > MAX_TITLE) return { error: 'too_long' };
  return { title, kind: 'boolean', start: 0, target: 1, direction: 'up' };
}

/** Bullets and numbering people paste in front of lines: `1.`, `2、`, `-`, `•`, `KR1:`. */
function stripBullet(text: string): string {
  return text.replace(/^(?:\d{1,2}\s*[.、)]\s+|\d{1,2}[、)]|[-*•·]\s*|kr\s*\d{1,2}\s*[:.,)]?\s+)/i, '').trim();
}

function parseRange(text: string): KrLine | { error: KrLineError } | null {
  const arrows = [...text.matchAll(ARROWS)].reverse();
  for (const arrow of arrows) {
    const left = text.slice(0, arrow.index);
    const right = text.slice(arrow.index! + arrow[0].length).trim();
    const target = readAmount(right.match(AMOUNT_ONLY));
    const startMatch = left.match(AMOUNT_AT_END);
    const start = readAmount(startMatch);
    if (!target || !start || !startMatch) continue;
    const title = cleanTitle(left.slice(0, startMatch.index));
    if (!title) return { error: 'missing_title' };
    const merged = mergeSides(start, target);
    if (merged.start === merged.target) return { error: 'same_start_target' };
    return {
      title,
      ...kindAndUnit(merged.kind, merged.unit),
      start: merged.start,
      target: merged.target,
      direction: merged.target < merged.start ? 'down' : 'up',
    };
  }
  return null;
}

function parseBound(text: string): KrLine | { error: KrLineError } | null {
  for (const [pattern, direction] of [
    [AT_LEAST, 'up'],
    [AT_MOST, 'down'],
  ] as const) {
    const m = text.match(pattern);
    if (!m?.groups) continue;
    const amount = readAmount(m.groups.amount.trim().match(AMOUNT_ONLY));
    if (!amount) continue;
    const title = cleanTitle(m.groups.title);
    if (!title) return { error: 'missing_title' };
    const target = scaled(amount);
    return {
      title,
      ...kindAndUnit(amount.kind, amount.unit),
      start: direction === 'up' ? 0 : target,
      target,
      direction,
      baselineMissing: true,
    };
  }
  return null;
}

function parseSingleNumber(text: string): KrLine | null {
  const m = text.match(AMOUNT_AT_END);
  const amount = readAmount(m);
  if (!m || !amount) return null;
  const before = text.slice(0, m.index);
  // `Top10` is a title, `新签学员50人` is a title plus a target: require a space
  // or a CJK character right before the number.
  if (!/^\s/.test(m[0]) && !/(\s|[\u4e00-\u9fff])$/.test(before)) return null;
  let title = cleanTitle(before);
  // Only arrows or punctuation before the number (`→ 68%`): no title, and no range either.
  if (!title || /^[\p{P}\p{S}\s]*$/u.test(title)) return null;
  const target = scaled(amount);
  if (target === 0) return null;
  let typed = kindAndUnit(amount.kind, amount.unit);
  // `完成3个里程碑` reads better whole than as title `完成` plus unit `个里程碑`.
  if (typed.kind === 'milestone') title = text;
  // `完成3个项目`, `新签20家客户`: a bare verb is no title; the whole line is, and the measure word the unit.
  else if (typed.unit && typed.unit.length > 1 && MEASURE.test(typed.unit) && /^[\u4e00-\u9fff]{1,2}$/.test(title)) {
    title = text;
    typed = { kind: 'number', unit: typed.unit[0] };
  }
  return { title, ...typed, start: 0, target, direction: target < 0 ? 'down' : 'up' };
}

function readAmount(m: RegExpMatchArray | null): Amount | null {
  if (!m?.groups) return null;
  const { cur, num, mult, unit } = m.groups;
  const value = Number(num.replace(/,/g, ''));
  if (!Number.isFinite(value)) return null;
  const amount: Amount = { value };
  const multiplier = multiplierOf(mult);
  if (multiplier !== 1) amount.multiplier = multiplier;
  if (unit === '%') amount.kind = 'percent';
  else if (unit === '‰' || unit === '‱') amount.unit = unit;
  else if (cur || unit === '元' || unit === '块' || mult === '万元') {
    amount.kind = 'currency';
    amount.unit = cur === '$' ? '$' : '元';
  } else if (unit) amount.unit = unit;
  if (unit === '%') amount.unit = '%';
  return amount;
}

function multiplierOf(mult: string | undefined): number {
  switch (mult?.toLowerCase()) {
    case '万':
    case '万元':
    case 'w':
      return 10_000;
    case '亿':
      return 100_000_000;
    case '千':
    case 'k':
      return 1_000;
    case '十万':
      return 100_000;
    case '百万':
    case 'm':
    case 'mn':
      return 1_000_000;
    case '千万':
      return 10_000_000;
    case 'b':
    case 'bn':
      return 1_000_000_000;
    default:
      return 1;
  }
}

/** Exact enough for display and storage; avoids 1.1 * 10000 = 11000.000000000002. */
export function roundValue(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function scaled(a: Amount): number {
  return roundValue(a.value * (a.multiplier ?? 1));
}

/** A unit or multiplier written on only one side applies to both. */
function mergeSides(start: Amount, target: Amount) {
  const multiplier = target.multiplier ?? start.multiplier ?? 1;
  return {
    start: roundValue(start.value * (start.multiplier ?? multiplier)),
    target: roundValue(target.value * (target.multiplier ?? multiplier)),
    kind: target.kind ?? start.kind,
    unit: target.unit ?? start.unit,
  };
}

function kindAndUnit(kind: Amount['kind'], unit: string | undefined): { kind: KrKind; unit?: string } {
  if (kind === 'percent') return { kind: 'percent', unit: '%' };
  if (kind === 'currency') return { kind: 'currency', unit };
  if (unit && /里程碑|milestone/i.test(unit)) return { kind: 'milestone', unit };
  return unit ? { kind: 'number', unit } : { kind: 'number' };
}

function cleanTitle(raw: string): string {
  return raw
    .trim()
    .replace(/\s*(?:从|由|from)$/i, '')
    .replace(/[\s:：,，=-]+$/, '')
    .trim();
}
