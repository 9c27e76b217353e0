import { describe, expect, it } from 'vitest';
import {
  parseCardActionEvent,
  parseLarkInbound,
  parseMessageEvent,
  stripMentionKeys,
  type LarkEnvelope,
} from './parse';
import { encodeCallbackValue } from './render';

// Shapes as Lark documents them (im.message.receive_v1, card.action.trigger).
function messageEnvelope(message: Record<string, unknown>, senderType = 'user'): unknown {
  return {
    schema: '2.0',
    header: {
      event_id: '5e3702a84e847582be8db7fb73283c02',
      event_type: 'im.message.receive_v1',
      create_time: '1608725989000',
      token: 'rvaYgkR',
      app_id: 'cli_9f5343c580712544',
      tenant_key: '2ca1d211f64f6438',
    },
    event: {
      sender: {
        sender_id: {
          union_id: 'on_8ed6aa67826108097d9ee143816345',
          user_id: 'e33ggbyz',
          open_id: 'ou_84aad35d084aa403a838cf73ee18467',
        },
        sender_type: senderType,
        tenant_key: '736588c9260f175e',
      },
      message: {
        message_id: 'om_5ce6d572455d361153b7cb51da133945',
        root_id: '',
        parent_id: '',
        create_time: '1609073151345',
        chat_id: 'oc_5ce6d572455d361153b7xx51da133945',
        ...message,
      },
    },
  };
}

function envelope(body: unknown): LarkEnvelope {
  const inbound = parseLarkInbound(body);
  if (inbound.kind !== 'event') throw new Error(`not an event: ${inbound.kind}`);
  return inbound.envelope;
}

describe('parseLarkInbound', () => {
  it('classifies url_verification, events and junk', () => {
    expect(parseLarkInbound({ challenge: 'ajls384kdjx98XX', token: 'xxxxxx', type: 'url_verification' })).toEqual({
      kind: 'url_verification',
      challenge: 'ajls384kdjx98XX',
      token: 'xxxxxx',
    });
    expect(
      parseLarkInbound(messageEnvelope({ chat_type: 'p2p', message_type: 'text', content: '{"text":"hi"}' })).kind,
    ).toBe('event');
    expect(parseLarkInbound({ uuid: 'x', event: { type: 'message' } }).kind).toBe('invalid');
    expect(parseLarkInbound(null).kind).toBe('invalid');
  });
});

describe('parseMessageEvent', () => {
  it('parses a p2p text message', () => {
    const result = parseMessageEvent(
      envelope(messageEnvelope({ chat_type: 'p2p', message_type: 'text', content: '{"text":"  KR1   45 "}' })),
    );
    expect(result).toMatchObject({
      ok: true,
      event: {
        type: 'message',
        platform: 'lark',
        eventId: '5e3702a84e847582be8db7fb73283c02',
        tenantKey: '2ca1d211f64f6438',
        sender: { platformUserId: 'ou_84aad35d084aa403a838cf73ee18467' },
        conversation: { id: 'oc_5ce6d572455d361153b7xx51da133945', type: 'direct' },
        replyTo: { platform: 'lark', kind: 'user', id: 'ou_84aad35d084aa403a838cf73ee18467' },
        text: 'KR1 45',
        mentionedBot: false,
      },
    });
  });

  it('parses a group message that mentions the bot and strips the mention key', () => {
    const result = parseMessageEvent(
      envelope(
        messageEnvelope({
          chat_type: 'group',
          message_type: 'text',
          content: '{"text":"@_user_1 我的OKR"}',
          mentions: [
            {
              key: '@_user_1',
              id: { union_id: 'on_x', user_id: '', open_id: 'ou_bot' },
              name: 'Polaris',
              tenant_key: '736588c9260f175e',
            },
          ],
        }),
      ),
    );
    expect(result).toMatchObject({
      ok: true,
      event: {
        text: '我的OKR',
        mentionedBot: true,
        conversation: { type: 'group' },
        replyTo: { kind: 'group', id: 'oc_5ce6d572455d361153b7xx51da133945' },
      },
    });
  });

  it('ignores group messages without a mention and messages from bots', () => {
    expect(
      parseMessageEvent(
        envelope(messageEnvelope({ chat_type: 'group', message_type: 'text', content: '{"text":"hello all"}' })),
      ).ok,
    ).toBe(false);
    expect(
      parseMessageEvent(
        envelope(messageEnvelope({ chat_type: 'p2p', message_type: 'text', content: '{"text":"hi"}' }, 'app')),
      ).ok,
    ).toBe(false);
  });

  it('gives non-text messages empty text and reads rich text', () => {
    const image = parseMessageEvent(
      envelope(messageEnvelope({ chat_type: 'p2p', message_type: 'image', content: '{"image_key":"img_v2_x"}' })),
    );
    expect(image).toMatchObject({ ok: true, event: { text: '' } });
    const post = parseMessageEvent(
      envelope(
        messageEnvelope({
          chat_type: 'p2p',
          message_type: 'post',
          content: JSON.stringify({
            title: '',
            content: [
              [
                { tag: 'text', text: 'update KR2 ' },
                { tag: 'text', text: '30' },
              ],
            ],
          }),
        }),
      ),
    );
    expect(post).toMatchObject({ ok: true, event: { text: 'update KR2 30' } });
  });

  it('strips every mention key', () => {
    expect(stripMentionKeys('@_user_1  KR1 45 @_user_2', ['@_user_1'])).toBe('KR1 45');
  });
});

