// The chat command parser: one message in, one Command out. Pure and total:
// every input yields a Command, never an exception. Generous about phrasing
// (Chinese or English, any case or width, extra spaces, an @-mention in front)
// but strict about meaning: a message is only a check-in when it *starts* with
// a KR reference, so `我觉得KR1还行` stays unknown rather than being misread.
// A recognised command with bad arguments (`KR1` with no value, 信心 11) becomes
// `invalid` with a reason and an example the bot can show.
import { NUMBER_SOURCE, parseKrLine, roundValue, type KrLine } from './kr-line';
import { normalizeText } from './normalize';
import { parseReviewCommand, type ReviewCommand, type ReviewInvalid } from '../review/parse';

export type { KrLine };

export type AdjustChange =
  | { field: 'target' | 'start' | 'weight'; value: number }
  | { field: 'title'; value: string }
  | { field: 'drop' }
  | { field: 'add'; kr: KrLine };

export type InvalidReason =
  | 'missing_kr' // `更新` / `adjust` with no KR reference
  | 'bad_kr_number' // KR0
  | 'missing_value' // `KR1`
  | 'bad_value' // `KR1 abc`, `调整 KR1 目标 abc`
  | 'extra_value' // `KR1 45 50`: two numbers, which one?
  | 'one_kr_at_a_time' // `KR1 45 KR2 60`
  | 'missing_confidence' // `KR1 45 信心`
  | 'confidence_range' // 信心 11, 信心 7.5
  | 'missing_change' // `调整 KR1` / `调整 KR1 80`
  | 'needs_kr' // `调整 O1 目标 80`: targets belong to KRs
  | 'bad_kr_line' // `调整 O1 新增KR` with an unreadable KR
  | 'missing_delegate' // `委托`
  | 'bad_days' // `委托 张三 0天`
  | 'adjust_confidence' // `调整 KR1 目标 50 信心 3`: a request changes one thing; confidence is a check-in
  | 'missing_name' // `查看` / `催一下` with nobody named
  | ReviewInvalid['reason'] // `自评`, `校准`, `申诉` without what they need (src/review/parse.ts)
  | 'too_long'; // longer than any command (MAX_COMMAND_CHARS)

export type Command =
  | { type: 'help' }
  | { type: 'my_okrs' }
  | { type: 'team' }
  | { type: 'new_objective' }
  | { type: 'cancel' }
  | { type: 'approvals' }
  | { type: 'end_delegation' }
  | { type: 'delegation_status' }
  /** `撤回`, `撤回 KR1`, `撤回 2` (the second of the pending requests). */
  | { type: 'withdraw'; kr?: number; index?: number }
  | { type: 'show'; name: string }
  | { type: 'nudge'; name: string }
  /** `KR1 信心 6`: confidence only, the value stays. */
  | { type: 'confidence'; kr: number; confidence: number; note?: string }
  | {
      type: 'checkin';
      /** 1-based display number, as on the "my OKRs" card. */
      kr: number;
      value: number;
      percentSign: boolean;
      /** `+2` / `-2`: a change to the current value, not the value itself. */
      delta?: boolean;
      confidence?: number;
      note?: string;
      /** Set when the value was a word (完成 / done → true, 未完成 / not done → false; value 1 or 0). */
      done?: boolean;
    }
  | { type: 'adjust'; kr?: number; objective?: number; change: AdjustChange; reason?: string }
  | { type: 'delegate'; to: string; days?: number }
  | {
      type: 'invalid';
      reason: InvalidReason;
      /** An example of the right phrasing, in the language the person wrote in. */
      hint?: string;
      /** The KR the message was about, when known. */
      kr?: number;
      /** Extra machine-readable detail, e.g. the KrLineError of a bad `新增KR`. */
      detail?: string;
    }
  | ReviewCommand
  | { type: 'unknown'; text: string };

