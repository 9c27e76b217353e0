// /api/v1/orgs: organisations, their settings (validated field by field, merged,
// audited, shown with defaults filled in) and platform tenants — and what those
// change downstream: a new objective skipping approval, an adjustment's expiry,
// events of two tenants reaching the right org's person.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BotEvent } from '../../bots/types';
import { cardButtons } from '../../cards/model';
import { createPolaris } from '../../src/app';
import { adjustments, auditLog, objectives, organizations } from '../../storage/schema';
import { click, message, recordingAdapter } from '../approvals/harness';
import { createTestApp } from '../helpers/app';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

type T = ReturnType<typeof createTestApp>;
let t: T;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await t.api(method, path, body, headers);
  return { status: res.status, body: await res.json() };
}

const audits = (action: string) => t.store.db.select().from(auditLog).where(eq(auditLog.action, action));

/** A Polaris over the test app's database, with a recording Lark adapter, for driving chat. */
/** A server whose Lark credentials serve `tenantKey` (LARK_TENANT_KEY), when given. */
function chat(tenantKey?: string) {
  const recorder = recordingAdapter('lark');
  const pending: Promise<unknown>[] = [];
  const { services } = createPolaris({
    store: t.store,
    config: t.config,
    clock: t.clock,
    adapters: [{ ...recorder.adapter, tenantKey }],
    defer: (p) => {
      pending.push(p);
    },
  });
  return {
    log: recorder.log,
    async dispatch(event: BotEvent) {
      const result = await services.dispatch(event);
      while (pending.length) await pending.shift();
      await services.outbox.drain();
      return result;
    },
  };
}

