// Configuration from environment variables (process.env on Node, bindings on
// Workers), built and checked with zod. Everything is optional, but nothing fails
// open: a platform whose credentials are only partly set, a platform that would
// accept unauthenticated requests, or a token short enough to guess makes
// loadConfig throw a ConfigError naming each variable to fix (the server then
// refuses to start). See SECURITY.md.
import { z } from 'zod';
import { parseRetention } from '../jobs/retention';
import { defaultCardCallbackRouteKey } from '../bots/dingtalk/card-callback';
import type { DingtalkConfig } from '../bots/dingtalk/config';
import type { LarkConfig } from '../bots/lark/config';
import type { WecomConfig } from '../bots/wecom/config';
import { ErrorCode, PolarisError } from '../core/errors';

const optional = z.string().trim().min(1).optional().catch(undefined);
const flag = z
  .string()
  .optional()
  .transform((v) => /^(1|true|yes|on)$/i.test(v?.trim() ?? ''));

/** Minimum length of ADMIN_TOKEN and INGEST_TOKEN: 24 random characters are beyond guessing online. */
export const MIN_TOKEN_LENGTH = 24;

/** WeCom's EncodingAESKey and DingTalk's aes_key: 43 characters of base64 (a 32-byte AES key). */
const AES_KEY = /^[A-Za-z0-9+/]{43}$/;

/** Where each platform's console shows the values (the error names the place, so nobody has to guess). */
const WHERE = {
  lark: 'Lark/Feishu developer console (open.feishu.cn/app or open.larksuite.com/app) → your app →',
  wecom: 'WeCom admin console (work.weixin.qq.com/wework_admin) →',
  dingtalk: 'DingTalk developer console (open-dev.dingtalk.com) → your app →',
};

const HINTS: Record<string, string> = {
  LARK_APP_ID: `${WHERE.lark} Credentials & Basic Info (凭证与基础信息) → App ID`,
  LARK_APP_SECRET: `${WHERE.lark} Credentials & Basic Info (凭证与基础信息) → App Secret`,
  LARK_VERIFICATION_TOKEN: `${WHERE.lark} Events & Callbacks (事件与回调) → Encryption Strategy (加密策略) → Verification Token`,
  LARK_ENCRYPT_KEY: `${WHERE.lark} Events & Callbacks (事件与回调) → Encryption Strategy (加密策略) → Encrypt Key (set one there first); to receive plaintext events anyway, set LARK_ALLOW_UNENCRYPTED=1`,
  WECOM_CORP_ID: `${WHERE.wecom} My Company (我的企业) → Company Info (企业信息) → CorpID (企业ID)`,
  WECOM_AGENT_ID: `${WHERE.wecom} App Management (应用管理) → your app → AgentId`,
  WECOM_SECRET: `${WHERE.wecom} App Management (应用管理) → your app → Secret`,
  WECOM_TOKEN: `${WHERE.wecom} App Management (应用管理) → your app → Receive Messages (接收消息) → Set API Reception (设置API接收) → Token`,
  WECOM_ENCODING_AES_KEY: `${WHERE.wecom} App Management (应用管理) → your app → Receive Messages (接收消息) → Set API Reception (设置API接收) → EncodingAESKey`,
  DINGTALK_CLIENT_ID: `${WHERE.dingtalk} Credentials & Basic Info (凭证与基础信息) → Client ID (AppKey)`,
  DINGTALK_CLIENT_SECRET: `${WHERE.dingtalk} Credentials & Basic Info (凭证与基础信息) → Client Secret (AppSecret)`,
  DINGTALK_CALLBACK_TOKEN: `${WHERE.dingtalk} Events & Callbacks (事件与回调) → HTTP push → Token (签名 token)`,
  DINGTALK_CALLBACK_AES_KEY: `${WHERE.dingtalk} Events & Callbacks (事件与回调) → HTTP push → aes_key (加密 aes_key)`,
};

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).catch(8787).default(8787),
  HOST: optional,
  DATABASE_PATH: z.string().min(1).default('./data/polaris.db'),
  ADMIN_TOKEN: optional,
  INGEST_TOKEN: optional,
  TZ_DEFAULT: z.string().min(1).default('Asia/Shanghai'),
  /** Retention overrides in days, `outbox=60,firings=365` (jobs/retention.ts). */
  RETENTION_DAYS: z.string().optional(),
  PUBLIC_URL: optional,
  TRUSTED_PROXIES: optional,
  /** `1`: outbound webhooks may target loopback, private and link-local hosts and plain http (docs/webhooks.md). */
  WEBHOOK_ALLOW_PRIVATE: flag,
  LARK_APP_ID: optional,
  LARK_APP_SECRET: optional,
  LARK_VERIFICATION_TOKEN: optional,
  LARK_ENCRYPT_KEY: optional,
  LARK_ALLOW_UNENCRYPTED: flag,
  LARK_TENANT_KEY: optional,
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
  DINGTALK_CORP_ID: optional,
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
  /** Address to listen on (Node). Unset: 0.0.0.0 for a configured server, 127.0.0.1 for the playground. */
  host?: string;
  databasePath: string;
  adminToken?: string;
  ingestToken?: string;
  defaultTimezone: string;
  /** RETENTION_DAYS as given (checked when config loads, applied by the retention job). */
  retentionDays?: string;
  publicUrl?: string;
  /** Peers whose X-Forwarded-For is believed (TRUSTED_PROXIES): a TLS proxy in front of the server. */
  trustedProxies?: string[];
  /** WEBHOOK_ALLOW_PRIVATE: outbound webhook URLs may name intranet hosts and use plain http. */
  webhookAllowPrivate?: boolean;
  lark?: LarkConfig;
  wecom?: WecomConfig;
  dingtalk?: DingtalkConfig;
}

