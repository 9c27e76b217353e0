// The performance review's rules (docs/review.md) at the dispatch level: a real SQLite file,
// the admin API, chat commands and card clicks as the platforms deliver them, an injected clock.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unzipSync, strFromU8 } from 'fflate';
import { checkIns, cycles, keyResults, organizations, reviews } from '../../storage/schema';
import { IDS } from '../helpers/fixtures';
import { ADMIN_TOKEN, cardText, click, message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness();
});
afterEach(async () => {
  await h.close();
});

const start = async (body: unknown = { self_due: '2026-12-25', calibration_due: '2026-12-30' }) => {
  const res = await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, body);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** The newest self-assessment card sent to `to`, and a button on it. */
function selfCard(to: string) {
  const sent = h
    .sent(to)
    .filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.self'))
    .at(-1);
  if (!sent) throw new Error(`no self-assessment card for ${to}`);
  // The self-score buttons (the carry buttons are test/review/carry.test.ts's).
  const buttons = sent.message
    .card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []))
    .filter((b) => b.actionId === 'rv.self');
  return { sent, buttons };
}

describe('starting the review', () => {
  it('POST /review moves the cycle to reviewing, scores every objective and sends one card per person; twice is a no-op', async () => {
    const first = await start();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ started: true, people: 2, cards: 2 });
    expect(first.body.cycle).toMatchObject({
      status: 'reviewing',
      self_due: '2026-12-25',
      calibration_due: '2026-12-30',
    });
    // Alice: KR progress 0.3, 0.4, 0.5 → objective 0.4; Bob: 0.25 → 0.3 (half up).
    expect((await h.review(IDS.alice)).computedScore).toBe(0.4);
    expect((await h.review(IDS.bob)).computedScore).toBe(0.3);
    const { buttons } = selfCard('ou_alice');
    expect(buttons.map((b) => b.text)).toEqual(['采纳 0.4', '改为 0.3', '改为 0.5']);
    expect(cardText(selfCard('ou_bob').sent.message.card)).toContain('Self-assessment');
    const again = await start();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ started: false });
    expect(h.sent('ou_alice').filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.self'))).toHaveLength(1);
    const progress = await (await h.api('GET', `/api/v1/cycles/${IDS.cycle}/review`)).json();
    expect(progress).toMatchObject({ people: 2, self_assessed: 0, calibrated: 0, appealed: 0, overdue: 0 });
    expect(progress.teams).toEqual([
      expect.objectContaining({ team: '销售一部', people: 2, self_assessed: 0, overdue: 0 }),
    ]);
  });

  it('bad input is refused clearly and changes nothing', async () => {
    expect((await start({ self_due: '2026-12-25', extra: 1 })).status).toBe(400);
    expect((await start({ self_due: 'tomorrow' })).status).toBe(400);
    expect((await start({ self_due: '2026-12-01' })).body.error.message).toContain('in the past');
    const plain = await h.request(`http://localhost/api/v1/cycles/${IDS.cycle}/review`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
      body: 'self_due=2026-12-25',
    });
    expect(plain.status).toBe(415);
    const big = await h.request(`http://localhost/api/v1/cycles/${IDS.cycle}/review`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ self_due: '2026-12-25', pad: 'x'.repeat(10_000) }),
    });
    expect(big.status).toBe(413);
    expect((await h.api('POST', '/api/v1/cycles/nope/close')).status).toBe(404);
    expect((await h.request(`http://localhost/api/v1/cycles/${IDS.cycle}/close`, { method: 'POST' })).status).toBe(401);
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle));
    expect(cycle.status).toBe('active');
    expect(await h.store.db.select().from(reviews)).toHaveLength(0);
  });

  it('dates come from the org settings when the body is empty; bad dates change nothing', async () => {
    const bad = await start({ self_due: '2026-12-25', calibration_due: '2026-12-24' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('before self_due');
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle));
    expect(cycle.status).toBe('active');
    expect(await h.store.db.select().from(reviews)).toHaveLength(0);
    const res = await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`);
    expect(res.status).toBe(201);
    // 2026-12-20 (Asia/Shanghai) + 7 days, + 5 days.
    expect(((await res.json()) as any).cycle).toMatchObject({ self_due: '2026-12-27', calibration_due: '2027-01-01' });
  });
});

describe('self-assessment', () => {
  beforeEach(async () => {
    await start();
  });

  it('typed 自评 records the score and note; the last report done sends the manager one team card', async () => {
    await h.dispatch(message('ou_alice', '自评 O1 0.7 备注 家长满意度明显提升'));
    const alice = await h.review(IDS.alice);
    expect(alice.selfScore).toBe(0.7);
    const [objective] = await h.reviewObjectives(alice.id);
    expect(objective).toMatchObject({ selfScore: 0.7, note: '家长满意度明显提升' });
    expect(h.lastText('ou_alice')).toContain('综合自评 0.7');
    expect(h.sent('ou_manager')).toHaveLength(0);
    await h.dispatch(message('ou_bob', 'self-score O1 0.5 note renewals picked up in December'));
    expect(h.lastText('ou_bob')).toContain('overall 0.5');
    const team = h.sent('ou_manager').filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.confirmAll'));
    expect(team).toHaveLength(1);
    const text = cardText(team[0].message.card);
    expect(text).toContain('张伟');
    expect(text).toContain('自评 0.7');
    expect(text).toContain('Bob Smith');
  });

  it('an out-of-scale or off-step score names the allowed range and changes nothing; 0–100 works by org setting', async () => {
    await h.dispatch(message('ou_alice', '自评 O1 1.5'));
    expect(h.lastText('ou_alice')).toContain('0.0–1.0');
    await h.dispatch(message('ou_alice', '自评 O1 0.75'));
    expect(h.lastText('ou_alice')).toContain('步长 0.1');
    await h.dispatch(message('ou_bob', 'self-score O1 7'));
    expect(h.lastText('ou_bob')).toContain('Scores go from 0.0–1.0');
    expect((await h.review(IDS.alice)).selfScore).toBeNull();
    expect((await h.review(IDS.alice)).version).toBe(0);
    await h.api('PATCH', '/api/v1/orgs/acme', { settings: { review_scale: '0-100' } });
    await h.dispatch(message('ou_alice', '自评 O1 150'));
    expect(h.lastText('ou_alice')).toContain('0–100');
    await h.dispatch(message('ou_alice', '自评 O1 70'));
    expect((await h.review(IDS.alice)).selfScore).toBe(0.7);
    expect(h.lastText('ou_alice')).toContain('综合自评 70');
  });

  it('the card accepts the proposal; a repeated click or delivery applies once; a click racing it applies once', async () => {
    const { sent, buttons } = selfCard('ou_alice');
    const accept = buttons[0];
    const first = await h.dispatch(click('ou_alice', accept.actionId, accept.value, sent.messageId, 'ev_self_1'));
    expect(first.toast?.kind).toBe('success');
    // The same delivery again (the platform retried): deduplicated by its event id.
    await h.dispatch(click('ou_alice', accept.actionId, accept.value, sent.messageId, 'ev_self_1'));
    // A second click (a new event): the score is there already.
    const second = await h.dispatch(click('ou_alice', accept.actionId, accept.value, sent.messageId));
    expect(second.toast?.text).toContain('无需重复');
    expect(await h.audits('review.self_score')).toHaveLength(1);
    // Two different scores clicked at once on a fresh review: exactly one is applied.
    const bob = selfCard('ou_bob');
    const [a, b] = await Promise.all([
      h.services.dispatch(click('ou_bob', 'rv.self', bob.buttons[1].value, bob.sent.messageId)),
      h.services.dispatch(click('ou_bob', 'rv.self', bob.buttons[2].value, bob.sent.messageId)),
    ]);
    expect([a.toast?.kind, b.toast?.kind].sort()).toEqual(['info', 'success']);
    expect(await h.audits('review.self_score')).toHaveLength(2);
    expect((await h.review(IDS.bob)).version).toBe(1);
  });

  it('a forged click on someone else’s review changes nothing and is audited', async () => {
    const { sent, buttons } = selfCard('ou_alice');
    const forged = await h.dispatch(click('ou_bob', 'rv.self', buttons[0].value, sent.messageId));
    expect(forged.toast?.kind).toBe('error');
    const made = await h.dispatch(click('ou_alice', 'rv.self', { ...buttons[0].value, s: '0.75' }, sent.messageId));
    expect(made.toast?.kind).toBe('error');
    const unknown = await h.dispatch(click('ou_alice', 'rv.self', { rv: 'rv_nope', o: '1', s: '0.5' }));
    expect(unknown.toast?.kind).toBe('error');
    expect((await h.review(IDS.alice)).selfScore).toBeNull();
    expect(await h.audits('review.refused')).toHaveLength(3);
  });

  it('复盘 <text> stores the retrospective; 复盘 alone sends the card again', async () => {
    await h.dispatch(message('ou_alice', '复盘 做得好的：反馈收集及时。要改进的：家访要提前排期'));
    expect((await h.review(IDS.alice)).retrospective).toBe('做得好的：反馈收集及时。要改进的：家访要提前排期');
    const before = h.sent('ou_alice').length;
    await h.dispatch(message('ou_alice', '复盘'));
    expect(h.sent('ou_alice')).toHaveLength(before + 1);
    expect(cardText(h.sent('ou_alice').at(-1)!.message.card)).toContain('反馈收集及时');
  });
});

describe('calibration and appeals', () => {
  beforeEach(async () => {
    await start();
    await h.dispatch(message('ou_alice', '自评 O1 0.7'));
    await h.dispatch(message('ou_bob', 'self-score O1 0.5'));
  });

  it('the manager calibrates with a reason; the person is told; someone else is refused and audited', async () => {
    await h.dispatch(message('ou_bob', 'calibrate 张伟 0.2 because no'));
    expect(h.lastText('ou_bob')).toContain("Only 张伟's manager");
    expect(await h.audits('review.refused')).toHaveLength(1);
    await h.dispatch(message('ou_manager', '校准 张伟 0.6'));
    expect(h.lastText('ou_manager')).toContain('需要写明原因');
    await h.dispatch(message('ou_manager', '校准 张伟 1.2 原因 太高'));
    expect(h.lastText('ou_manager')).toContain('0.0–1.0');
    expect((await h.review(IDS.alice)).calibratedScore).toBeNull();
    await h.dispatch(message('ou_manager', '校准 张伟 0.6 原因 满意度目标未达成'));
    expect(await h.review(IDS.alice)).toMatchObject({
      calibratedScore: 0.6,
      calibratedBy: IDS.manager,
      calibrationReason: '满意度目标未达成',
    });
    expect(h.lastText('ou_alice')).toContain('校准为 0.6');
    expect(h.lastText('ou_alice')).toContain('满意度目标未达成');
  });

  it('a delegate calibrates for the manager; confirm all from the card settles the rest once', async () => {
    await h.dispatch(message('ou_manager', '委托 李总 7天'));
    await h.dispatch(message('ou_ceo', '校准 Bob Smith 0.4 原因 renewals below plan'));
    expect(await h.review(IDS.bob)).toMatchObject({ calibratedScore: 0.4, calibratedBy: IDS.ceo });
    expect(h.lastText('ou_bob')).toContain('calibrated by 李总 to 0.4');
    const team = h
      .sent('ou_manager')
      .filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.confirmAll'))
      .at(-1)!;
    const all = await h.dispatch(click('ou_manager', 'rv.confirmAll', { c: IDS.cycle }, team.messageId));
    expect(all.toast?.text).toContain('1 人');
    expect((await h.review(IDS.alice)).calibratedScore).toBe(0.7);
    const again = await h.dispatch(click('ou_manager', 'rv.confirmAll', { c: IDS.cycle }, team.messageId));
    expect(again.toast?.kind).toBe('info');
    const forged = await h.dispatch(click('ou_alice', 'rv.confirm', { rv: (await h.review(IDS.bob)).id }));
    expect(forged.toast?.kind).toBe('error');
  });

  it('an appeal goes to the manager’s manager, only they decide it, once; granted means the self score counts', async () => {
    await h.dispatch(message('ou_manager', '校准 张伟 0.5 原因 满意度未达标'));
    await h.dispatch(message('ou_alice', '申诉'));
    expect(h.lastText('ou_alice')).toContain('请写明原因');
    await h.dispatch(message('ou_alice', '申诉 原因 满意度在 12 月已达 4.6，数据见周报'));
    expect(h.lastText('ou_alice')).toContain('李总');
    const card = h
      .sent('ou_ceo')
      .filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.appeal'))
      .at(-1)!;
    expect(cardText(card.message.card)).toContain('数据见周报');
    const rv = (await h.review(IDS.alice)).id;
    const byManager = await h.dispatch(click('ou_manager', 'rv.appeal', { rv, d: 'grant' }, card.messageId));
    expect(byManager.toast?.kind).toBe('error');
    const byAlice = await h.dispatch(click('ou_alice', 'rv.appeal', { rv, d: 'grant' }, card.messageId));
    expect(byAlice.toast?.kind).toBe('error');
    expect(await h.audits('review.refused')).toHaveLength(2);
    const granted = await h.dispatch(click('ou_ceo', 'rv.appeal', { rv, d: 'grant' }, card.messageId));
    expect(granted.toast?.kind).toBe('success');
    const twice = await h.dispatch(click('ou_ceo', 'rv.appeal', { rv, d: 'uphold' }, card.messageId));
    expect(twice.toast?.text).toContain('已处理');
    expect(await h.review(IDS.alice)).toMatchObject({ appealStatus: 'granted', appealDecidedBy: IDS.ceo });
    expect(h.lastText('ou_alice')).toContain('按自评得分 0.7');
    await h.dispatch(message('ou_alice', '申诉 原因 再来一次'));
    expect(h.lastText('ou_alice')).toContain('只能申诉一次');
  });
});

describe('close', () => {
  beforeEach(async () => {
    await start();
    await h.dispatch(message('ou_alice', '自评 O1 0.7'));
    await h.dispatch(message('ou_manager', '校准 张伟 0.6 原因 满意度未达标'));
  });

  it('locks the cycle with final scores; closing twice changes nothing', async () => {
    h.clock.advance(2 * 3_600_000);
    const res = await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ changed: true, people: 2, open_appeals: 0, review_hours: 2 });
    expect(body.cycle.status).toBe('closed');
    // Alice: calibrated 0.6; Bob: no self score, no calibration → computed 0.3.
    expect((await h.review(IDS.alice)).finalScore).toBe(0.6);
    expect((await h.review(IDS.bob)).finalScore).toBe(0.3);
    const stats = (await (await h.api('GET', `/api/v1/stats?cycle=${IDS.cycle}`)).json()) as any;
    expect(stats.review).toMatchObject({ status: 'closed', hoursToClose: 2, people: 2, selfAssessed: 1, appeals: 0 });
    h.clock.advance(3_600_000);
    const again = (await (await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`)).json()) as any;
    expect(again).toMatchObject({ changed: false, review_hours: 2 });
    expect(await h.audits('cycle.close')).toHaveLength(1);
  });

  it('most improved: people and teams whose final score rose against the previous reviewed cycle', async () => {
    await h.store.atomic([
      h.store.db.insert(cycles).values({
        id: 'cyc_q3',
        orgId: IDS.org,
        name: '2026 Q3',
        startsOn: '2026-07-01',
        endsOn: '2026-09-30',
        status: 'closed',
      }),
      h.store.db.insert(reviews).values([
        {
          id: 'rv_q3_a',
          orgId: IDS.org,
          cycleId: 'cyc_q3',
          personId: IDS.alice,
          teamId: IDS.team,
          computedScore: 0.3,
          finalScore: 0.3,
        },
        {
          id: 'rv_q3_b',
          orgId: IDS.org,
          cycleId: 'cyc_q3',
          personId: IDS.bob,
          teamId: IDS.team,
          computedScore: 0.5,
          finalScore: 0.5,
        },
      ]),
    ]);
    const body = (await (await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`)).json()) as any;
    // Alice 0.3 → 0.6 (calibrated); Bob 0.5 → 0.3 fell and is not named; the team's mean 0.4 → 0.45.
    expect(body.most_improved).toEqual({
      previous_cycle: { id: 'cyc_q3', name: '2026 Q3' },
      people: [{ id: IDS.alice, name: '张伟', previous: 0.3, current: 0.6, delta: 0.3 }],
      teams: [{ id: IDS.team, name: '销售一部', previous: 0.4, current: 0.45, delta: 0.05 }],
    });
  });

  it('after close, check-ins, adjustments and self-scores are refused naming the cycle, and nothing changes', async () => {
    const selfButtons = selfCard('ou_bob');
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    const before = await h.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));
    await h.dispatch(message('ou_alice', 'KR1 80'));
    expect(h.lastText('ou_alice')).toContain('周期“2026 Q4”已关闭');
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120 原因 多开两个班'));
    expect(h.lastText('ou_alice')).toContain('已关闭');
    await h.dispatch(message('ou_bob', 'self-score O1 0.5'));
    expect(h.lastText('ou_bob')).toContain('"2026 Q4" is closed');
    const clicked = await h.dispatch(
      click('ou_bob', 'rv.self', selfButtons.buttons[0].value, selfButtons.sent.messageId),
    );
    expect(clicked.toast).toMatchObject({ kind: 'error' });
    expect(clicked.toast?.text).toContain('is closed');
    const kr = await h.dispatch(click('ou_alice', 'kr.checkin', { kr: IDS.aliceKr1, value: '90' }));
    expect(kr.toast?.text).toContain('已关闭');
    const api = await h.api('POST', `/api/v1/key-results/${IDS.aliceKr1}/check-ins`, { value: 90 });
    expect(api.status).toBe(409);
    expect(JSON.stringify(await api.json())).toContain('2026 Q4');
    expect(await h.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1))).toEqual(before);
    expect(await h.store.db.select().from(checkIns)).toHaveLength(0);
    expect((await h.review(IDS.bob)).selfScore).toBeNull();
    await h.dispatch(message('ou_alice', '复盘'));
    expect(cardText(h.sent('ou_alice').at(-1)!.message.card)).toContain('最终得分 0.6');
  });
});

describe('the performance sheet', () => {
  beforeEach(async () => {
    await start();
    await h.dispatch(message('ou_alice', '自评 O1 0.7'));
    await h.dispatch(message('ou_alice', '复盘 =HYPERLINK("https://evil.example","点我")'));
    await h.dispatch(message('ou_manager', '校准 张伟 0.6 原因 满意度未达标'));
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
  });

  it('CSV: UTF-8 with BOM, the agreed columns, numbers matching the scores, formulas neutralised', async () => {
    const res = await h.api('GET', `/api/v1/cycles/${IDS.cycle}/performance.csv`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const [header, ...rows] = text.trim().split('\r\n');
    expect(header).toBe(
      'external_id,name,team,manager_external_id,objectives,computed_score,self_score,final_score,calibrated_by,appeal,counts_for_appraisal,flags,retrospective',
    );
    expect(rows[0]).toBe(
      'E002,张伟,销售一部,E001,O1 提升课程满意度 (0.4→0.7),0.4,0.7,0.6,E001,,true,,"\'=HYPERLINK(""https://evil.example"",""点我"")"',
    );
    expect(rows[1]).toBe('E003,Bob Smith,销售一部,E001,O1 Grow renewals in my centre (0.3→0.3),0.3,,0.3,,,true,,');
  });

  it('xlsx: the same rows as string and number cells, no formula anywhere', async () => {
    const res = await h.api('GET', `/api/v1/cycles/${IDS.cycle}/performance.xlsx`);
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']);
    const strings = files['xl/sharedStrings.xml'] ? strFromU8(files['xl/sharedStrings.xml']) : sheet;
    expect(sheet).not.toContain('<f>');
    expect(strings).toContain("'=HYPERLINK(");
    expect(strings).toContain('张伟');
    expect(sheet).toMatch(/<v>0\.6<\/v>/);
  });

  it('observation_until marks rows of cycles ending before it as not counting for appraisal', async () => {
    await h.store.db
      .update(organizations)
      .set({ settings: { observationUntil: '2027-04-01' } })
      .where(eq(organizations.id, IDS.org));
    const text = await (await h.api('GET', `/api/v1/cycles/${IDS.cycle}/performance.csv`)).text();
    expect(text.split('\r\n')[1]).toContain(',false,');
    await h.dispatch(message('ou_alice', '复盘'));
    expect(cardText(h.sent('ou_alice').at(-1)!.message.card)).toContain('观察期');
  });
});