// Compared after lower-casing and removing all spaces, so `我的 OKR`, `My OKRs` and `my okr` match.
type Keyword = 'help' | 'my_okrs' | 'team' | 'new_objective' | 'cancel' | 'approvals' | 'end_delegation' | 'withdraw';
const KEYWORDS: Record<string, Keyword> = {};
function keywords(type: (typeof KEYWORDS)[string], words: string[]): void {
  for (const w of words) KEYWORDS[w] = type;
}
keywords('help', [
  '帮助',
  '?',
  'help',
  'h',
  '菜单',
  'menu',
  '使用帮助',
  '使用说明',
  '说明',
  '命令',
  '指令',
  'commands',
  '怎么用',
]);
keywords('my_okrs', [
  '我的okr',
  '我的okrs',
  'okr',
  'okrs',
  '我的目标',
  '查看okr',
  '查看我的okr',
  '查看目标',
  '我的进度',
  'myokr',
  'myokrs',
  'mygoals',
  'showmyokrs',
  'showokrs',
  'viewokrs',
]);
keywords('team', [
  '团队',
  '团队状态',
  '团队进度',
  '团队okr',
  '我的团队',
  'team',
  'teamstatus',
  'myteam',
  'teamokrs',
  'teamprogress',
]);
keywords('new_objective', [
  '新目标',
  '新建目标',
  '创建目标',
  '添加目标',
  '新增目标',
  '新建okr',
  '创建okr',
  '新okr',
  'newobjective',
  'newokr',
  'newgoal',
  'createobjective',
  'addobjective',
  'createokr',
]);
keywords('cancel', ['取消', '退出', '算了', '不要了', 'cancel', 'quit', 'exit', 'abort', 'stop']);
keywords('approvals', [
  '待审批',
  '审批',
  '我的审批',
  '待我审批',
  '待办审批',
  'approvals',
  'pendingapprovals',
  'myapprovals',
  'toapprove',
]);
keywords('end_delegation', [
  '结束委托',
  '取消委托',
  '停止委托',
  '撤销委托',
  '委托结束',
  '委托取消',
  'enddelegation',
  'stopdelegation',
  'canceldelegation',
  'stopdelegating',
  'delegateend',
  'delegatecancel',
  'delegatestop',
  'delegatenone',
]);
keywords('withdraw', ['撤回', '撤回申请', '撤销申请', 'withdraw', 'withdrawrequest', 'retract']);

const CJK = /[\u4e00-\u9fff]/;

/**
 * The longest message read as a command. Real commands, reasons and notes are far shorter;
 * the cap keeps a pasted essay (or a hostile 100,000-digit message) from costing anything.
 */
export const MAX_COMMAND_CHARS = 2000;

export interface ParseOptions {
  /**
   * The language of the reply the hints go into (the person's locale). Without it, hints
   * follow the language the message was written in; `KR1` alone counts as Chinese, the default.
   */
  locale?: 'zh-CN' | 'en';
  /** Longest text read as a command (default MAX_COMMAND_CHARS; tests lift it). */
  maxLength?: number;
}

/**
 * Every pattern below runs in time linear in the text: each is anchored at the start, or
 * starts with a literal, or is replaced by a plain loop (trailing punctuation, separators,
 * the delegation's day count). An unanchored pattern ending in `$` after a quantifier
 * (`/\d+天$/`) retries from every position and is quadratic; test/security/07 checks the
 * worst cases with the cap lifted.
 */
