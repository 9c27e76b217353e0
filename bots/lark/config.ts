// What the Lark adapter needs to run; src/config.ts builds it from the environment.
export interface LarkConfig {
  appId: string;
  appSecret: string;
  verificationToken?: string;
  encryptKey?: string;
  /** https://open.feishu.cn or https://open.larksuite.com (or an emulator's base URL). */
  domain: string;
}
