// What the Lark adapter needs to run; src/config.ts builds it from the environment.
export interface LarkConfig {
  appId: string;
  appSecret: string;
  verificationToken?: string;
  encryptKey?: string;
  /** https://open.feishu.cn or https://open.larksuite.com (or an emulator's base URL). */
  domain: string;
  /** The tenant the app's credentials serve (LARK_TENANT_KEY; needed once several orgs bind Lark tenants). */
  tenantKey?: string;
}