/** A configuration the server must not run with; `problems` has one line per variable to fix. */
export class ConfigError extends PolarisError {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(problem: string | string[]) {
    const problems = typeof problem === 'string' ? [problem] : problem;
    super(
      ErrorCode.InvalidConfig,
      `Polaris refuses to start with this configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee SECURITY.md (deployment checklist) and the README's configuration table.`,
    );
    this.problems = problems;
  }
}

function missing(name: string, why: string): string {
  return `${name} is not set ${why}. Find it in the ${HINTS[name] ?? 'platform console'}.`;
}

function checkToken(name: string, value: string | undefined, problems: string[]) {
  if (value !== undefined && value.length < MIN_TOKEN_LENGTH)
    problems.push(
      `${name} is ${value.length} characters long; use at least ${MIN_TOKEN_LENGTH} random characters (for example the output of \`openssl rand -hex 24\`).`,
    );
}

/**
 * The problems of a built configuration: short tokens, and platforms that would accept
 * unauthenticated input. Empty when the server may run with it. Also applied to configs
 * built in code (tests, the playground), so no path skips it.
 */
export function configProblems(config: Config): string[] {
  const problems: string[] = [];
  checkToken('ADMIN_TOKEN', config.adminToken, problems);
  if (config.ingestToken !== config.adminToken) checkToken('INGEST_TOKEN', config.ingestToken, problems);
  const lark = config.lark;
  if (lark) {
    if (!lark.verificationToken) problems.push(missing('LARK_VERIFICATION_TOKEN', 'but Lark is configured'));
    if (!lark.encryptKey && !lark.allowUnencrypted)
      problems.push(missing('LARK_ENCRYPT_KEY', 'but Lark is configured: without it Lark events are not signed'));
  }
  const wecom = config.wecom;
  if (wecom) {
    if (!wecom.token) problems.push(missing('WECOM_TOKEN', 'but WeCom is configured'));
    if (!AES_KEY.test(wecom.encodingAesKey ?? ''))
      problems.push(
        wecom.encodingAesKey
          ? `WECOM_ENCODING_AES_KEY must be the 43-character EncodingAESKey. Find it in the ${HINTS.WECOM_ENCODING_AES_KEY}.`
          : missing('WECOM_ENCODING_AES_KEY', 'but WeCom is configured'),
      );
  }
  const ding = config.dingtalk;
  if (ding) {
    if (Boolean(ding.callbackToken) !== Boolean(ding.callbackAesKey))
      problems.push(
        ding.callbackToken
          ? missing('DINGTALK_CALLBACK_AES_KEY', 'but DINGTALK_CALLBACK_TOKEN is: the event subscription needs both')
          : missing('DINGTALK_CALLBACK_TOKEN', 'but DINGTALK_CALLBACK_AES_KEY is: the event subscription needs both'),
      );
    if (ding.callbackAesKey && !AES_KEY.test(ding.callbackAesKey))
      problems.push(
        `DINGTALK_CALLBACK_AES_KEY must be the 43-character aes_key. Find it in the ${HINTS.DINGTALK_CALLBACK_AES_KEY}.`,
      );
  }
  return problems;
}

