// What the Lark adapter needs to run; src/config.ts builds it from the environment.
export interface LarkConfig {
  appId: string;
  appSecret: string;
  /** Required: without it nobody's events could be told from a forger's. */
  verificationToken: string;
  /** Required unless `allowUnencrypted` (LARK_ALLOW_UNENCRYPTED=1): without it events arrive unsigned. */
  encryptKey?: string;
  allowUnencrypted?: boolean;
  /** https://open.feishu.cn or https://open.larksuite.com (or an emulator's base URL). */
  domain: string;
  /** The tenant the app's credentials serve (LARK_TENANT_KEY; needed once several orgs bind Lark tenants). */
  tenantKey?: string;
}
