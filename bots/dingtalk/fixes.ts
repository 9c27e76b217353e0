// What DingTalk's refusals and our own callback checks most likely mean, and which setting
// fixes them. The console paths are the Chinese labels of the DingTalk developer console
// (open-dev.dingtalk.com → the app).
import { ErrorCode, PolarisError } from '../../core/errors';

export const DINGTALK_FIX = {
  clientSecret:
    "DINGTALK_CLIENT_SECRET does not match the app's Client Secret (AppSecret), which signs robot messages, in the DingTalk developer console (凭证与基础信息)",
  credentials:
    "DINGTALK_CLIENT_ID or DINGTALK_CLIENT_SECRET does not match the app's Client ID (AppKey) and Client Secret (AppSecret) in the DingTalk developer console (凭证与基础信息)",
  callbackToken:
    'DINGTALK_CALLBACK_TOKEN does not match the 签名 Token of the event subscription in the DingTalk developer console (事件订阅)',
  callbackAesKey:
    'DINGTALK_CALLBACK_AES_KEY does not match the 加密 aes_key of the event subscription in the DingTalk developer console (事件订阅)',
  clientId: 'DINGTALK_CLIENT_ID does not match the app (Client ID / AppKey) DingTalk encrypted this event for',
  trustedIp:
    "add this server's public IP address to the app's server IP allow-list in the DingTalk developer console (开发管理 → 服务器出口IP)",
  clock:
    "the request's timestamp is too far from this server's clock: check that the server's time is synchronised (NTP)",
} as const;

/** DingTalk error codes that are misconfigurations (new API `code` strings, old API errcodes). */
export function dingtalkCodeFix(code: unknown): { code: ErrorCode; fix: string } | undefined {
  const c = String(code ?? '');
  // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
  if (c === 'invalidClientIdOrSecret' || c === '40089' || c === '40001')
    return { code: 'invalid_credentials', fix: DINGTALK_FIX.credentials };
  // Old-API errcode 60020: 访问ip不在白名单之中; the new API says so in its code.
  if (c === '60020' || /ip.?(not.?in.?)?white.?list/i.test(c))
    return { code: 'ip_not_allowed', fix: DINGTALK_FIX.trustedIp };
  return undefined;
}

/** A refused DingTalk call (`text` says which and with what code) as a coded error, with the fix when known. */
export function dingtalkApiError(text: string, code: unknown): PolarisError {
  const known = dingtalkCodeFix(code);
  return known ? new PolarisError(known.code, `${text}: ${known.fix}`) : new PolarisError(ErrorCode.Upstream, text);
}
