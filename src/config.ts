// Configuration from environment variables (process.env on Node, bindings on
// Workers). Everything is optional; a platform is enabled when its credentials are set.
import { z } from 'zod';
import { defaultCardCallbackRouteKey } from '../bots/dingtalk/card-callback';
import type { DingtalkConfig } from '../bots/dingtalk/config';
import type { LarkConfig } from '../bots/lark/config';
import type { WecomConfig } from '../bots/wecom/config';

const optional = z.string().trim().min(1).optional().catch(undefined);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).catch(8787).default(8787),
  DATABASE_PATH: z.string().min(1).default('./data/polaris.db'),
  ADMIN_TOKEN: optional,
  INGEST_TOKEN: optional,
  TZ_DEFAULT: z.string().min(1).default('Asia/Shanghai'),
  PUBLIC_URL: optional,
  LARK_APP_ID: optional,
  LARK_APP_SECRET: optional,
  LARK_VERIFICATION_TOKEN: optional,
  LARK_ENCRYPT_KEY: optional,
  LARK_DOMAIN: z.string().url().default('https://open.feishu.cn'),
  WECOM_CORP_ID: optional,
  WECOM_AGENT_ID: optional,
  WECOM_SECRET: optional,
  WECOM_TOKEN: optional,
  WECOM_ENCODING_AES_KEY: optional,
  WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  DINGTALK_CLIENT_ID: optional,
  DINGTALK_CLIENT_SECRET: optional,
  DINGTALK_ROBOT_CODE: optional,
  DINGTALK_MODE: z.enum(['http', 'stream']).default('http'),
  DINGTALK_API_BASE: z.string().url().default('https://api.dingtalk.com'),
  DINGTALK_CALLBACK_TOKEN: optional,
  DINGTALK_CALLBACK_AES_KEY: optional,
  DINGTALK_CARD_TEMPLATE_ID: optional,
  DINGTALK_CARD_CALLBACK_ROUTE_KEY: optional,
  DINGTALK_CARD_CALLBACK_TOKEN: optional,
});

export type Env = z.infer<typeof EnvSchema>;

export type { DingtalkConfig, LarkConfig, WecomConfig };

export interface Config {
  port: number;
  databasePath: string;
  adminToken?: string;
  ingestToken?: string;
  defaultTimezone: string;
  publicUrl?: string;
  lark?: LarkConfig;
  wecom?: WecomConfig;
  dingtalk?: DingtalkConfig;
}

/** A configuration that cannot run safely; the message says which variable to fix. */
export class ConfigError extends Error {}

/** DingTalk route keys: letters, digits, `_` and `-` (a key maps to exactly one callback URL). */
const ROUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** A callback token must be as hard to guess as a 128-bit random value. */
const CALLBACK_TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

export function loadConfig(source: Record<string, unknown>): Config {
  const env = EnvSchema.parse(
    Object.fromEntries(Object.entries(source).filter(([, v]) => typeof v === 'string' && v !== '')),
  );
  const config: Config = {
    port: env.PORT,
    databasePath: env.DATABASE_PATH,
    adminToken: env.ADMIN_TOKEN,
    ingestToken: env.INGEST_TOKEN ?? env.ADMIN_TOKEN,
    defaultTimezone: env.TZ_DEFAULT,
    publicUrl: env.PUBLIC_URL,
  };
  if (env.LARK_APP_ID && env.LARK_APP_SECRET) {
    config.lark = {
      appId: env.LARK_APP_ID,
      appSecret: env.LARK_APP_SECRET,
      verificationToken: env.LARK_VERIFICATION_TOKEN,
      encryptKey: env.LARK_ENCRYPT_KEY,
      domain: env.LARK_DOMAIN.replace(/\/$/, ''),
    };
  }
  if (env.WECOM_CORP_ID && env.WECOM_SECRET && env.WECOM_TOKEN && env.WECOM_ENCODING_AES_KEY) {
    config.wecom = {
      corpId: env.WECOM_CORP_ID,
      agentId: env.WECOM_AGENT_ID ?? '',
      secret: env.WECOM_SECRET,
      token: env.WECOM_TOKEN,
      encodingAesKey: env.WECOM_ENCODING_AES_KEY,
      apiBase: env.WECOM_API_BASE.replace(/\/$/, ''),
      publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    };
  }
  if (env.DINGTALK_CLIENT_ID && env.DINGTALK_CLIENT_SECRET) {
    config.dingtalk = {
      clientId: env.DINGTALK_CLIENT_ID,
      clientSecret: env.DINGTALK_CLIENT_SECRET,
      robotCode: env.DINGTALK_ROBOT_CODE ?? env.DINGTALK_CLIENT_ID,
      mode: env.DINGTALK_MODE,
      apiBase: env.DINGTALK_API_BASE.replace(/\/$/, ''),
      callbackToken: env.DINGTALK_CALLBACK_TOKEN,
      callbackAesKey: env.DINGTALK_CALLBACK_AES_KEY,
      cardTemplateId: env.DINGTALK_CARD_TEMPLATE_ID,
      cardCallbackRouteKey: env.DINGTALK_CARD_CALLBACK_ROUTE_KEY ?? defaultCardCallbackRouteKey(env.DINGTALK_CLIENT_ID),
      cardCallbackToken: env.DINGTALK_CARD_CALLBACK_TOKEN,
      publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    };
    if (!ROUTE_KEY.test(config.dingtalk.cardCallbackRouteKey ?? ''))
      throw new ConfigError(
        'DINGTALK_CARD_CALLBACK_ROUTE_KEY must be 1-64 letters, digits, "_" or "-" (it is sent to DingTalk as callbackRouteKey).',
      );
    if (config.dingtalk.mode === 'http' && config.dingtalk.cardTemplateId && !config.dingtalk.publicUrl)
      throw new ConfigError(
        'DINGTALK_MODE=http with DINGTALK_CARD_TEMPLATE_ID needs PUBLIC_URL: Polaris registers <PUBLIC_URL>/webhooks/dingtalk/card with DingTalk for card button clicks.',
      );
    if (config.dingtalk.cardCallbackToken !== undefined && !CALLBACK_TOKEN.test(config.dingtalk.cardCallbackToken))
      throw new ConfigError(
        'DINGTALK_CARD_CALLBACK_TOKEN must be 32-128 letters, digits, "_" or "-" (e.g. `openssl rand -hex 24`): it is what authenticates DingTalk card clicks.',
      );
  }
  return config;
}
