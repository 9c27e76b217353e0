import { describe, expect, it } from 'vitest';
import { parseDecrypted, parseEnvelope, parseXmlSafely, WecomXmlError } from './parse';
import { decodeButtonKey, encodeButtonKey } from './render';

const CORP = 'ww1436e0e65a779aee';

describe('parseDecrypted', () => {
  it('turns the official text message into a MessageEvent', () => {
    const xml =
      '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>';
    const inbound = parseDecrypted(xml, CORP);
    expect(inbound.kind).toBe('message');
    if (inbound.kind !== 'message') return;
    expect(inbound.event).toMatchObject({
      type: 'message',
      platform: 'wecom',
      eventId: '1456453720',
      text: '你好',
      tenantKey: CORP,
      mentionedBot: true,
      sender: { platformUserId: 'ChenJiaShun' },
      conversation: { id: 'ChenJiaShun', type: 'direct' },
      replyTo: { platform: 'wecom', kind: 'user', id: 'ChenJiaShun' },
    });
  });

  it('keeps values as strings, trims text and decodes CDATA and predefined entities', () => {
    const xml = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[007]]></FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[  KR1 45 ]]></Content><MsgId>00012345678901234567890</MsgId></xml>`;
    const inbound = parseDecrypted(xml, CORP);
    expect(inbound.kind === 'message' && inbound.event).toMatchObject({
      eventId: '00012345678901234567890',
      text: 'KR1 45',
      sender: { platformUserId: '007' },
    });
    const amp = parseDecrypted(
      `<xml><ToUserName>${CORP}</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>a &amp; b &lt;c&gt;</Content><MsgId>1</MsgId></xml>`,
      CORP,
    );
    expect(amp.kind === 'message' && amp.event.text).toBe('a & b <c>');
  });

  it('turns template_card_event into a CardActionEvent with its response code', () => {
    const key = encodeButtonKey({ actionId: 'approval.decide', value: { id: 'adj_1', decision: 'approve' } });
    const xml = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[polaris_ob_1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[RC123]]></ResponseCode><AgentID>1000002</AgentID></xml>`;
    const inbound = parseDecrypted(xml, CORP);
    expect(inbound.kind).toBe('card_action');
    if (inbound.kind !== 'card_action') return;
    expect(inbound.event).toMatchObject({
      type: 'card_action',
      eventId: `lisi:1700000000:${key}`,
      actionId: 'approval.decide',
      value: { id: 'adj_1', decision: 'approve' },
      message: {
        platform: 'wecom',
        messageId: 'polaris_ob_1',
        extra: { responseCode: 'RC123', userid: 'lisi', taskId: 'polaris_ob_1' },
      },
    });
  });

  it('ignores other events and rejects a foreign corp id', () => {
    const enter = `<xml><ToUserName>${CORP}</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey><AgentID>1</AgentID></xml>`;
    expect(parseDecrypted(enter, CORP)).toMatchObject({ kind: 'ignored' });
    expect(() => parseDecrypted(enter, 'ww_other')).toThrow(/corp id/);
  });

  it('answers a non-text message like unknown input (empty text, so the core replies with help)', () => {
    const image = `<xml><ToUserName>${CORP}</ToUserName><FromUserName>u</FromUserName><MsgType>image</MsgType><PicUrl>x</PicUrl><MsgId>9</MsgId></xml>`;
    expect(parseDecrypted(image, CORP)).toMatchObject({ kind: 'message', event: { text: '', eventId: '9' } });
  });
});

describe('parseXmlSafely', () => {
  it('refuses DOCTYPE, entity bombs, comments and malformed XML', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>';
    expect(() => parseXmlSafely(bomb)).toThrow(WecomXmlError);
    expect(() => parseXmlSafely('<!DOCTYPE x SYSTEM "file:///etc/passwd"><xml/>')).toThrow(/DOCTYPE/);
    expect(() => parseXmlSafely('<xml><Encrypt>x</Encrypt>')).toThrow(/malformed/);
    expect(() => parseXmlSafely('<xml><a>1</b></xml>')).toThrow(/malformed/);
    expect(() => parseXmlSafely('<other/>')).toThrow(/root/);
    expect(() => parseXmlSafely(`<xml><a>${'x'.repeat(70_000)}</a></xml>`)).toThrow(/too large/);
  });

  it('reads the envelope', () => {
    expect(
      parseEnvelope(
        '<xml><ToUserName><![CDATA[ww1]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>',
      ),
    ).toEqual({ encrypt: 'abc+/=', toUserName: 'ww1', agentId: '1000002' });
    expect(() => parseEnvelope('<xml><ToUserName>ww1</ToUserName></xml>')).toThrow(/Encrypt/);
  });
});

describe('button keys', () => {
  it('round-trip action ids and values, including reserved characters', () => {
    const button = { actionId: 'kr.checkin', value: { kr: 'kr_1', note: 'a&b=c?d 100% 你好' } };
    const key = encodeButtonKey(button);
    expect(key.startsWith('kr.checkin?')).toBe(true);
    expect(decodeButtonKey(key)).toEqual(button);
    expect(decodeButtonKey('help')).toEqual({ actionId: 'help', value: {} });
    expect(decodeButtonKey(encodeButtonKey(button, 2))).toEqual(button);
  });

  it('rejects keys that are not ours and values over 1024 bytes', () => {
    expect(decodeButtonKey('bad id?x=1')).toBeUndefined();
    expect(decodeButtonKey('a?%E0%A4%A=1')).toBeUndefined();
    expect(() => encodeButtonKey({ actionId: 'x', value: { v: '你'.repeat(200) } })).toThrow(/1024/);
  });
});
