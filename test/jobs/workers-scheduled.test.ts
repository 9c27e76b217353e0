// The Workers path for real: `wrangler dev --local --test-scheduled` runs
// src/worker.ts in workerd against local D1; /__scheduled fires the Cron
// Trigger, scheduled() runs the due jobs (the same registry as Node) and
// drains the outbox to a Lark emulator served by this test. A second trigger
// in the same week sends nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLarkEmulator, serveLarkEmulator } from '../../bots/lark/emulator';
import { startWranglerDev, type WranglerDev } from '../helpers/wrangler';

// Every minute is a slot for this org, so the digest is due whenever the test runs.
const SEED = `
INSERT INTO organizations (id, name, slug, settings) VALUES ('org_w', 'Acme', 'acme', '{"schedules":{"weekly-digest":"* * * * *"}}');
INSERT INTO cycles (id, org_id, name, starts_on, ends_on) VALUES ('cyc_w', 'org_w', 'Always', '2000-01-01', '2099-12-31');
INSERT INTO teams (id, org_id, name, lark_chat_id) VALUES ('team_w', 'org_w', 'Sales', 'oc_sales');
INSERT INTO people (id, org_id, external_id, name, team_id, role) VALUES ('p_ana', 'org_w', 'ana', 'ana', 'team_w', 'admin');
INSERT INTO identities (org_id, person_id, platform, platform_user_id) VALUES ('org_w', 'p_ana', 'lark', 'ou_ana');
INSERT INTO objectives (id, org_id, cycle_id, title, owner_type, owner_team_id) VALUES ('obj_w', 'org_w', 'cyc_w', 'Win', 'team', 'team_w');
INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, target_value, current_value) VALUES ('kr_w', 'org_w', 'obj_w', 'cyc_w', 'Revenue', 100, 40);
`;

let dev: WranglerDev | undefined;
let base = '';
const output = () => dev?.output() ?? '';
const emulator = createLarkEmulator({ appId: 'cli_workers', appSecret: 'workers-secret', verificationToken: 'v' });
let lark: { url: string; close(): Promise<void> } | undefined;

describe('Workers scheduled() on local D1', () => {
  beforeAll(async () => {
    lark = await serveLarkEmulator(emulator, 0);
    dev = await startWranglerDev({
      seedSql: SEED,
      extraArgs: ['--test-scheduled'],
      vars: {
        LARK_APP_ID: 'cli_workers',
        LARK_APP_SECRET: 'workers-secret',
        LARK_VERIFICATION_TOKEN: 'v',
        LARK_ENCRYPT_KEY: 'workers-encrypt-key',
        LARK_DOMAIN: lark.url,
      },
    });
    base = dev.base;
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    await lark?.close();
  });

  const sentTo = () => [...emulator.messages.values()].map((m) => m.receiveId).sort();

  it('runs the due digest against D1 and sends it once, however often the trigger fires', async () => {
    const fire = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('*/15 * * * *')}`);
    expect(fire.status, output()).toBe(200);
    const deadline = Date.now() + 30_000;
    while (sentTo().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(sentTo(), output()).toEqual(['oc_sales', 'ou_ana']);
    const group = [...emulator.messages.values()].find((m) => m.receiveId === 'oc_sales')!;
    expect(JSON.stringify(group.content)).toContain('Sales · 周报');

    // Fired again (and a trigger no job listens to): nothing new.
    await fetch(`${base}/__scheduled?cron=${encodeURIComponent('*/15 * * * *')}`);
    await fetch(`${base}/__scheduled?cron=${encodeURIComponent('0 0 1 1 *')}`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sentTo()).toEqual(['oc_sales', 'ou_ana']);
  });
});
