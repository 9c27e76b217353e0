// What the DingTalk adapter needs to run; src/config.ts builds it from the environment.
export interface DingtalkConfig {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  /** The organisation (DINGTALK_CORP_ID) the app belongs to: robot messages from another corp are refused. */
  corpId?: string;
  mode: 'http' | 'stream';
  apiBase: string;
  /** The classic oapi base (attendance): DINGTALK_OAPI_BASE, default https://oapi.dingtalk.com. */
  oapiBase?: string;
  callbackToken?: string;
  callbackAesKey?: string;
  cardTemplateId?: string;
  /** HTTP mode: the callbackRouteKey cards carry and Polaris registers its card callback URL under. */
  cardCallbackRouteKey?: string;
  /**
   * HTTP mode: the secret in the registered card callback URL (`/webhooks/dingtalk/card?token=`).
   * Unset: derived from the client secret (HMAC), so it is unguessable without configuration.
   */
  cardCallbackToken?: string;
  /** The server's public base URL (PUBLIC_URL): where DingTalk posts card clicks in HTTP mode. */
  publicUrl?: string;
}
