// The playground's guided review (docs/review.md#the-guided-review-in-the-playground), through its
// HTTP API on the real Node server with the emulators: HR starts the review, a teacher
// self-assesses, their 中心主任 delegates to the 教研主管 who calibrates with a reason, the teacher
// appeals, the department head keeps the calibration from the appeal card, HR closes, and the
// sheet's numbers are the scores given.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, reviews } from '../../storage/schema';
import { startPlayground, type RunningPlayground } from './helpers';

let pg: RunningPlayground;
beforeAll(async () => {
  pg = await startPlayground();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

interface Step {
  step: string;
  role: string;
  person: { id: string; name: string; title: string };
}

const run = async (step: string) => {
  const res = await pg.post(`/playground/api/script/review/${step}`, {});
  return { status: res.status, body: (await res.json()) as any };
};

describe('the guided review script', () => {
  it('lists its steps and cast, refuses steps out of order, and runs a whole review ending with the sheet', async () => {
    const script = (await (await pg.get('/playground/api/script/review')).json()) as { steps: Step[]; cycle: any };
    expect(script.steps.map((s) => s.step)).toEqual([
      'start',
      'self',
      'delegate',
      'calibrate',
      'appeal',
      'decide',
      'close',
      'sheet',
    ]);
    const cast = Object.fromEntries(script.steps.map((s) => [s.role, s.person]));
    expect(cast.hr.title).toBe('HR总监');
    expect(cast.coach.title).toBe('教研主管');
    expect(cast.manager.title).toContain('中心主任');
    expect(script.cycle.status).toBe('active');

    expect((await run('self')).status).toBe(409);
    expect((await run('nope')).status).toBe(404);

    const started = await run('start');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ step: 'start', next: 'self', cycle: { status: 'reviewing' } });
    const self = await run('self');
    expect(self.body.actor.id).toBe(cast.teacher.id);
    expect(self.body.did[0]).toMatch(/^自评 O1 \d\.\d 备注/);
    for (const step of ['delegate', 'calibrate', 'appeal', 'decide']) {
      const r = await run(step);
      expect(r.status, `${step}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const { store } = pg.server;
    const [review] = await store.db.select().from(reviews).where(eq(reviews.personId, cast.teacher.id));
    expect(review.selfScore).not.toBeNull();
    expect(review).toMatchObject({
      calibratedBy: cast.coach.id,
      calibrationReason: '续费率未达中心目标',
      appealStatus: 'upheld',
      appealDecidedBy: cast.decider.id,
    });
    expect(review.calibratedScore).toBeCloseTo(Math.max(0, Math.round((review.selfScore! - 0.1) * 10) / 10), 5);
    // The delegation and the decision went through chat and the card, as the audit shows.
    const decided = await store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'review.appeal_decided'), eq(auditLog.actorId, cast.decider.id)));
    expect(decided).toHaveLength(1);

    const closed = await run('close');
    expect(closed.body).toMatchObject({ cycle: { status: 'closed' }, next: 'sheet' });
    expect(closed.body.did[0]).toMatch(/^cycle closed: \d+ final scores/);
    // The teacher's chat has the final-score message.
    const chat = (await (await pg.get(`/playground/api/messages?platform=lark&person=${cast.teacher.id}`)).json()) as {
      messages: { from: string; text?: string }[];
    };
    expect(JSON.stringify(chat.messages)).toContain('最终绩效得分');

    expect((await run('sheet')).body.did).toEqual(['/playground/api/script/review/performance.csv']);
    const sheet = await pg.get('/playground/api/script/review/performance.csv');
    expect(sheet.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await sheet.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    const row = text.split('\r\n').find((line) => line.includes(cast.teacher.name))!;
    expect(row).toBeDefined();
    const [final] = await store.db.select().from(reviews).where(eq(reviews.personId, cast.teacher.id));
    expect(final.finalScore).toBeCloseTo(review.calibratedScore!, 5);
    expect(row).toContain(`,${final.finalScore!.toFixed(1)},`);
    expect(row).toContain(',upheld,');

    // Every step is safe to press again: the cycle stays closed, nothing is sent twice.
    expect((await run('close')).body.did).toEqual(['already closed']);
  }, 120_000);

  it('the page offers the guided review; a form step runs it and shows the actor’s chat; a cross-site form is refused', async () => {
    const page = await (await pg.get('/playground')).text();
    expect(page).toContain('id="guide"');
    expect(page).toContain('action="/playground/script/review/start"');
    const cross = await fetch(`${pg.base}/playground/script/review/start`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lang=zh',
      redirect: 'manual',
    });
    expect(cross.status).toBe(400);
    const same = await fetch(`${pg.base}/playground/script/review/sheet`, {
      method: 'POST',
      headers: { origin: pg.base, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lang=en',
      redirect: 'manual',
    });
    expect(same.status).toBe(303);
    expect(same.headers.get('location')).toMatch(
      /^\/playground\?platform=lark&person=[^&]+&guide=sheet&lang=en#guide$/,
    );
  });
});
