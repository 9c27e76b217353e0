// Configuration from environment variables (process.env on Node, bindings on
// Workers). Everything is optional; a platform is enabled when its credentials are set.
import { z } from 'zod';
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
    };
  }
  return config;
}