describe('parseCardActionEvent', () => {
  const click = (action: Record<string, unknown>) =>
    envelope({
      schema: '2.0',
      header: {
        event_id: 'f7984f25108f8137722bb63cee927e66',
        token: '066zT6pS4QCbgj5Do145GfDbbagCHGgF',
        create_time: '1603977298000000',
        event_type: 'card.action.trigger',
        tenant_key: '2df73991750c175d',
        app_id: 'cli_a5626c2e00b8d00d',
      },
      event: {
        operator: {
          tenant_key: '2df73991750c175d',
          user_id: '867ee29e',
          open_id: 'ou_3c4e2b5d5ef4b3a2ab2a4a1d6ef6c5a1',
        },
        token: 'c-295ee57216a5dc9de90fefd0aadb4b1d7d5a5b1f',
        action: { tag: 'button', ...action },
        host: 'im_message',
        context: {
          open_message_id: 'om_86ff3d5d7b2f5c0d5c21b6d1d4fb3f77',
          open_chat_id: 'oc_d1b4fa7c1c52e2a0a63c2ed51db7c3c5',
        },
      },
    });

  it('decodes what render encodes, plus form input, with button params winning', () => {
    const value = encodeCallbackValue({ actionId: 'adj.approve', value: { adjustmentId: 'adj_1' } });
    const result = parseCardActionEvent(
      click({ value, form_value: { note: 'ok', adjustmentId: 'forged', tags: ['a', 'b'] }, input_value: 'typed' }),
    );
    expect(result).toMatchObject({
      ok: true,
      event: {
        type: 'card_action',
        platform: 'lark',
        eventId: 'f7984f25108f8137722bb63cee927e66',
        tenantKey: '2df73991750c175d',
        actionId: 'adj.approve',
        value: { adjustmentId: 'adj_1', note: 'ok', tags: 'a,b', input: 'typed' },
        sender: { platformUserId: 'ou_3c4e2b5d5ef4b3a2ab2a4a1d6ef6c5a1' },
        replyTo: { platform: 'lark', kind: 'user', id: 'ou_3c4e2b5d5ef4b3a2ab2a4a1d6ef6c5a1' },
        message: {
          platform: 'lark',
          messageId: 'om_86ff3d5d7b2f5c0d5c21b6d1d4fb3f77',
          extra: {
            chatId: 'oc_d1b4fa7c1c52e2a0a63c2ed51db7c3c5',
            updateToken: 'c-295ee57216a5dc9de90fefd0aadb4b1d7d5a5b1f',
          },
        },
      },
    });
  });

  it('passes a select option through and ignores foreign buttons', () => {
    const value = encodeCallbackValue({ actionId: 'kr.confidence', value: {} });
    expect(parseCardActionEvent(click({ value, tag: 'select_static', option: '7' }))).toMatchObject({
      ok: true,
      event: { value: { option: '7' } },
    });
    expect(parseCardActionEvent(click({ value: { key: 'other-app' } })).ok).toBe(false);
    expect(parseCardActionEvent(click({ value: 'str' })).ok).toBe(false);
  });
});
