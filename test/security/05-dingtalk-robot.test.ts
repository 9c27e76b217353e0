// Item 5 of the security review: DingTalk robot requests. The sign covers only the
// timestamp, so a captured (timestamp, sign) must be good for one request; the robot code
// and corp must be ours; sessionWebhook must be DingTalk's own; and sent outbox rows must not
// keep the sessionWebhook capability URL. Over real HTTP against the DingTalk emulator.
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { robotSign, MAX_ROBOT_SKEW_MS } from '../../bots/dingtalk/verify';
import { isDingtalkSessionWebhook } from '../../bots/dingtalk/parse';
import { checkIns, inbox, outbox, processedEvents } from '../../storage/schema';
import { openSqlite } from '../../storage/sqlite';
import { firstUse } from '../../storage/repos/nonces';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { DINGTALK, startStack, type Stack, type StackOptions } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(options: StackOptions = {}) {
  stack = await startStack({ lark: false, dingtalk: 'http', ...options });
  await seedSmallOrg(stack.store);
  return stack;
}
const waitFor = stackWaitFor(() => stack!);
const ding = () => stack!.dingtalk!;

function postRobot(payload: unknown, timestamp: string, sign: string) {
  return fetch(`${stack!.base}/webhooks/dingtalk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', timestamp, sign },
    body: JSON.stringify(payload),
  });
}

/** A realistic robot payload (from the emulator, so its sessionWebhook is live) that records a check-in. */
async function genuinePayload(text: string) {
  // Groups deliver only @-mentions; atBot false returns the payload without delivering it.
  const made = await ding().deliverText({ staffId: 'staff_alice', text, conversationType: '2', atBot: false });
  return { ...made.payload, conversationType: '1', conversationId: 'cidP2Pstaff_alice==' } as Record<string, unknown>;
}
const checkInsOf = (krId: string) => stack!.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, krId));

describe('replayed (timestamp, sign)', () => {
  it('accepts a pair once; the same pair with a new body 30 minutes later is refused and stores nothing', async () => {
    await start();
    const ts = String(Date.now() - 30 * 60 * 1000);
    const sign = await robotSign(DINGTALK.clientSecret, ts);
    const first = await postRobot(await genuinePayload('KR1 45'), ts, sign);
    expect(first.status).toBe(200);
    await waitFor(async () => (await checkInsOf(IDS.aliceKr1)).some((r) => r.value === 45), 'the genuine check-in');

    const replay = await postRobot({ ...(await genuinePayload('KR1 66')), msgId: 'msg_forged' }, ts, sign);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('replayed');
    await stack!.flush();
    const values = (await checkInsOf(IDS.aliceKr1)).map((r) => r.value);
    expect(values).not.toContain(66);
    expect(
      await stack!.store.db
        .select()
        .from(processedEvents)
        .where(and(eq(processedEvents.platform, 'dingtalk'), eq(processedEvents.eventId, 'msg_forged'))),
    ).toHaveLength(0);
  });

  it('refuses a timestamp outside DingTalk’s documented hour', async () => {
    await start();
    expect(MAX_ROBOT_SKEW_MS).toBe(60 * 60 * 1000);
    const old = String(Date.now() - MAX_ROBOT_SKEW_MS - 60_000);
    const res = await postRobot(await genuinePayload('KR1 66'), old, await robotSign(DINGTALK.clientSecret, old));
    expect(res.status).toBe(401);
  });

  it('remembers used pairs in the database, so a second server process refuses them too', async () => {
    await start();
    const now = new Date();
    const later = new Date(now.getTime() + MAX_ROBOT_SKEW_MS);
    expect(await firstUse(stack!.store, 'dingtalk:robot:1:abc', later, now)).toBe(true);
    const other = openSqlite(stack!.dbPath);
    try {
      expect(await firstUse(other, 'dingtalk:robot:1:abc', later, now)).toBe(false);
    } finally {
      other.close();
    }
  });
});

describe('robot code and corp', () => {
  it('refuses a message for another robot with 403 and stores nothing', async () => {
    await start();
    const ts = String(Date.now());
    const res = await postRobot(
      { ...(await genuinePayload('KR1 66')), robotCode: 'someone-elses-robot' },
      ts,
      await robotSign(DINGTALK.clientSecret, ts),
    );
    expect(res.status).toBe(403);
    expect(await stack!.store.db.select().from(inbox)).toHaveLength(0);
  });

  it('refuses a message from another corp when DINGTALK_CORP_ID is set', async () => {
    await start({ env: { DINGTALK_CORP_ID: 'dingcorp0001' } });
    const ts = String(Date.now());
    const ok = await postRobot(await genuinePayload('KR1 45'), ts, await robotSign(DINGTALK.clientSecret, ts));
    expect(ok.status).toBe(200);
    const ts2 = String(Date.now() + 1);
    const res = await postRobot(
      { ...(await genuinePayload('KR1 66')), chatbotCorpId: 'ding_other_corp' },
      ts2,
      await robotSign(DINGTALK.clientSecret, ts2),
    );
    expect(res.status).toBe(403);
  });
});

describe('sessionWebhook', () => {
  it('accepts only DingTalk’s own host, or the configured API base', () => {
    expect(isDingtalkSessionWebhook('https://oapi.dingtalk.com/robot/sendBySession?session=abc')).toBe(true);
    for (const url of [
      'https://evil.example/robot/sendBySession?session=abc',
      'http://oapi.dingtalk.com/robot/sendBySession?session=abc',
      'https://oapi.dingtalk.com.evil.example/robot/sendBySession?session=abc',
      'https://user@oapi.dingtalk.com/robot/sendBySession?session=abc',
      'https://oapi.dingtalk.com/robot/send?access_token=abc',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(isDingtalkSessionWebhook(url), url).toBe(false);
    expect(isDingtalkSessionWebhook('http://127.0.0.1:9/robot/sendBySession?s=1', 'http://127.0.0.1:9')).toBe(true);
    expect(isDingtalkSessionWebhook('http://127.0.0.1:9/robot/sendBySession?s=1')).toBe(false);
  });

  it('refuses a request whose sessionWebhook points elsewhere, and never calls it', async () => {
    await start();
    let called = 0;
    const evil = await import('../../bots/common/emulator/serve').then((m) =>
      m.serveOnNode(() => {
        called++;
        return new Response('{}');
      }),
    );
    try {
      let n = 0;
      for (const url of [`${evil.url}/robot/sendBySession?session=x`, 'javascript:alert(1)']) {
        const ts = String(Date.now() + ++n);
        const payload = { ...(await genuinePayload('我的OKR')), sessionWebhook: url };
        const res = await postRobot(payload, ts, await robotSign(DINGTALK.clientSecret, ts));
        expect(res.status, url).toBe(400);
      }
      await stack!.flush();
      expect(called).toBe(0);
      expect(await stack!.store.db.select().from(outbox)).toHaveLength(0);
    } finally {
      await evil.close();
    }
  });

  it('a sent reply keeps no sessionWebhook in its outbox row', async () => {
    await start({ dingtalkCardTemplate: false });
    const sent = await ding().deliverText({ staffId: 'staff_alice', text: '帮助' });
    expect(sent).toMatchObject({ delivered: true, status: 200 });
    await waitFor(async () => {
      const rows = await stack!.store.db.select().from(outbox);
      return rows.length > 0 && rows.every((r) => r.status === 'sent');
    }, 'the reply to be sent');
    expect(ding().messages.some((m) => m.via === 'session')).toBe(true);
    const rows = await stack!.store.db.select().from(outbox);
    expect(JSON.stringify(rows)).not.toContain('sendBySession');
    expect(JSON.stringify(rows)).not.toContain('sessionWebhook');
  });
});
