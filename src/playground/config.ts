// Playground credentials and base URLs: random secrets made fresh for each run
// (the emulators live in this process, so nothing outlives it), and every
// platform's API base pointed at its emulator mounted on this same server.
import type { Config } from '../config';

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 43 base64 characters: the shape of a WeCom EncodingAESKey and a DingTalk aes_key. */
function randomAesKey(): string {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...raw))
    .replace(/=+$/, '')
    .replace(/\+/g, 'A')
    .replace(/\//g, 'B')
    .slice(0, 43);
}

/** True when no platform has credentials: the server then runs as a playground. */
export function wantsPlayground(config: Config, env: Record<string, string | undefined> = {}): boolean {
  if (/^(0|off|false|no)$/i.test(env.PLAYGROUND ?? '')) return false;
  return !config.lark && !config.wecom && !config.dingtalk;
}

export interface PlaygroundSecrets {
  lark: NonNullable<Config['lark']> & { verificationToken: string; encryptKey: string };
  wecom: NonNullable<Config['wecom']>;
  dingtalk: NonNullable<Config['dingtalk']> & { callbackToken: string; callbackAesKey: string; cardTemplateId: string };
  /** Used only when ADMIN_TOKEN is not set. */
  adminToken: string;
}

/** Emulator base for one platform on this server, e.g. http://127.0.0.1:8787/emulators/lark. */
export function emulatorBase(origin: string, platform: string): string {
  return `${origin}/emulators/${platform}`;
}

export function playgroundSecrets(origin: string): PlaygroundSecrets {
  const dingtalkClientId = `dingpg${randomHex(8)}`;
  return {
    adminToken: randomHex(24),
    lark: {
      appId: `cli_pg${randomHex(8)}`,
      appSecret: randomHex(16),
      verificationToken: randomHex(16),
      encryptKey: randomHex(16),
      domain: emulatorBase(origin, 'lark'),
    },
    wecom: {
      corpId: `wwpg${randomHex(8)}`,
      agentId: '1000002',
      secret: randomHex(16),
      token: randomHex(8),
      encodingAesKey: randomAesKey(),
      apiBase: emulatorBase(origin, 'wecom'),
      // A settled (buttonless) card becomes a text_notice that opens the dashboard here.
      publicUrl: origin,
    },
    dingtalk: {
      clientId: dingtalkClientId,
      clientSecret: randomHex(24),
      robotCode: dingtalkClientId,
      mode: 'http',
      apiBase: emulatorBase(origin, 'dingtalk'),
      callbackToken: randomHex(8),
      callbackAesKey: randomAesKey(),
      cardTemplateId: 'polaris-playground-generic.schema',
      // DingTalk posts card clicks to the URL registered under the route key: this server.
      publicUrl: origin,
    },
  };
}

/** The config the server runs with in playground mode. */
export function playgroundConfig(base: Config, secrets: PlaygroundSecrets): Config {
  // The dashboard signs its sessions with ADMIN_TOKEN; without one the playground makes its own.
  const adminToken = base.adminToken ?? secrets.adminToken;
  return {
    ...base,
    adminToken,
    ingestToken: base.ingestToken ?? adminToken,
    lark: secrets.lark,
    wecom: secrets.wecom,
    dingtalk: secrets.dingtalk,
  };
}
