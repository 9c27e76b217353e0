// HTTP(S) connectors end to end: the API over the app, a real SQLite file, and a real local HTTP
// source. A run stores each point once, a re-run stores nothing twice, and a source that answers
// garbage, a 500 or nothing stores nothing and says why.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { auditLog, connectors, metricPoints } from '../../storage/schema';
import { json, startSourceServer, text } from './source-server';
import { configureLogging, consoleSink, logOptionsFromEnv } from '../../core/log';

const SECRET = 'Bearer crm-export-secret-0123456789';

const ROWS = [
  { 工号: 'E002', 日期: '2026-11-20', 续费率: 0.58, 指标: 'renewal_rate' },
  { 工号: 'E003', 日期: '2026-11-20', 续费率: '0.72', 指标: 'renewal_rate' },
  { 工号: '销售一部', 日期: '2026-11-20', 续费率: 0.65, 指标: 'renewal_rate' },
];

const MAPPING = { metric: 'renewal_rate', subject_field: '工号', at_field: '日期', value_field: '续费率' };

describe('HTTP(S) connectors', () => {
  let t: ReturnType<typeof createTestApp>;
  let source: Awaited<ReturnType<typeof startSourceServer>>;
  const sleeps: number[] = [];
  let rows: unknown[] = ROWS;

  beforeEach(async () => {
    rows = ROWS;
    sleeps.length = 0;
    source = await startSourceServer({
      '/report.json': (req, res) => {
        if (req.headers.authorization !== SECRET) return void res.writeHead(401).end('{"error":"unauthorized"}');
        json({ data: { items: rows } })(req, res);
      },
      '/report.csv': text(
        '工号,日期,续费率\nE002,2026-11-21,55%\nE003,2026-11-21,abc\nNOBODY,2026-11-21,0.5\n',
        200,
        'text/csv',
      ),
      '/garbage': text('<html><body>502 Bad Gateway</body></html>', 200, 'text/html'),
      '/broken-json': text('{"data": {"items": [', 200, 'application/json'),
      '/500': text('internal error', 500),
      '/hang': () => {},
      '/redirect': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest' }).end(),
    });
    t = createTestApp({
      deps: { connectorSource: { sleep: async (ms) => void sleeps.push(ms), timeoutMs: 300, attempts: 3 } },
    });
    await seedSmallOrg(t.store);
  });
  afterEach(async () => {
    t.close();
    await source.close();
  });

  async function create(body: Record<string, unknown>) {
    return t.api('POST', '/api/v1/connectors', {
      name: 'CRM 续费率',
      kind: 'http',
      source: { url: `${source.url}/report.json`, format: 'json', items_path: 'data.items' },
      mapping: MAPPING,
      auth_value: SECRET,
      ...body,
    });
  }

  async function points() {
    return t.store.db.select().from(metricPoints).where(eq(metricPoints.metric, 'renewal_rate'));
  }

  it('stores every point once; a re-run stores nothing twice; a changed value is stored again', async () => {
    const res = await create({});
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.auth).toEqual({ header: 'Authorization', set: true });
    expect(created.source_fields).toEqual(expect.arrayContaining(['工号', '日期', '续费率']));
    expect(JSON.stringify(created)).not.toContain('crm-export-secret');

    const first = await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
    expect(first).toMatchObject({ status: 'ok', read: 3, stored: 3, unchanged: 0, rejected: 0 });
    expect(await points()).toHaveLength(3);
    expect(source.requests.at(-1)?.headers.authorization).toBe(SECRET);

    const again = await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
    expect(again).toMatchObject({ status: 'ok', read: 3, stored: 0, unchanged: 3 });
    expect(await points()).toHaveLength(3);

    rows = [{ ...ROWS[0], 续费率: 0.61 }, ROWS[1], ROWS[2]];
    const changed = await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
    expect(changed).toMatchObject({ stored: 1, unchanged: 2 });
    const e002 = (await points()).find((p) => p.subject === 'E002');
    expect(e002?.value).toBe(0.61);

    // The metric is known to rules and the metric list, like a pushed one.
    const metrics = await (await t.api('GET', '/api/v1/metrics')).json();
    expect(metrics.items.map((m: { metric: string }) => m.metric)).toContain('renewal_rate');

    // Never echoed: not in the list, not in the audit log.
    const list = await (await t.api('GET', '/api/v1/connectors')).text();
    expect(list).not.toContain('crm-export-secret');
    const audit = await t.store.db.select().from(auditLog).where(eq(auditLog.entityId, created.id));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['connector.created', 'connector.run']));
    expect(JSON.stringify(audit)).not.toContain('crm-export-secret');
  });

  it('reports rejected rows with reasons and stores the good ones (CSV)', async () => {
    const res = await create({
      name: 'CSV',
      source: { url: `${source.url}/report.csv`, format: 'csv' },
      auth_value: undefined,
    });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const report = await (await t.api('POST', `/api/v1/connectors/${id}/run`)).json();
    expect(report).toMatchObject({ status: 'partial', read: 3, stored: 1, rejected: 2 });
    expect(report.reasons).toEqual([
      { row: 1, field: 'value', reason: 'not a finite number' },
      expect.objectContaining({ row: 2, field: 'subject', reason: expect.stringContaining('"NOBODY"') }),
    ]);
    expect((await points()).map((p) => [p.subject, p.value])).toEqual([['E002', 55]]);
  });

  it('refuses a mapping that names a missing field, and saves nothing', async () => {
    const res = await create({ mapping: { ...MAPPING, value_field: '续费' } });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('connector_mapping');
    expect(body.error.message).toContain('"续费" (value_field)');
    expect(body.error.details.missing).toEqual([{ path: 'mapping.value_field', field: '续费' }]);
    expect(body.error.details.fields).toEqual(expect.arrayContaining(['续费率']));
    expect(await t.store.db.select().from(connectors)).toHaveLength(0);

    // Neither metric nor metric_field, or both: refused by the schema.
    const neither = await create({ mapping: { subject_field: '工号', at_field: '日期', value_field: '续费率' } });
    expect(neither.status).toBe(400);
    const both = await create({ mapping: { ...MAPPING, metric_field: '指标' } });
    expect(both.status).toBe(400);

    // A PATCH to a missing field is refused the same way and changes nothing.
    const ok = await (await create({})).json();
    const patch = await t.api('PATCH', `/api/v1/connectors/${ok.id}`, { mapping: { ...MAPPING, at_field: '月份' } });
    expect(patch.status).toBe(422);
    const [row] = await t.store.db.select().from(connectors);
    expect(row.mapping).toEqual(MAPPING);
  });

  it('validates URLs: scheme, credentials, link-local; private ranges only when allowed', async () => {
    const cases: [string, RegExp][] = [
      ['ftp://crm.example.com/report.csv', /http or https/],
      ['https://user:pw@crm.example.com/report.csv', /user name or password/],
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['http://[fe80::1]/x', /link-local/],
      ['not a url', /not a valid absolute URL/],
    ];
    for (const [url, message] of cases) {
      const res = await create({ source: { url, format: 'json' } });
      expect(res.status, url).toBe(422);
      const body = await res.json();
      expect(body.error.code).toBe('connector_url');
      expect(body.error.message).toMatch(message);
    }
    const closed = createTestApp({ env: { CONNECTORS_PRIVATE_NETWORKS: 'off' } });
    try {
      await seedSmallOrg(closed.store);
      const res = await closed.api('POST', '/api/v1/connectors', {
        name: 'x',
        kind: 'http',
        source: { url: `${source.url}/report.json`, format: 'json' },
        mapping: MAPPING,
      });
      expect(res.status).toBe(422);
      expect((await res.json()).error.message).toMatch(/private address.*CONNECTORS_PRIVATE_NETWORKS=off/);
    } finally {
      closed.close();
    }
    expect(await t.store.db.select().from(connectors)).toHaveLength(0);
  });

  it('refuses a source it cannot read at save time (wrong auth header)', async () => {
    const res = await create({ auth_value: 'Bearer wrong' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('connector_source');
    expect(body.error.message).toMatch(/HTTP 401; check auth_header and auth_value/);
    expect(body.error.message).not.toContain('wrong');
  });

  for (const [path, expected, retried, kind] of [
    ['/garbage', /did not answer JSON/, false, 'garbage'],
    ['/broken-json', /did not answer JSON/, false, 'garbage'],
    ['/500', /HTTP 500.*after 3 attempts/, true, 'unavailable'],
    ['/hang', /no answer within 0\.3 s.*after 3 attempts/, true, 'timeout'],
    ['/redirect', /redirect \(HTTP 302\), which is not followed/, false, 'redirect'],
  ] as const) {
    it(`a source answering ${path.slice(1)} stores nothing and says why, then retries with backoff`, async () => {
      const created = await (await create({})).json();
      // The source breaks after the connector was saved.
      await t.store.db
        .update(connectors)
        .set({ source: { url: `${source.url}${path}`, format: 'json', items_path: 'data.items' } })
        .where(eq(connectors.id, created.id));
      const report = await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
      expect(report.status).toBe('failed');
      expect(report.error).toMatch(expected);
      expect(report.error_kind).toBe(kind);
      expect(report.stored).toBe(0);
      expect(await points()).toHaveLength(0);
      expect(sleeps).toEqual(retried ? [1000, 2000] : []);

      const after = await (await t.api('GET', `/api/v1/connectors/${created.id}`)).json();
      expect(after).toMatchObject({ last_status: 'failed', failures: 1, last_error: report.error });
      // First retry 5 minutes later, before the next hourly slot.
      expect(after.retry_at).toBe('2026-11-27T02:05:00.000Z');
      expect(after.next_run_at).toBe('2026-11-27T02:05:00.000Z');

      await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
      const twice = await (await t.api('GET', `/api/v1/connectors/${created.id}`)).json();
      expect(twice.failures).toBe(2);
      expect(twice.retry_at).toBe('2026-11-27T02:10:00.000Z');
    });
  }

  it('a PATCH removing the secret the source needs is refused and changes nothing', async () => {
    const created = await (await create({})).json();
    const removed = await t.api('PATCH', `/api/v1/connectors/${created.id}`, { auth_value: null });
    // Without the secret the source refuses: the change is not saved.
    expect(removed.status).toBe(422);
    const [row] = await t.store.db.select().from(connectors);
    expect(row.secret).toBe(SECRET);
  });

  it('refuses attendance and Bitable connectors while their platform is not configured', async () => {
    for (const body of [
      { name: 'a', kind: 'attendance', source: { platform: 'wecom' } },
      { name: 'b', kind: 'bitable', source: { app_token: 'bascn1', table_id: 'tbl1' }, mapping: MAPPING },
    ]) {
      const res = await t.api('POST', '/api/v1/connectors', body);
      expect(res.status).toBe(422);
      expect((await res.json()).error.code).toBe('not_configured');
    }
    expect(await t.store.db.select().from(connectors)).toHaveLength(0);
  });

  it('never logs the secret or the URL query, even when the source fails', async () => {
    const lines: string[] = [];
    configureLogging({ level: 'debug', sink: (_level, line) => lines.push(line) });
    try {
      const created = await (
        await create({
          source: { url: `${source.url}/report.json?key=url-query-secret`, format: 'json', items_path: 'data.items' },
        })
      ).json();
      await t.api('POST', `/api/v1/connectors/${created.id}/run`);
      await t.store.db
        .update(connectors)
        .set({ source: { url: `${source.url}/500?key=url-query-secret`, format: 'json' } })
        .where(eq(connectors.id, created.id));
      const failed = await (await t.api('POST', `/api/v1/connectors/${created.id}/run`)).json();
      expect(failed.error).toContain('/500?…');
      expect(lines.length).toBeGreaterThan(1);
      const all = lines.join('\n');
      expect(all).not.toContain('crm-export-secret');
      expect(all).not.toContain('url-query-secret');
      expect(JSON.stringify(failed)).not.toContain('url-query-secret');
    } finally {
      configureLogging({ level: logOptionsFromEnv(process.env).level, sink: consoleSink });
    }
  });

  it('is admin only', async () => {
    const res = await t.app.request('/api/v1/connectors', {
      headers: { authorization: 'Bearer wrong-token-0123456789abcdef' },
    });
    expect(res.status).toBe(401);
  });
});
