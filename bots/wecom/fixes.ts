// What WeCom's refusals and our own callback checks most likely mean, and which setting fixes
// them. The console paths are the Chinese labels of the WeCom admin console (work.weixin.qq.com
// → 应用管理 → the app).
import { ErrorCode, PolarisError } from '../../core/errors';

export const WECOM_FIX = {
  token:
    "WECOM_TOKEN does not match the Token of the app's callback settings in the WeCom admin console (应用管理 → the app → 接收消息 → 设置API接收)",
  aesKey:
    "WECOM_ENCODING_AES_KEY does not match the EncodingAESKey of the app's callback settings in the WeCom admin console (应用管理 → the app → 接收消息 → 设置API接收)",
  corpId: 'WECOM_CORP_ID does not match the 企业ID in the WeCom admin console (我的企业 → 企业信息)',
  secret: "WECOM_SECRET does not match the app's Secret in the WeCom admin console (应用管理 → the app → Secret)",
  trustedIp:
    "add this server's public IP address (WeCom names it in the message above) to the app's trusted IPs in the WeCom admin console (应用管理 → the app → 企业可信IP)",
  clock:
    "the request's timestamp is too far from this server's clock: check that the server's time is synchronised (NTP)",
} as const;

/** WeCom errcodes that are misconfigurations, with their stable code and fix. */
export const WECOM_ERRCODE_FIXES: Readonly<Record<number, { code: ErrorCode; fix: string }>> = {
  // https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
  40001: { code: 'invalid_credentials', fix: WECOM_FIX.secret },
  40013: { code: 'invalid_credentials', fix: WECOM_FIX.corpId },
  60020: { code: 'ip_not_allowed', fix: WECOM_FIX.trustedIp },
};

/** A refused WeCom call (`text` says which and with what errcode) as a coded error, with the fix when known. */
export function wecomApiError(text: string, errcode: unknown): PolarisError {
  const known = WECOM_ERRCODE_FIXES[Number(errcode)];
  return known ? new PolarisError(known.code, `${text}: ${known.fix}`) : new PolarisError(ErrorCode.Upstream, text);
}