export function parseCommand(raw: string, options: ParseOptions = {}): Command {
  const max = options.maxLength ?? MAX_COMMAND_CHARS;
  if (raw.length > max * 2) return { type: 'invalid', reason: 'too_long', hint: String(max) };
  const normalized = normalizeText(raw);
  if (normalized.length > max) return { type: 'invalid', reason: 'too_long', hint: String(max) };
  // `/help`, `/okr`: slash-command habits from other bots; a question mark (`我的OKR？`, `okr?`).
  let text = trimEnd(normalized.replace(/^\/(?=\S)/, ''), '.!,;').trim();
  if (text.length > 1) text = trimEnd(text, '?.!,;').trim();
  const zh = options.locale
    ? options.locale !== 'en'
    : CJK.test(text) || !/[a-z]{3,}/i.test(text.replace(/kr\s*\d+/gi, ''));
  if (!text) return { type: 'unknown', text: normalized };

  const keyword = KEYWORDS[text.toLowerCase().replace(/\s+/g, '')];
  if (keyword) return { type: keyword };

  return (
    parseReviewCommand(text, zh) ??
    parseCheckin(text, zh) ??
    parseAdjust(text, zh) ??
    parseDelegate(text, zh) ??
    parseNamed(text, zh) ??
    parseWithdraw(text) ?? { type: 'unknown', text: normalized }
  );
}

// ---------------------------------------------------------------- check-in

const CHECKIN_PREFIX = /^(?:更新|update|check-?in|打卡|汇报|进度|记录|record)(?:\s+|(?=kr)|$)/i;
const KR_REF = /^kr\s*#?\s*(\d+)/i;
const VALUE_LEAD = /^(?:进度|当前值?|完成度|progress|current|value|to|为|到)\s*[:=]?\s*/i;
const VALUE = new RegExp(
  String.raw`^(?<cur>[¥$])?\s*(?<num>${NUMBER_SOURCE})\s*(?<mult>万元|万|亿|千|[kKwW](?![a-zA-Z]))?\s*(?<pct>%)?`,
);
const DONE_WORDS =
  /^(?:未完成|没完成|没有完成|未达成|not done|not yet|undone|no|否)(?=$|[\s,])|^(?:已完成|完成了|完成|达成|done|completed|complete|finished|yes|是)(?=$|[\s,]|信心|备注)/i;
const CONFIDENCE_KEY = /(?:信心指数|信心值|信心|把握|confidence|conf)\s*[:=]?\s*/i;
const NOTE_KEY = /(?:备注|说明|评论|note|notes|comment)\s*[:=]?\s*/i;
const SHORT_UNIT = /^(?:[\u4e00-\u9fff]{1,3}|[a-z]{1,12})$/i;

