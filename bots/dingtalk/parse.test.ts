import { describe, expect, it } from 'vitest';
import { DINGTALK_MAX_TEXT_CHARS, parseCardCallback, parseRobotMessage } from './parse';

const base = {
  conversationId: 'cidP2Pstaff1==',
  conversationType: '1',
  msgId: 'msgA1',
  senderStaffId: 'staff1',
  senderNick: '张三',
  senderCorpId: 'dingcorp',
  chatbotCorpId: 'dingcorp',
  robotCode: 'dingrobot',
  msgtype: 'text',
  text: { content: '我的OKR' },
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=abc',
  sessionWebhookExpiredTime: 1700005400000,
};

describe('parseRobotMessage', () => {
  it('keeps at most the documented 15,000 (bytes, so characters) of a text message', () => {
    expect(DINGTALK_MAX_TEXT_CHARS).toBe(15_000);
    const parsed = parseRobotMessage({ ...base, text: { content: '目'.repeat(40_000) } });
    expect(parsed.ok && parsed.event.type === 'message' && parsed.event.text.length).toBe(15_000);
  });

  it('one-to-one → a direct MessageEvent replying to the staffId with the sessionWebhook hint', () => {
    const parsed = parseRobotMessage(base);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event).toMatchObject({
      type: 'message',
      platform: 'dingtalk',
      eventId: 'msgA1',
      tenantKey: 'dingcorp',
      text: '我的OKR',
      mentionedBot: false,
      sender: { platformUserId: 'staff1', name: '张三' },
      conversation: { id: 'cidP2Pstaff1==', type: 'direct' },
      replyTo: {
        platform: 'dingtalk',
        kind: 'user',
        id: 'staff1',
        hint: { sessionWebhook: base.sessionWebhook, sessionWebhookExpiredTime: 1700005400000 },
      },
    });
  });

  it('group → replies to the openConversationId, trims the leading space left by the @-mention', () => {
    const parsed = parseRobotMessage({
      ...base,
      conversationType: '2',
      conversationId: 'cidGroup==',
      isInAtList: true,
      text: { content: ' KR1 45' },
    });
    expect(parsed.ok && parsed.event).toMatchObject({
      text: 'KR1 45',
      mentionedBot: true,
      conversation: { id: 'cidGroup==', type: 'group' },
      replyTo: { kind: 'group', id: 'cidGroup==' },
    });
  });

  it('names the missing field', () => {
    const { msgId: _omit, ...noId } = base;
    expect(parseRobotMessage(noId)).toEqual({ ok: false, error: expect.stringContaining('msgId') });
    expect(parseRobotMessage({ ...base, conversationType: '3' })).toEqual({
      ok: false,
      error: expect.stringContaining('conversationType'),
    });
  });
});

describe('parseCardCallback', () => {
  const click = (params: Record<string, unknown>, userId = 'staff1') => ({
    type: 'actionCallback',
    outTrackId: 'track1',
    userId,
    corpId: 'dingcorp',
    content: JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params } }),
  });

  it('uses actionIds[0] and the params, points message at the outTrackId, stable eventId', async () => {
    const a = await parseCardCallback(click({ adjustmentId: 'adj1' }));
    const b = await parseCardCallback(click({ adjustmentId: 'adj1' }));
    const c = await parseCardCallback(click({ adjustmentId: 'adj1' }, 'staff2'));
    expect(a.ok && a.event).toMatchObject({
      type: 'card_action',
      actionId: 'approve',
      value: { adjustmentId: 'adj1' },
      message: { platform: 'dingtalk', messageId: 'track1' },
      sender: { platformUserId: 'staff1' },
    });
    expect(a.ok && b.ok && a.event.eventId === b.event.eventId).toBe(true);
    expect(a.ok && c.ok && a.event.eventId !== c.event.eventId).toBe(true);
  });

  it('rejects content that is not JSON', async () => {
    expect(await parseCardCallback({ ...click({}), content: '{oops' })).toEqual({
      ok: false,
      error: 'content: not JSON',
    });
  });
});