/** Throws a ConfigError when `config` must not run (see configProblems). */
export function assertConfig(config: Config): Config {
  const problems = configProblems(config);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * A platform is meant as soon as any of its variables (`required` or `hints`) is set; then every
 * `required` one must be. True when the platform is fully configured.
 */
function requireAll(env: Env, required: (keyof Env)[], hints: (keyof Env)[], problems: string[]): boolean {
  const set = [...required, ...hints].filter((n) => env[n] !== undefined);
  if (!set.length) return false;
  const absent = required.filter((n) => env[n] === undefined);
  for (const name of absent) problems.push(missing(name, `but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'}`));
  return absent.length === 0;
}

/** DingTalk route keys: letters, digits, `_` and `-` (a key maps to exactly one callback URL). */
const ROUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** A callback token must be as hard to guess as a 128-bit random value. */
const CALLBACK_TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

export function loadConfig(source: Record<string, unknown>): Config {
  const env = EnvSchema.parse(
    Object.fromEntries(Object.entries(source).filter(([, v]) => typeof v === 'string' && v !== '')),
  );
  const problems: string[] = [];
  const config: Config = {
    port: env.PORT,
    host: env.HOST,
    databasePath: env.DATABASE_PATH,
    adminToken: env.ADMIN_TOKEN,
    ingestToken: env.INGEST_TOKEN ?? env.ADMIN_TOKEN,
    defaultTimezone: env.TZ_DEFAULT,
    retentionDays: env.RETENTION_DAYS,
    publicUrl: env.PUBLIC_URL,
    trustedProxies: env.TRUSTED_PROXIES?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
  };
  // A typo in the retention settings must stop the server, not silently keep the defaults.
  if (env.RETENTION_DAYS) parseRetention(env.RETENTION_DAYS);
  if (requireAll(env, ['LARK_APP_ID', 'LARK_APP_SECRET', 'LARK_VERIFICATION_TOKEN'], ['LARK_ENCRYPT_KEY'], problems)) {
    config.lark = {
      appId: env.LARK_APP_ID!,
      appSecret: env.LARK_APP_SECRET!,
      verificationToken: env.LARK_VERIFICATION_TOKEN!,
      encryptKey: env.LARK_ENCRYPT_KEY,
      allowUnencrypted: env.LARK_ALLOW_UNENCRYPTED,
      tenantKey: env.LARK_TENANT_KEY,
      domain: env.LARK_DOMAIN.replace(/\/$/, ''),
    };
  }
  const wecomNames: (keyof Env)[] = [
    'WECOM_CORP_ID',
    'WECOM_AGENT_ID',
    'WECOM_SECRET',
    'WECOM_TOKEN',
    'WECOM_ENCODING_AES_KEY',
  ];
  if (requireAll(env, wecomNames, [], problems)) {
    config.wecom = {
      corpId: env.WECOM_CORP_ID!,
      agentId: env.WECOM_AGENT_ID!,
      secret: env.WECOM_SECRET!,
      token: env.WECOM_TOKEN!,
      encodingAesKey: env.WECOM_ENCODING_AES_KEY!,
      apiBase: env.WECOM_API_BASE.replace(/\/$/, ''),
      publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    };
  }
  const dingHints: (keyof Env)[] = ['DINGTALK_ROBOT_CODE', 'DINGTALK_CALLBACK_TOKEN', 'DINGTALK_CALLBACK_AES_KEY'];
  if (requireAll(env, ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET'], dingHints, problems)) {
    config.dingtalk = {
      clientId: env.DINGTALK_CLIENT_ID!,
      clientSecret: env.DINGTALK_CLIENT_SECRET!,
      robotCode: env.DINGTALK_ROBOT_CODE ?? env.DINGTALK_CLIENT_ID!,
      corpId: env.DINGTALK_CORP_ID,
      mode: env.DINGTALK_MODE,
      apiBase: env.DINGTALK_API_BASE.replace(/\/$/, ''),
      callbackToken: env.DINGTALK_CALLBACK_TOKEN,
      callbackAesKey: env.DINGTALK_CALLBACK_AES_KEY,
      cardTemplateId: env.DINGTALK_CARD_TEMPLATE_ID,
      cardCallbackRouteKey:
        env.DINGTALK_CARD_CALLBACK_ROUTE_KEY ?? defaultCardCallbackRouteKey(env.DINGTALK_CLIENT_ID!),
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
  problems.push(...configProblems(config));
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Lines to log at startup about deliberate weakenings, so nobody runs them by accident. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.lark && !config.lark.encryptKey && config.lark.allowUnencrypted)
    warnings.push(
      'WARNING: LARK_ALLOW_UNENCRYPTED=1: Lark events are accepted unsigned and in plaintext, checked only by the Verification Token. Set LARK_ENCRYPT_KEY to have every event signed.',
    );
  return warnings;
}
