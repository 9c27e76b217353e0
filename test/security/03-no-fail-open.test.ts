// Issue 21, item 3: no configuration accepts unauthenticated input. With only LARK_APP_ID and
// LARK_APP_SECRET set, the server used to start and accept unsigned events and forged card
// clicks from anyone. Now every platform's request-authenticating secrets are required, a
// partly configured platform is an error (not silently off), and each error names the
// variable and where the platform's console shows it.
import { describe, expect, it } from 'vitest';
import { createPolaris } from '../../src/app';
import { ConfigError, configWarnings, loadConfig, type Config } from '../../src/config';
import { startNode } from '../../src/node';
import { openSqlite } from '../../storage/sqlite';
import { ADMIN_TOKEN, tempDbPath } from '../helpers/app';

const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ADMIN_TOKEN, ...env });
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('Lark', () => {
  it('refuses to start without a Verification Token, naming it and where the console shows it', () => {
    const found = problems({ LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 's' });
    expect(found.join('\n')).toMatch(/LARK_VERIFICATION_TOKEN is not set.*Events & Callbacks.*Verification Token/);
  });

  it('requires an Encrypt Key unless LARK_ALLOW_UNENCRYPTED=1, which is then warned about at startup', () => {
    const lark = { LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 's', LARK_VERIFICATION_TOKEN: 'v' };
    expect(problems(lark).join('\n')).toMatch(/LARK_ENCRYPT_KEY is not set.*LARK_ALLOW_UNENCRYPTED=1/);
    const waived = loadConfig({ ADMIN_TOKEN, ...lark, LARK_ALLOW_UNENCRYPTED: '1' });
    expect(waived.lark?.allowUnencrypted).toBe(true);
    expect(configWarnings(waived).join('\n')).toMatch(/WARNING: LARK_ALLOW_UNENCRYPTED=1/);
    const keyed = loadConfig({ ADMIN_TOKEN, ...lark, LARK_ENCRYPT_KEY: 'k' });
    expect(configWarnings(keyed)).toEqual([]);
  });

  it('a stray Lark variable is not silently ignored', () => {
    expect(problems({ LARK_ENCRYPT_KEY: 'k' }).join('\n')).toMatch(/LARK_APP_ID is not set.*LARK_ENCRYPT_KEY is/);
  });

  it('the server with only LARK_APP_ID and LARK_APP_SECRET does not start', async () => {
    const db = tempDbPath();
    try {
      const started = startNode({
        env: { ADMIN_TOKEN, LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 's', DATABASE_PATH: db.path, PORT: '0' },
        quiet: true,
        scheduler: false,
      });
      await expect(started).rejects.toBeInstanceOf(ConfigError);
    } finally {
      db.cleanup();
    }
  });

  it('a config built in code is held to the same rules', () => {
    const db = tempDbPath();
    const store = openSqlite(db.path);
    try {
      const config: Config = {
        ...loadConfig({ ADMIN_TOKEN }),
        lark: { appId: 'cli_x', appSecret: 's', verificationToken: '', domain: 'http://127.0.0.1:9' },
      };
      expect(() => createPolaris({ store, config })).toThrow(ConfigError);
    } finally {
      store.close();
      db.cleanup();
    }
  });
});

describe('WeCom', () => {
  it('needs the callback Token and the 43-character EncodingAESKey; a partial setup names every missing variable', () => {
    const found = problems({ WECOM_CORP_ID: 'ww1', WECOM_SECRET: 's' }).join('\n');
    expect(found).toMatch(/WECOM_TOKEN is not set.*Set API Reception/);
    expect(found).toMatch(/WECOM_ENCODING_AES_KEY is not set/);
    expect(found).toMatch(/WECOM_AGENT_ID is not set/);
    const full = { WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's', WECOM_TOKEN: 't' };
    expect(problems({ ...full, WECOM_ENCODING_AES_KEY: 'short' }).join('\n')).toMatch(
      /WECOM_ENCODING_AES_KEY must be the 43-character EncodingAESKey/,
    );
    expect(problems({ ...full, WECOM_ENCODING_AES_KEY: AES })).toEqual([]);
  });
});

describe('DingTalk', () => {
  it('needs the app credentials, and the event subscription token and aes_key together', () => {
    const app = { DINGTALK_CLIENT_ID: 'ding1', DINGTALK_CLIENT_SECRET: 's' };
    expect(problems(app)).toEqual([]);
    expect(problems({ DINGTALK_CALLBACK_TOKEN: 't' }).join('\n')).toMatch(/DINGTALK_CLIENT_ID is not set/);
    expect(problems({ ...app, DINGTALK_CALLBACK_TOKEN: 't' }).join('\n')).toMatch(
      /DINGTALK_CALLBACK_AES_KEY is not set.*aes_key/,
    );
    expect(problems({ ...app, DINGTALK_CALLBACK_AES_KEY: AES }).join('\n')).toMatch(
      /DINGTALK_CALLBACK_TOKEN is not set/,
    );
    expect(problems({ ...app, DINGTALK_CALLBACK_TOKEN: 't', DINGTALK_CALLBACK_AES_KEY: 'x' }).join('\n')).toMatch(
      /43-character aes_key/,
    );
  });
});