function parseCheckin(text: string, zh: boolean): Command | null {
  let rest = text;
  const prefixed = CHECKIN_PREFIX.exec(rest);
  if (prefixed) rest = rest.slice(prefixed[0].length).trim();
  const ref = KR_REF.exec(rest);
  if (!ref) {
    // `更新` on its own is clearly a check-in attempt; `更新一下周报` is not.
    if (prefixed && !rest) return { type: 'invalid', reason: 'missing_kr', hint: example(zh, 1) };
    if (prefixed && /^(?:o|kr)\b/i.test(rest)) return { type: 'invalid', reason: 'missing_kr', hint: example(zh, 1) };
    return null;
  }
  const kr = Number(ref[1]);
  rest = rest.slice(ref[0].length);
  // The value must be separated from `KR1` (space, =, :) unless it is a keyword:
  // `KR1还行` is not a check-in of anything.
  const separated = /^\s*[=:,]\s*|^\s+/.exec(rest);
  if (separated) rest = rest.slice(separated[0].length);
  else if (rest && !DONE_WORDS.test(rest))
    return prefixed ? { type: 'invalid', reason: 'missing_value', kr, hint: example(zh, kr) } : null;
  if (kr < 1) return { type: 'invalid', reason: 'bad_kr_number', hint: example(zh, 1) };
  // `KR1 信心 6`: the confidence alone.
  const confidenceFirst = CONFIDENCE_LEAD.exec(rest);
  if (confidenceFirst) return parseConfidenceOnly(kr, rest.slice(confidenceFirst[0].length), zh);
  rest = rest.replace(VALUE_LEAD, '');
  if (!rest) return { type: 'invalid', reason: 'missing_value', kr, hint: example(zh, kr) };

  let value: number;
  let percentSign = false;
  let delta = false;
  let done: boolean | undefined;
  const word = DONE_WORDS.exec(rest);
  const number = VALUE.exec(rest);
  if (word) {
    done = !/^(?:未|没|not|undone|no|否)/i.test(word[0]);
    value = done ? 1 : 0;
    rest = rest.slice(word[0].length);
  } else if (number?.groups) {
    value = amountOf(number.groups);
    if (!Number.isFinite(value)) return { type: 'invalid', reason: 'bad_value', kr, hint: example(zh, kr) };
    percentSign = Boolean(number.groups.pct);
    delta = /^[-+]/.test(number.groups.num!);
    rest = rest.slice(number[0].length);
    // `1e3`, `4.5.1`: not a number we can read; never record part of it.
    if (/^[eE][-+]?\d|^\.\d/.test(rest)) return { type: 'invalid', reason: 'bad_value', kr, hint: example(zh, kr) };
  } else {
    return {
      type: 'invalid',
      reason: /kr\s*\d/i.test(rest) ? 'one_kr_at_a_time' : 'bad_value',
      kr,
      hint: example(zh, kr),
    };
  }

  const tail = splitTail(rest);
  if (tail.extra) {
    if (/^kr\s*#?\s*\d/i.test(tail.extra))
      return { type: 'invalid', reason: 'one_kr_at_a_time', kr, hint: example(zh, kr) };
    if (/^[-+\d./]/.test(tail.extra)) return { type: 'invalid', reason: 'extra_value', kr, hint: example(zh, kr) };
  }
  // A short word right after the number is its unit (`KR1 32次`, `KR2 3 visits`); longer text is a note.
  const extraNote = tail.extra && !SHORT_UNIT.test(tail.extra) ? tail.extra : undefined;

  const command: Extract<Command, { type: 'checkin' }> = { type: 'checkin', kr, value, percentSign };
  if (delta) command.delta = true;
  if (done !== undefined) command.done = done;
  if (tail.confidence !== undefined) {
    const c = /^(-?\d+(?:\.\d+)?)(?:\s*\/\s*10)?\s*分?/.exec(tail.confidence);
    if (!c) return { type: 'invalid', reason: 'missing_confidence', kr, hint: example(zh, kr, value) };
    const confidence = Number(c[1]);
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 10) {
      return { type: 'invalid', reason: 'confidence_range', kr, hint: example(zh, kr, value) };
    }
    command.confidence = confidence;
    const afterConfidence = trimSeparators(tail.confidence.slice(c[0].length));
    const note = [extraNote, afterConfidence, tail.note].filter(Boolean).join(' ');
    if (note) command.note = note;
  } else {
    const note = [extraNote, tail.note].filter(Boolean).join(' ');
    if (note) command.note = note;
  }
  return command;
}

const CONFIDENCE_LEAD = /^(?:信心指数|信心值|信心|把握|confidence|conf)\s*[:=]?\s*/i;

function parseConfidenceOnly(kr: number, rest: string, zh: boolean): Command {
  const hint = zh ? `KR${kr} 信心 7` : `KR${kr} confidence 7`;
  const c = /^(-?\d+(?:\.\d+)?)(?:\s*\/\s*10)?\s*分?/.exec(rest);
  if (!c) return { type: 'invalid', reason: 'missing_confidence', kr, hint };
  const confidence = Number(c[1]);
  if (!Number.isInteger(confidence) || confidence < 0 || confidence > 10)
    return { type: 'invalid', reason: 'confidence_range', kr, hint };
  const tail = trimSeparators(rest.slice(c[0].length));
  const noteAt = indexOf(tail, NOTE_KEY);
  const note = noteAt ? trimSeparators(tail.slice(noteAt.index + noteAt.length)) : tail;
  return note ? { type: 'confidence', kr, confidence, note } : { type: 'confidence', kr, confidence };
}

