// A Lark Bitable connector made from the dashboard's form, against the Lark emulator over real
// HTTP: the picker's sample lists the table's fields, a mapping naming a field the table lacks is
// refused in the reader's language (nothing stored), and the saved connector runs from the page.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors, metricPoints } from '../../storage/schema';
import { startStack, type Stack } from '../helpers/e2e';
import { seedSmallOrg } from '../helpers/fixtures';

let stack: Stack;
const TOKEN = 'e2e-admin-token-0123456789abcdef';

beforeAll(async () => {
  stack = await startStack({ wecom: false, dingtalk: false });
  await seedSmallOrg(stack.store);
  stack.lark!.sources.bases.set(
    'bascnForm',
    new Map([
      [
        'tblScores',
        {
          fields: [
            { field_name: '负责人', type: 11 },
            { field_name: '日期', type: 5 },
            { field_name: '满意度', type: 2 },
          ],
          records: [
            {
              record_id: 'rec1',
              fields: {
                负责人: [{ id: 'ou_alice', name: '张伟' }],
                日期: Date.parse('2026-11-20T00:00:00+08:00'),
                满意度: 4.6,
              },
            },
            {
              record_id: 'rec2',
              fields: {
                负责人: [{ id: 'ou_bob', name: 'Bob' }],
                日期: Date.parse('2026-11-20T00:00:00+08:00'),
                满意度: 4.1,
              },
            },
          ],
        },
      ],
    ]),
  );
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function post(path: string, form: Record<string, string>, accept = 'text/html') {
  return fetch(`${stack.base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      origin: stack.base,
      accept,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
}

const form = (over: Record<string, string> = {}) => ({
  kind: 'bitable',
  name: '课程满意度',
  schedule: '',
  enabled: 'on',
  app_token: 'bascnForm',
  table_id: 'tblScores',
  view_id: '',
  metric_mode: 'fixed',
  metric: 'feedback_score',
  subject_field: '负责人',
  at_field: '日期',
  value_field: '满意度',
  ...over,
});

describe('a Bitable connector from the dashboard form', () => {
  it('samples the table’s fields, refuses a missing field, saves and runs', async () => {
    const sample = await post('/dashboard/connectors/sample', form(), 'application/json');
    expect(sample.status).toBe(200);
    expect((await sample.json()).fields).toEqual(['负责人', '日期', '满意度']);

    const wrong = await post('/dashboard/connectors', form({ value_field: '评分' }));
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain(
      '映射的字段在数据源中不存在：数值字段: “评分”。数据源的字段有：负责人、日期、满意度。',
    );
    expect(await stack.store.db.select().from(connectors)).toEqual([]);

    const saved = await post('/dashboard/connectors', form());
    expect(saved.status).toBe(303);
    const [row] = await stack.store.db.select().from(connectors);
    expect(row).toMatchObject({ kind: 'bitable', source: { app_token: 'bascnForm', table_id: 'tblScores' } });
    const run = await post(`/dashboard/connectors/${row.id}/run`, {});
    expect(await run.text()).toContain('已运行“课程满意度”：成功（读取 2 · 写入 2 · 未变 0 · 拒收 0）');
    const points = await stack.store.db.select().from(metricPoints).where(eq(metricPoints.metric, 'feedback_score'));
    expect(points.map((p) => p.value).sort()).toEqual([4.1, 4.6]);
  });
});
