// A whole performance review of the demo org, end to end over real HTTP: the Lark emulator
// pushes signed, encrypted messages and card clicks to the running server, which answers
// through the emulator's open API; HR drives the admin API. Teachers assess themselves from
// the card and by typing, the centre director delegates calibration to the 教研主管, who
// calibrates with a reason; the teacher appeals, the director's manager decides from the card;
// HR closes the cycle and downloads a sheet whose numbers are the scores given.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDemo } from '../../storage/seed/demo';
import { auditLog, identities, keyResults, objectives, people, reviewObjectives, reviews } from '../../storage/schema';
import { startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack?.stop();
});

const ADMIN = { Authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'X-Polaris-Org': 'demo' };
const lark = () => stack.lark!;
const waitFor = stackWaitFor(() => stack);
const text = (m: { content: unknown }) => JSON.stringify(m.content);
const messagesTo = (openId: string) => [...lark().messages.values()].filter((m) => m.receiveId === openId);
const messageWith = (openId: string, needle: string, what = needle) =>
  waitFor(
    () =>
      messagesTo(openId)
        .filter((m) => text(m).includes(needle))
        .at(-1),
    what,
  );

async function say(openId: string, message: string) {
  const delivery = await lark().deliverMessage({ openId, text: message });
  expect(delivery.status).toBe(200);
}

