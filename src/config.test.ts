import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const DINGTALK = { DINGTALK_CLIENT_ID: 'dingapp01', DINGTALK_CLIENT_SECRET: 'secret' };

describe('DingTalk card callback configuration', () => {
  it('derives the route key from the app and reads PUBLIC_URL for the callback URL', () => {
    const config = loadConfig({ ...DINGTALK, PUBLIC_URL: 'https://okr.example.com/' });
    expect(config.dingtalk).toMatchObject({
      cardCallbackRouteKey: 'polaris_dingapp01',
      publicUrl: 'https://okr.example.com',
      cardCallbackToken: undefined,
    });
  });

  it('refuses HTTP mode with a card template but no PUBLIC_URL: clicks would have nowhere to go', () => {
    expect(() => loadConfig({ ...DINGTALK, DINGTALK_CARD_TEMPLATE_ID: 'tpl.schema' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...DINGTALK, DINGTALK_CARD_TEMPLATE_ID: 'tpl.schema' })).toThrow(/PUBLIC_URL/);
    // Stream mode needs no public URL.
    expect(
      loadConfig({ ...DINGTALK, DINGTALK_CARD_TEMPLATE_ID: 'tpl.schema', DINGTALK_MODE: 'stream' }).dingtalk?.mode,
    ).toBe('stream');
  });

  it('refuses a guessable callback token or a route key DingTalk cannot take', () => {
    const base = { ...DINGTALK, PUBLIC_URL: 'https://okr.example.com' };
    expect(() => loadConfig({ ...base, DINGTALK_CARD_CALLBACK_TOKEN: 'short' })).toThrow(
      /DINGTALK_CARD_CALLBACK_TOKEN/,
    );
    expect(() => loadConfig({ ...base, DINGTALK_CARD_CALLBACK_ROUTE_KEY: 'has space' })).toThrow(
      /DINGTALK_CARD_CALLBACK_ROUTE_KEY/,
    );
    const token = 'a'.repeat(16) + 'B'.repeat(16);
    expect(loadConfig({ ...base, DINGTALK_CARD_CALLBACK_TOKEN: token }).dingtalk?.cardCallbackToken).toBe(token);
  });
});
