// What the DingTalk adapter needs to run; src/config.ts builds it from the environment.
export interface DingtalkConfig {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  mode: 'http' | 'stream';
  apiBase: string;
  callbackToken?: string;
  callbackAesKey?: string;
  cardTemplateId?: string;
}