describe('organisations', () => {
  it('creates, lists, reads by slug or id, and shows the effective settings with defaults', async () => {
    const created = await call('POST', '/api/v1/orgs', { name: 'Acme 教育', slug: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme 教育',
      slug: 'acme',
      settings: {},
      effective_settings: {
        approve_new_objectives: true,
        adjustment_remind_days: 2,
        adjustment_expire_days: 7,
        reminder_cap_per_week: 2,
        timezone: 'Asia/Shanghai',
        schedules: { 'weekly-digest': '0 9 * * 1', 'checkin-reminders': '0 16 * * 5' },
      },
    });
    // Installation-wide jobs are not per org, so they are not listed as an org's schedules.
    expect(created.body.effective_settings.schedules).not.toHaveProperty('adjustment-sweep');

    const second = await call('POST', '/api/v1/orgs', {
      name: 'North',
      slug: 'north-campus',
      settings: {
        timezone: 'America/New_York',
        reminder_cap_per_week: 0,
        schedules: { 'weekly-digest': '30 8 * * 1' },
      },
    });
    expect(second.status).toBe(201);
    expect(second.body.settings).toEqual({
      timezone: 'America/New_York',
      reminder_cap_per_week: 0,
      schedules: { 'weekly-digest': '30 8 * * 1' },
    });
    expect(second.body.effective_settings).toMatchObject({
      timezone: 'America/New_York',
      reminder_cap_per_week: 0,
      schedules: { 'weekly-digest': '30 8 * * 1', 'checkin-reminders': '0 16 * * 5' },
    });
    const [stored] = await t.store.db.select().from(organizations).where(eq(organizations.slug, 'north-campus'));
    expect(stored.settings).toEqual({
      timezone: 'America/New_York',
      reminderCapPerWeek: 0,
      schedules: { 'weekly-digest': '30 8 * * 1' },
    });

    const page1 = await call('GET', '/api/v1/orgs?limit=1');
    expect(page1.body.items).toHaveLength(1);
    const page2 = await call('GET', `/api/v1/orgs?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.next_cursor).toBeNull();
    expect([page1.body.items[0].slug, page2.body.items[0].slug].sort()).toEqual(['acme', 'north-campus']);

    const bySlug = await call('GET', '/api/v1/orgs/acme');
    expect(bySlug.body).toMatchObject({ id: created.body.id, tenants: [] });
    expect((await call('GET', `/api/v1/orgs/${created.body.id}`)).body.slug).toBe('acme');
    expect((await call('GET', '/api/v1/orgs/nope')).status).toBe(404);
    expect((await audits('org.create')).map((a) => a.entityId).sort()).toEqual(
      [created.body.id, second.body.id].sort(),
    );
  });

  it('refuses a taken slug with 409 and a malformed one with 400', async () => {
    expect((await call('POST', '/api/v1/orgs', { name: 'A', slug: 'acme' })).status).toBe(201);
    const taken = await call('POST', '/api/v1/orgs', { name: 'B', slug: 'acme' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain('acme');
    for (const slug of ['Acme', 'ac_me', 'ac me', '-acme', '']) {
      const bad = await call('POST', '/api/v1/orgs', { name: 'C', slug });
      expect(bad.status, slug).toBe(400);
      expect(bad.body.error.details[0].path).toBe('slug');
    }
    expect((await call('GET', '/api/v1/orgs')).body.items).toHaveLength(1);
  });

  it('merges settings on PATCH, null going back to the default, and audits each change', async () => {
    const { body: org } = await call('POST', '/api/v1/orgs', { name: 'Acme', slug: 'acme' });
    let res = await call('PATCH', '/api/v1/orgs/acme', {
      settings: { timezone: 'Europe/Berlin', reminder_cap_per_week: 3, schedules: { 'weekly-digest': '0 8 * * 1' } },
    });
    expect(res.status).toBe(200);
    res = await call('PATCH', `/api/v1/orgs/${org.id}`, {
      name: 'Acme Group',
      settings: {
        approve_new_objectives: false,
        adjustment_remind_days: 3,
        schedules: { 'checkin-reminders': '0 15 * * 4' },
      },
    });
    expect(res.body).toMatchObject({
      name: 'Acme Group',
      settings: {
        timezone: 'Europe/Berlin',
        reminder_cap_per_week: 3,
        approve_new_objectives: false,
        adjustment_remind_days: 3,
        schedules: { 'weekly-digest': '0 8 * * 1', 'checkin-reminders': '0 15 * * 4' },
      },
      effective_settings: {
        approve_new_objectives: false,
        adjustment_remind_days: 3,
        adjustment_expire_days: 7,
        reminder_cap_per_week: 3,
        timezone: 'Europe/Berlin',
      },
    });

    res = await call('PATCH', '/api/v1/orgs/acme', {
      settings: { timezone: null, reminder_cap_per_week: null, schedules: { 'weekly-digest': null } },
    });
    expect(res.body.settings).toEqual({
      approve_new_objectives: false,
      adjustment_remind_days: 3,
      schedules: { 'checkin-reminders': '0 15 * * 4' },
    });
    expect(res.body.effective_settings).toMatchObject({
      timezone: 'Asia/Shanghai',
      reminder_cap_per_week: 2,
      schedules: { 'weekly-digest': '0 9 * * 1', 'checkin-reminders': '0 15 * * 4' },
    });
    res = await call('PATCH', '/api/v1/orgs/acme', { settings: { schedules: null } });
    expect(res.body.settings).toEqual({ approve_new_objectives: false, adjustment_remind_days: 3 });
    expect((await call('GET', '/api/v1/orgs/acme')).body.settings).toEqual(res.body.settings);

    const updates = await audits('org.update');
    expect(updates).toHaveLength(4);
    expect(updates.every((a) => a.entityId === org.id && a.orgId === org.id && a.actorType === 'admin')).toBe(true);
    expect(updates[1].data).toMatchObject({ name: { from: 'Acme', to: 'Acme Group' } });
    // A PATCH that changes nothing writes nothing.
    await call('PATCH', '/api/v1/orgs/acme', { settings: { adjustment_remind_days: 3 } });
    expect(await audits('org.update')).toHaveLength(4);
  });

  it('names the field of each invalid setting and changes nothing', async () => {
    await call('POST', '/api/v1/orgs', { name: 'Acme', slug: 'acme', settings: { adjustment_remind_days: 2 } });
    const cases: [unknown, string, RegExp][] = [
      [{ timezone: 'Mars/Olympus' }, 'settings.timezone', /IANA/],
      [
        { schedules: { 'weekly-digets': '0 9 * * 1' } },
        'settings.schedules.weekly-digets',
        /unknown job.*weekly-digest/,
      ],
      [{ schedules: { 'weekly-digest': '0 9 * *' } }, 'settings.schedules.weekly-digest', /cron/],
      [{ schedules: { 'weekly-digest': '99 9 * * 1' } }, 'settings.schedules.weekly-digest', /cron/],
      [{ schedules: { 'adjustment-sweep': '0 * * * *' } }, 'settings.schedules.adjustment-sweep', /all organisations/],
      [{ adjustment_expire_days: 2 }, 'settings.adjustment_expire_days', /greater than adjustment_remind_days \(2\)/],
      [{ adjustment_remind_days: 7 }, 'settings.adjustment_expire_days', /greater than adjustment_remind_days \(7\)/],
      [{ adjustment_remind_days: 0 }, 'settings.adjustment_remind_days', /at least 1/],
      [{ adjustment_remind_days: 1.5 }, 'settings.adjustment_remind_days', /whole number/],
      [{ reminder_cap_per_week: 15 }, 'settings.reminder_cap_per_week', /at most 14/],
      [{ reminder_cap_per_week: -1 }, 'settings.reminder_cap_per_week', /at least 0/],
      [{ approve_new_objectives: 'no' }, 'settings.approve_new_objectives', /boolean/],
      [{ approveNewObjectives: false }, 'settings', /approveNewObjectives/],
    ];
    for (const [settings, path, message] of cases) {
      const res = await call('PATCH', '/api/v1/orgs/acme', { settings });
      expect(res.status, JSON.stringify(settings)).toBe(400);
      const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
      expect(detail, `${JSON.stringify(settings)} → ${JSON.stringify(res.body.error.details)}`).toBeDefined();
      expect(detail.message).toMatch(message);
    }
    // Creating with a bad combination is refused the same way.
    const bad = await call('POST', '/api/v1/orgs', { name: 'B', slug: 'b', settings: { adjustment_remind_days: 9 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('settings.adjustment_expire_days');

    expect((await call('GET', '/api/v1/orgs/acme')).body.settings).toEqual({ adjustment_remind_days: 2 });
    expect(await audits('org.update')).toHaveLength(0);
    expect((await call('GET', '/api/v1/orgs')).body.items).toHaveLength(1);
  });
});

describe('platform tenants', () => {
  it('binds, replaces, lists and unbinds tenants; a key bound elsewhere is a 409 naming that org', async () => {
    const { body: acme } = await call('POST', '/api/v1/orgs', { name: 'Acme', slug: 'acme' });
    await call('POST', '/api/v1/orgs', { name: 'Beta', slug: 'beta' });

    let res = await call('PUT', '/api/v1/orgs/acme/tenants/lark', { tenant_key: 'tk_old' });
    expect(res).toEqual({ status: 200, body: { platform: 'lark', tenant_key: 'tk_old', org_id: acme.id } });
    res = await call('PUT', '/api/v1/orgs/acme/tenants/lark', { tenant_key: 'tk_acme' });
    expect(res.status).toBe(200);
    await call('PUT', '/api/v1/orgs/acme/tenants/wecom', { tenant_key: 'ww_acme' });
    res = await call('GET', '/api/v1/orgs/acme/tenants');
    expect(res.body.items).toEqual([
      { platform: 'lark', tenant_key: 'tk_acme', org_id: acme.id },
      { platform: 'wecom', tenant_key: 'ww_acme', org_id: acme.id },
    ]);
    expect((await call('GET', '/api/v1/orgs/acme')).body.tenants).toHaveLength(2);
    // Binding the same key again is a no-op.
    expect((await call('PUT', '/api/v1/orgs/acme/tenants/lark', { tenant_key: 'tk_acme' })).status).toBe(200);

    const clash = await call('PUT', '/api/v1/orgs/beta/tenants/lark', { tenant_key: 'tk_acme' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain('"acme"');
    expect(clash.body.error.details[0]).toMatchObject({ path: 'tenant_key', org_id: acme.id, org_slug: 'acme' });
    // The same key on another platform is a different tenant.
    expect((await call('PUT', '/api/v1/orgs/beta/tenants/dingtalk', { tenant_key: 'tk_acme' })).status).toBe(200);

    expect((await call('PUT', '/api/v1/orgs/beta/tenants/slack', { tenant_key: 'x' })).status).toBe(400);
    expect((await call('PUT', '/api/v1/orgs/beta/tenants/lark', { tenant_key: '  ' })).body.error.details[0].path).toBe(
      'tenant_key',
    );
    expect((await call('PUT', '/api/v1/orgs/nope/tenants/lark', { tenant_key: 'x' })).status).toBe(404);

    res = await call('DELETE', '/api/v1/orgs/acme/tenants/lark');
    expect(res.body.unbound).toEqual([{ platform: 'lark', tenant_key: 'tk_acme', org_id: acme.id }]);
    expect((await call('DELETE', '/api/v1/orgs/acme/tenants/lark')).status).toBe(404);
    // Unbound, the key is free for another org.
    expect((await call('PUT', '/api/v1/orgs/beta/tenants/lark', { tenant_key: 'tk_acme' })).status).toBe(200);

    const binds = await audits('org.tenant.bind');
    expect(binds.map((a) => a.data)).toContainEqual({ platform: 'lark', tenant_key: 'tk_acme', replaced: ['tk_old'] });
    expect(binds).toHaveLength(5);
    expect(await audits('org.tenant.unbind')).toHaveLength(1);
  });

  it("routes events of two tenants with the same Lark open_id to the right org's person", async () => {
    const bot = chat();
    for (const [slug, goal] of [
      ['acme', 'Acme 的目标'],
      ['beta', 'Beta 的目标'],
    ] as const) {
      expect((await call('POST', '/api/v1/orgs', { name: slug, slug })).status).toBe(201);
      const headers = { 'X-Polaris-Org': slug };
      expect(
        (
          await call(
            'POST',
            '/api/v1/people/import',
            [{ external_id: 'E1', name: `${slug} 老师`, lark_open_id: 'ou_same' }],
            headers,
          )
        ).status,
      ).toBe(200);
      const personId = (await call('GET', '/api/v1/people?q=E1', undefined, headers)).body.items[0].id;
      expect(
        (
          await call(
            'POST',
            '/api/v1/cycles',
            { name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' },
            headers,
          )
        ).status,
      ).toBe(201);
      const obj = await call(
        'POST',
        '/api/v1/objectives',
        {
          title: goal,
          owner_type: 'person',
          owner_id: personId,
          key_results: [{ title: '家访次数', target_value: 20 }],
        },
        headers,
      );
      expect(obj.status).toBe(201);
    }
    // One app per tenant, as a Lark store app installed in both would be served.
    const apps = { tk_acme: chat('tk_acme'), tk_beta: chat('tk_beta') };
    const myOkrs = async (tenantKey: 'tk_acme' | 'tk_beta', via: ReturnType<typeof chat> = apps[tenantKey]) => {
      const before = via.log.length;
      await via.dispatch({ ...message('ou_same', '我的OKR'), tenantKey });
      return JSON.stringify(via.log.slice(before).map((r) => r.message));
    };

    // The same open_id in two orgs and no tenant mapping: ambiguous, so nobody's OKRs are shown.
    const ambiguous = await myOkrs('tk_beta', bot);
    expect(ambiguous).not.toContain('的目标');

    await call('PUT', '/api/v1/orgs/acme/tenants/lark', { tenant_key: 'tk_acme' });
    await call('PUT', '/api/v1/orgs/beta/tenants/lark', { tenant_key: 'tk_beta' });
    const forBeta = await myOkrs('tk_beta');
    expect(forBeta).toContain('Beta 的目标');
    expect(forBeta).not.toContain('Acme 的目标');
    const forAcme = await myOkrs('tk_acme');
    expect(forAcme).toContain('Acme 的目标');
    expect(forAcme).not.toContain('Beta 的目标');
    // Credentials of no declared tenant cannot carry either org's messages once two are bound.
    expect(await myOkrs('tk_acme', bot)).not.toContain('的目标');

    // Unbinding puts the ambiguity back.
    await call('DELETE', '/api/v1/orgs/acme/tenants/lark');
    expect(await myOkrs('tk_acme')).not.toContain('的目标');
  });
});

describe('settings take effect', () => {
  beforeEach(async () => {
    await seedSmallOrg(t.store);
  });

  async function newObjective(bot: ReturnType<typeof chat>, title: string) {
    const lastCard = () => bot.log.filter((r) => r.message.card).at(-1)!;
    await bot.dispatch(message('ou_alice', '新目标'));
    await bot.dispatch(message('ou_alice', title));
    await bot.dispatch(message('ou_alice', '家访次数 0→20次'));
    const picker = lastCard();
    const north = cardButtons(picker.message.card!).find((b) => b.value.kr === IDS.northStarKr)!;
    await bot.dispatch(click('ou_alice', 'obj.align', north.value, picker.messageId));
    const confirm = lastCard();
    const create = cardButtons(confirm.message.card!).find((b) => b.actionId === 'obj.confirm')!;
    await bot.dispatch(click('ou_alice', 'obj.confirm', create.value, confirm.messageId));
    const [row] = await t.store.db
      .select()
      .from(objectives)
      .where(and(eq(objectives.ownerPersonId, IDS.alice), eq(objectives.title, title)));
    return row;
  }

  it('approve_new_objectives: false makes a new objective active at once; null restores approval', async () => {
    const bot = chat();
    expect((await call('PATCH', '/api/v1/orgs/acme', { settings: { approve_new_objectives: false } })).status).toBe(
      200,
    );
    const direct = await newObjective(bot, '提升家长满意度');
    expect(direct.status).toBe('active');
    expect(await t.store.db.select().from(adjustments).where(eq(adjustments.objectiveId, direct.id))).toHaveLength(0);

    await call('PATCH', '/api/v1/orgs/acme', { settings: { approve_new_objectives: null } });
    const gated = await newObjective(bot, '提高课堂互动');
    expect(gated.status).toBe('pending_approval');
  });

  it('adjustment_expire_days sets when a new adjustment request expires', async () => {
    const bot = chat();
    await call('PATCH', '/api/v1/orgs/acme', { settings: { adjustment_remind_days: 1, adjustment_expire_days: 3 } });
    await bot.dispatch(message('ou_alice', '调整 KR1 目标 80 原因 学期缩短'));
    const [adj] = await t.store.db.select().from(adjustments).where(eq(adjustments.requesterId, IDS.alice));
    expect(adj.expiresAt).toBe(new Date(t.clock.now().getTime() + 3 * 86_400_000).toISOString());
  });
});