/** Splits what follows the value into free text, the confidence part and the note (which runs to the end). */
function splitTail(rest: string): { extra: string; confidence?: string; note?: string } {
  const noteAt = indexOf(rest, NOTE_KEY);
  const beforeNote = noteAt ? rest.slice(0, noteAt.index) : rest;
  const note = noteAt ? trimSeparators(rest.slice(noteAt.index + noteAt.length)) : undefined;
  const confAt = indexOf(beforeNote, CONFIDENCE_KEY);
  const extra = trimSeparators(confAt ? beforeNote.slice(0, confAt.index) : beforeNote);
  const confidence = confAt ? beforeNote.slice(confAt.index + confAt.length).trim() : undefined;
  return { extra, confidence, note: note || undefined };
}

function indexOf(text: string, pattern: RegExp): { index: number; length: number } | null {
  const m = pattern.exec(text);
  return m ? { index: m.index, length: m[0].length } : null;
}

/** Removes trailing characters in `chars` with a loop (`/[…]+$/` would be quadratic on long runs). */
function trimEnd(s: string, chars: string, alsoSpace = false): string {
  let end = s.length;
  while (end > 0 && (chars.includes(s[end - 1]) || (alsoSpace && /\s/.test(s[end - 1])))) end--;
  return s.slice(0, end);
}

function trimSeparators(s: string): string {
  return trimEnd(s.replace(/^[\s,;:=]+/, ''), ',;', true);
}

function example(zh: boolean, kr: number, value?: number): string {
  const v = value ?? 45;
  return zh ? `KR${kr} ${v} 信心 7` : `KR${kr} ${v} confidence 7`;
}

function amountOf(groups: Record<string, string | undefined>): number {
  const base = Number(groups.num!.replace(/,/g, ''));
  const mult = groups.mult?.toLowerCase();
  const factor =
    mult === '万' || mult === '万元' || mult === 'w'
      ? 10_000
      : mult === '亿'
        ? 1e8
        : mult === '千' || mult === 'k'
          ? 1_000
          : 1;
  return roundValue(base * factor);
}

// ---------------------------------------------------------------- adjust

