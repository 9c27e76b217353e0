// The review's chat commands (docs/review.md), parsed before the general commands by
// src/chat/parse.ts. Pure and linear: every pattern is anchored at the start, and the
// calibration's trailing score is read with a loop from the end.
//
//   复盘 / review                       the self-assessment card again
//   复盘 <text> / review <text>         the retrospective
//   自评 O1 0.7 备注 … / self-score O1 0.7 note …
//   校准 / calibrate                    the team card again
//   校准 张三 0.6 原因 … / calibrate Zhang San 0.6 because …
//   申诉 原因 … / appeal because …
//   延续 KR2 / carry KR2               carry an unfinished KR into the next cycle

export type ReviewCommand =
  | { type: 'review_card' }
  | { type: 'retrospective'; text: string }
  | { type: 'self_score'; objective: number; value: number; note?: string }
  | { type: 'calibration_card' }
  | { type: 'calibrate'; name: string; value: number; reason?: string }
  | { type: 'appeal'; reason: string }
  | { type: 'carry'; kr: number };

export type ReviewInvalid = {
  type: 'invalid';
  reason: 'self_score_format' | 'calibrate_format' | 'appeal_reason' | 'carry_format';
  hint: string;
};

const REVIEW = /^(?:复盘|绩效复盘|绩效自评|review|retro|retrospective)(?=$|\s|[:：])/i;
const SELF = /^(?:自评|self-?score|self\s+score|selfscore)(?=$|\s|o\s*\d|[:：])/i;
const CALIBRATE = /^(?:校准|calibrate|calibration)(?=$|\s|[:：])/i;
const APPEAL = /^(?:申诉|appeal)(?=$|\s|[:：])/i;
const CARRY = /^(?:延续到下个周期|延续到下一个周期|延续|carry(?:\s+over|\s+forward)?)(?=$|\s|kr|[:：])/i;
const CARRY_KR =
  /^kr\s*#?\s*(\d{1,3})(?:\s*(?:到下个周期|到下一个周期|to\s+(?:the\s+)?next\s+cycle|into\s+(?:the\s+)?next\s+cycle))?$/i;
const OBJECTIVE = /^o\s*#?\s*(\d{1,3})(?=$|\s)/i;
const SCORE = /^(-?\d{1,4}(?:\.\d{1,4})?)\s*(?:分|points?)?(?=$|\s|,|，)/i;
const NOTE = /(?:备注|说明|note|comment)\s*[:：=]?\s*/i;
const REASON = /(?:原因|理由|因为)\s*[:：=]?\s*|(?:^|\s)(?:because|reason|since)\b\s*[:：=]?\s*/i;

function strip(s: string): string {
  return s.replace(/^[\s:：,，;；]+/, '').trim();
}

/** The review command `text` is, a ReviewInvalid with an example, or null when it is none of them. */
export function parseReviewCommand(text: string, zh: boolean): ReviewCommand | ReviewInvalid | null {
  const review = REVIEW.exec(text);
  if (review) {
    const rest = strip(text.slice(review[0].length));
    return rest ? { type: 'retrospective', text: rest } : { type: 'review_card' };
  }
  const self = SELF.exec(text);
  if (self) return parseSelf(strip(text.slice(self[0].length)), zh);
  const calibrate = CALIBRATE.exec(text);
  if (calibrate) return parseCalibrate(strip(text.slice(calibrate[0].length)), zh);
  const carry = CARRY.exec(text);
  if (carry) {
    const kr = CARRY_KR.exec(strip(text.slice(carry[0].length)));
    if (!kr || Number(kr[1]) < 1)
      return { type: 'invalid', reason: 'carry_format', hint: zh ? '延续 KR2' : 'carry KR2' };
    return { type: 'carry', kr: Number(kr[1]) };
  }
  const appeal = APPEAL.exec(text);
  if (appeal) {
    let rest = strip(text.slice(appeal[0].length));
    const lead = /^(?:原因|理由|因为|because|reason)\s*[:：=]?\s*/i.exec(rest);
    if (lead) rest = rest.slice(lead[0].length).trim();
    if (!rest) return { type: 'invalid', reason: 'appeal_reason', hint: zh ? '申诉 原因 …' : 'appeal because …' };
    return { type: 'appeal', reason: rest };
  }
  return null;
}

function parseSelf(rest: string, zh: boolean): ReviewCommand | ReviewInvalid {
  const hint = zh ? '自评 O1 0.7 备注 …' : 'self-score O1 0.7 note …';
  if (!rest) return { type: 'review_card' };
  const o = OBJECTIVE.exec(rest);
  if (!o) return { type: 'invalid', reason: 'self_score_format', hint };
  const afterObjective = rest.slice(o[0].length).trim();
  const score = SCORE.exec(afterObjective);
  if (!score) return { type: 'invalid', reason: 'self_score_format', hint };
  const tail = strip(afterObjective.slice(score[0].length));
  const noteAt = NOTE.exec(tail);
  const note = noteAt ? strip(tail.slice(noteAt.index + noteAt[0].length)) : tail;
  const command: ReviewCommand = { type: 'self_score', objective: Number(o[1]), value: Number(score[1]) };
  if (note) command.note = note;
  return command;
}

function parseCalibrate(rest: string, zh: boolean): ReviewCommand | ReviewInvalid {
  const hint = zh ? '校准 张三 0.6 原因 …' : 'calibrate Zhang San 0.6 because …';
  if (!rest) return { type: 'calibration_card' };
  const reasonAt = REASON.exec(rest);
  const reason = reasonAt ? strip(rest.slice(reasonAt.index + reasonAt[0].length)) : '';
  let head = (reasonAt ? rest.slice(0, reasonAt.index) : rest).trim();
  // The score is the last token before the reason: read from the end with a loop.
  let end = head.length;
  if (head.endsWith('分')) end--;
  let start = end;
  while (start > 0 && /[\d.-]/.test(head[start - 1])) start--;
  const number = head.slice(start, end);
  if (!/^-?\d{1,4}(?:\.\d{1,4})?$/.test(number) || (start > 0 && !/\s/.test(head[start - 1])))
    return { type: 'invalid', reason: 'calibrate_format', hint };
  head = head.slice(0, start).trim();
  const name = head.replace(/^@/, '').trim();
  if (!name) return { type: 'invalid', reason: 'calibrate_format', hint };
  const command: ReviewCommand = { type: 'calibrate', name, value: Number(number) };
  if (reason) command.reason = reason;
  return command;
}

/**
 * The retrospective as the person typed it (full-width punctuation kept), from the raw message:
 * the parser reads normalised text, which is right for commands but not for prose.
 */
export function retrospectiveText(raw: string, parsed: string): string {
  const text = raw.trim().replace(/^@\S+\s+/, '');
  const lead = /^(?:复盘|绩效复盘|绩效自评|review|retro|retrospective)[\s:：]*/i.exec(text);
  const body = lead ? text.slice(lead[0].length).trim() : '';
  return body || parsed;
}
