// What Lark's refusals and our own webhook checks most likely mean, and which setting fixes
// them; the adapter and the client add these to their messages. The console paths are the
// Chinese labels of the Lark/Feishu developer console (open.feishu.cn/app → the app).
import { ErrorCode, PolarisError } from '../../core/errors';

export const LARK_FIX = {
  encryptKey: 'LARK_ENCRYPT_KEY does not match the Encrypt Key in the Lark developer console (事件与回调 → 加密策略)',
  missingEncryptKey:
    'the app encrypts its events (an Encrypt Key is set in the Lark developer console, 事件与回调 → 加密策略) but LARK_ENCRYPT_KEY is not set',
  unsigned:
    'LARK_ENCRYPT_KEY is set but the request is not signed: if it came from Lark, set the same Encrypt Key in the Lark developer console (事件与回调 → 加密策略) or unset LARK_ENCRYPT_KEY',
  verificationToken:
    'LARK_VERIFICATION_TOKEN does not match the Verification Token in the Lark developer console (事件与回调 → 加密策略)',
  appSecret:
    'LARK_APP_ID or LARK_APP_SECRET does not match the App ID and App Secret in the Lark developer console (凭证与基础信息 → 应用凭证)',
  clock:
    "the request's timestamp is too far from this server's clock: check that the server's time is synchronised (NTP)",
} as const;

/** Lark `code`s that are misconfigurations, with their stable code and fix. */
export const LARK_CODE_FIXES: Readonly<Record<number, { code: 'invalid_credentials'; fix: string }>> = {
  // https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code
  10014: { code: 'invalid_credentials', fix: LARK_FIX.appSecret },
};

/** A refused Lark call (`text` says which and with what code) as a coded error, with the fix when known. */
export function larkApiError(text: string, code: unknown): PolarisError {
  const known = LARK_CODE_FIXES[Number(code)];
  return known ? new PolarisError(known.code, `${text}: ${known.fix}`) : new PolarisError(ErrorCode.Upstream, text);
}