const ADJUST_PREFIX = /^(?:申请调整|调整|adjust|修改|change)(?:\s+|(?=kr|o\s*\d)|$)/i;
const ADJUST_REF = /^(?:kr\s*#?\s*(?<kr>\d+)|o\s*#?\s*(?<objective>\d+))(?:\s+|$|(?=[\u4e00-\u9fff:=]))/i;
const REASON_KEY = /(?:原因|理由|因为)\s*[:=]?\s*|(?:^|[\s,])(?:because|reason|since|due to)\b\s*[:=]?\s*/i;
const NUMERIC_FIELDS: [RegExp, 'target' | 'start' | 'weight'][] = [
  [/^(?:目标值|目标|target|goal)\s*(?:改为|改成|调整为|调到|调整到|为|到|to|[:=])?\s*/i, 'target'],
  [/^(?:起点|起始值|起始|基线|初始值|start|baseline)\s*(?:改为|改成|调整为|为|到|to|[:=])?\s*/i, 'start'],
  [/^(?:权重|weight)\s*(?:改为|改成|调整为|为|到|to|[:=])?\s*/i, 'weight'],
];
const TITLE_FIELD = /^(?:标题|名称|名字|title|rename|name)\s*(?:改为|改成|为|to|[:=])?\s*/i;
const DROP_FIELD = /^(?:删除|删掉|去掉|放弃|取消|drop|remove|delete)(?=$|[\s,])/i;
const ADD_FIELD = /^(?:(?:新增|添加|增加|加)\s*(?:一个\s*)?kr|新增|add\s+(?:a\s+)?kr|add)\s*[:=]?\s*/i;

function parseAdjust(text: string, zh: boolean): Command | null {
  const prefix = ADJUST_PREFIX.exec(text);
  if (!prefix) return null;
  const loose = /^(?:修改|change)/i.test(prefix[0]);
  let rest = text.slice(prefix[0].length).trim();
  const hint = zh ? '调整 KR1 目标 80 原因 …' : 'adjust KR1 target 80 because …';

  const reasonAt = indexOf(rest, REASON_KEY);
  const reason = reasonAt ? trimSeparators(rest.slice(reasonAt.index + reasonAt.length)) || undefined : undefined;
  if (reasonAt) rest = trimSeparators(rest.slice(0, reasonAt.index));

  const ref = ADJUST_REF.exec(rest);
  const kr = ref?.groups?.kr ? Number(ref.groups.kr) : undefined;
  const objective = ref?.groups?.objective ? Number(ref.groups.objective) : undefined;
  if (ref) rest = rest.slice(ref[0].length).trim();
  if (kr === 0 || objective === 0) return { type: 'invalid', reason: 'bad_kr_number', hint };
  const target = { ...(kr !== undefined ? { kr } : {}), ...(objective !== undefined ? { objective } : {}) };
  const adjust = (change: AdjustChange): Command => ({
    type: 'adjust',
    ...target,
    change,
    ...(reason ? { reason } : {}),
  });

  const add = ADD_FIELD.exec(rest);
  if (add && kr === undefined) {
    const line = rest.slice(add[0].length).trim();
    const addHint = zh ? '调整 O1 新增KR 家访次数 0→20次 原因 …' : 'adjust O1 add KR home visits 0->20 because …';
    if (!line) return { type: 'invalid', reason: 'bad_kr_line', hint: addHint, detail: 'empty' };
    const parsed = parseKrLine(line);
    if ('error' in parsed) return { type: 'invalid', reason: 'bad_kr_line', hint: addHint, detail: parsed.error };
    return adjust({ field: 'add', kr: parsed });
  }

  if (!ref) {
    if (loose) return null; // `修改一下文案` is not an adjustment request
    return { type: 'invalid', reason: 'missing_kr', hint };
  }

  for (const [pattern, field] of NUMERIC_FIELDS) {
    const m = pattern.exec(rest);
    if (!m) continue;
    if (kr === undefined) return { type: 'invalid', reason: 'needs_kr', hint };
    const value = VALUE.exec(rest.slice(m[0].length).trim());
    const leftover = value ? rest.slice(m[0].length).trim().slice(value[0].length).trim() : '';
    if (CONFIDENCE_KEY.test(leftover))
      return { type: 'invalid', reason: 'adjust_confidence', kr, hint: zh ? `KR${kr} 信心 3` : `KR${kr} confidence 3` };
    if (!value?.groups || /^[\d.eE]/.test(leftover) || (leftover && !SHORT_UNIT.test(leftover)))
      return { type: 'invalid', reason: 'bad_value', kr, hint };
    const amount = amountOf(value.groups);
    if (!Number.isFinite(amount) || (field === 'weight' && amount < 0))
      return { type: 'invalid', reason: 'bad_value', kr, hint };
    return adjust({ field, value: amount });
  }
  const title = TITLE_FIELD.exec(rest);
  if (title) {
    const value = rest.slice(title[0].length).trim();
    if (!value) return { type: 'invalid', reason: 'missing_change', ...(kr ? { kr } : {}), hint };
    return adjust({ field: 'title', value });
  }
  if (DROP_FIELD.test(rest)) return adjust({ field: 'drop' });
  return { type: 'invalid', reason: 'missing_change', ...(kr ? { kr } : {}), hint };
}

// ---------------------------------------------------------------- delegate

const DELEGATE_PREFIX = /^(?:委托审批|委托|代理审批|delegate(?:\s+approvals?)?)(?:\s+|$|(?=[\u4e00-\u9fff@]))/i;
// Read from the end by daysSuffix(): as an unanchored regex ending in `$`, this pattern
// retried from every digit of `委托 张三 <100,000 digits>x` (11 s).
const DAYS_UNIT = /(?:天|日|days?|d)$/i;
const DAYS_NUMBER = /^\d+(?:\.\d+)?$/;

/** `… 7天` / `… for 7 days` at the end of `text`: the number and where the suffix starts. */
function daysSuffix(text: string): { days: string; index: number } | undefined {
  const unit = DAYS_UNIT.exec(text.slice(-4)); // the longest unit, `days`, has 4 characters
  if (!unit) return undefined;
  let end = text.length - unit[0].length;
  while (end > 0 && text[end - 1] === ' ') end--;
  let start = end;
  while (start > 0 && /[\d.]/.test(text[start - 1])) start--;
  const days = text.slice(start, end);
  if (!DAYS_NUMBER.test(days)) return undefined;
  let index = start;
  while (index > 0 && text[index - 1] === ' ') index--;
  const lead = text.slice(Math.max(0, index - 4), index);
  if (/(?:^|\s)for$/i.test(lead) && (index - 3 === 0 || /\s/.test(text[index - 4]))) {
    index -= 3;
    while (index > 0 && text[index - 1] === ' ') index--;
  }
  return { days, index };
}

function parseDelegate(text: string, zh: boolean): Command | null {
  const prefix = DELEGATE_PREFIX.exec(text);
  if (!prefix) return null;
  let rest = text.slice(prefix[0].length).trim();
  const hint = zh ? '委托 张三 7天' : 'delegate to Zhang San for 7 days';
  let days: number | undefined;
  const d = daysSuffix(rest);
  if (d) {
    days = Number(d.days);
    rest = rest.slice(0, d.index).trim();
    if (!Number.isInteger(days) || days < 1 || days > 365) return { type: 'invalid', reason: 'bad_days', hint };
  }
  const to = rest
    .replace(/^(?:给|to)\s*/i, '')
    .replace(/ for$/i, '')
    .replace(/^@/, '')
    .trim();
  if (!to && days === undefined) return { type: 'delegation_status' };
  if (!to) return { type: 'invalid', reason: 'missing_delegate', hint };
  if (/^(?:取消|结束|停止|撤销|无|cancel|end|stop|none|off)$/i.test(to)) return { type: 'end_delegation' };
  return days === undefined ? { type: 'delegate', to } : { type: 'delegate', to, days };
}

// ---------------------------------------------------------------- people by name

const SHOW_PREFIX = /^(?:查看|看看|看一下|show|view)(?:\s+|(?=[\u4e00-\u9fff@]))/i;
const NUDGE_PREFIX = /^(?:催一下|催催|催|提醒一下|nudge|remind|ping)(?:\s+|$|(?=[\u4e00-\u9fff@]))/i;

/** `查看 李娜` / `show Li Na` (a report's OKRs) and `催一下 李娜` / `nudge Li Na`. */
function parseNamed(text: string, zh: boolean): Command | null {
  const show = SHOW_PREFIX.exec(text);
  const nudge = show ? null : NUDGE_PREFIX.exec(text);
  const prefix = show ?? nudge;
  if (!prefix) return null;
  const name = text
    .slice(prefix[0].length)
    .replace(/^@/, '')
    .replace(/(?:的\s*(?:okrs?|目标|进度)|'s\s+okrs?)$/i, '')
    .trim();
  const keyword = KEYWORDS[name.toLowerCase().replace(/\s+/g, '')];
  if (show && keyword) return { type: keyword }; // `查看 团队`, `show approvals`
  if (!name) {
    const hint = show ? (zh ? '查看 李娜' : 'show Li Na') : zh ? '催一下 李娜' : 'nudge Li Na';
    return { type: 'invalid', reason: 'missing_name', hint };
  }
  return show ? { type: 'show', name } : { type: 'nudge', name };
}

// ---------------------------------------------------------------- withdraw

const WITHDRAW = /^(?:撤回|撤销申请|withdraw|retract)\s*(?:kr\s*#?\s*(?<kr>\d+)|#?(?<index>\d+))$/i;

/** `撤回 KR1` (the pending request on KR1) or `撤回 2` (the second in the list `撤回` shows). */
function parseWithdraw(text: string): Command | null {
  const m = WITHDRAW.exec(text);
  if (!m?.groups) return null;
  if (m.groups.kr) return { type: 'withdraw', kr: Number(m.groups.kr) };
  return { type: 'withdraw', index: Number(m.groups.index) };
}