async function api(method: string, path: string, body?: unknown) {
  return fetch(`${stack.base}${path}`, {
    method,
    headers: { ...ADMIN, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

describe('a review of the demo org over Lark', () => {
  it('cards, self-scores, calibration with a reason, one appeal decided, close, and a sheet that matches', async () => {
    const demo = await loadDemo(stack.store, { now: new Date() });
    const db = stack.store.db;
    const openId = async (personId: string) =>
      (
        await db
          .select()
          .from(identities)
          .where(and(eq(identities.personId, personId), eq(identities.platform, 'lark')))
      )[0].platformUserId;
    const everyone = await db.select().from(people).where(eq(people.orgId, demo.orgId));
    const byId = new Map(everyone.map((p) => [p.id, p]));
    // A centre with two Chinese-speaking teachers who own objectives.
    const owners = new Set(
      (await db.select({ id: objectives.ownerPersonId }).from(objectives)).map((o) => o.id).filter(Boolean),
    );
    const teachers = everyone.filter((p) => p.title?.endsWith('老师') && owners.has(p.id) && p.locale === 'zh-CN');
    const teacher = teachers[0];
    const colleague = teachers.find((p) => p.managerId === teacher.managerId && p.id !== teacher.id)!;
    const director = byId.get(teacher.managerId!)!;
    const coach = byId.get(teacher.coachId!)!;
    const vp = byId.get(director.managerId!)!;
    expect(coach.title).toBe('教研主管');
    const [tId, cId, dId, coId, vpId] = await Promise.all(
      [teacher, colleague, director, coach, vp].map((p) => openId(p.id)),
    );

    // HR starts the review with the org's default dates.
    const started = await api('POST', '/api/v1/cycles/current/review');
    expect(started.status).toBe(201);
    const startBody = (await started.json()) as { people: number; cards: number };
    expect(startBody.people).toBeGreaterThan(40);

    // The teacher accepts every proposal from the card.
    const card = await messageWith(tId, 'rv.self', "the teacher's self-assessment card");
    const teacherReview = (await db.select().from(reviews).where(eq(reviews.personId, teacher.id)))[0];
    const teacherObjectives = await db
      .select()
      .from(reviewObjectives)
      .where(eq(reviewObjectives.reviewId, teacherReview.id));
    for (const o of teacherObjectives) {
      const label = `采纳 ${o.computedScore.toFixed(1)}`;
      const clicked = await lark().clickButton({ openId: tId, messageId: card.messageId, text: label });
      expect((clicked.body as { toast?: { type: string } }).toast?.type).toBe('success');
    }
    await say(tId, '复盘 做得好的：课后反馈收集及时；要改进的：家访要提前排期');
    await messageWith(tId, '已记录复盘');

    // The colleague types a score for each objective; a forged click on the teacher's card is refused.
    const colleagueReview = (await db.select().from(reviews).where(eq(reviews.personId, colleague.id)))[0];
    const colleagueObjectives = await db
      .select()
      .from(reviewObjectives)
      .where(eq(reviewObjectives.reviewId, colleagueReview.id));
    for (const o of colleagueObjectives) await say(cId, `自评 O${o.number} 0.8 备注 超额完成`);
    await messageWith(cId, '综合自评 0.8');
    const forged = await lark().clickCard({
      openId: cId,
      messageId: card.messageId,
      value: { action_id: 'rv.self', params: { rv: teacherReview.id, o: '1', s: '1' } },
    });
    expect((forged.body as { toast?: { type: string } }).toast?.type).toBe('error');

    // The director is away: the 教研主管 calibrates for them, with a reason the teacher is told.
    await say(dId, `委托 ${coach.name} 7天`);
    await messageWith(dId, coach.name);
    await say(coId, '校准');
    await messageWith(coId, 'rv.confirmAll', 'the team card for the delegate');
    await say(coId, `校准 ${teacher.name} 0.5 原因 课堂满意度未达标`);
    await messageWith(tId, '课堂满意度未达标', 'the calibration notice');

    // The teacher appeals; the director's manager keeps the calibration from the card.
    await say(tId, '申诉 原因 满意度 12 月已回升，数据见周报');
    const appeal = await messageWith(vpId, 'rv.appeal', 'the appeal card');
    const decided = await lark().clickButton({ openId: vpId, messageId: appeal.messageId, text: '维持校准' });
    expect((decided.body as { toast?: { type: string } }).toast?.type).toBe('success');
    await messageWith(tId, '维持校准得分 0.5');

    // HR closes; a check-in afterwards is refused and changes nothing.
    const closed = await api('POST', '/api/v1/cycles/current/close');
    expect(((await closed.json()) as { changed: boolean }).changed).toBe(true);
    const [kr] = await db
      .select()
      .from(keyResults)
      .where(and(eq(keyResults.objectiveId, teacherObjectives[0].objectiveId), eq(keyResults.status, 'active')));
    await say(tId, 'KR1 99');
    await messageWith(tId, '已关闭', 'the closed-cycle refusal');
    const [after] = await db.select().from(keyResults).where(eq(keyResults.id, kr.id));
    expect(after.currentValue).toBe(kr.currentValue);

    // The sheet: the numbers are the scores given.
    const bytes = new Uint8Array(await (await api('GET', '/api/v1/cycles/current/performance.csv')).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = new TextDecoder()
      .decode(bytes)
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    const header = rows[0];
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const row = (p: { externalId: string }) => rows.find((r) => r[0] === p.externalId)!;
    expect(rows).toHaveLength(startBody.people + 1);
    const teacherRow = row(teacher);
    expect(col(teacherRow, 'final_score')).toBe('0.5');
    expect(col(teacherRow, 'calibrated_by')).toBe(coach.externalId);
    expect(col(teacherRow, 'appeal')).toBe('upheld');
    expect(col(row(colleague), 'self_score')).toBe('0.8');
    expect(col(row(colleague), 'final_score')).toBe('0.8');
    // Everyone else: no self score and no calibration, so the final score is the computed one.
    const finals = await db.select().from(reviews).where(eq(reviews.orgId, demo.orgId));
    for (const r of finals) {
      const p = byId.get(r.personId)!;
      expect(Number(col(row(p), 'final_score'))).toBe(r.finalScore);
      if (r.personId !== teacher.id && r.personId !== colleague.id) expect(r.finalScore).toBe(r.computedScore);
    }
    const refused = await db.select().from(auditLog).where(eq(auditLog.action, 'review.refused'));
    expect(refused).toHaveLength(1);
  });
});
