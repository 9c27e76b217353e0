// What the WeCom adapter needs to run; src/config.ts builds it from the environment.
export interface WecomConfig {
  corpId: string;
  agentId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  apiBase: string;
  /** PUBLIC_URL: a settled (buttonless) card opens the dashboard there. */
  publicUrl?: string;
}
