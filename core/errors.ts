// Errors with a stable `code` and `name`, after bolt-js's CodedError and vercel/chat's
// AdapterError: code reads a failure without parsing its message, and the code and message
// reach logs and API answers unchanged (`{"error":{"code","message"}}`). A known
// misconfiguration says how to fix it in its message, e.g. which console setting to compare
// with which environment variable. Codes are part of the API: add new ones, never rename one.

export const ErrorCode = {
  /** Anything without a code of its own (a bug, a failed dependency). */
  Internal: 'internal',

  // The HTTP API and the dashboard's JSON answers.
  BadRequest: 'bad_request',
  InvalidJson: 'invalid_json',
  InvalidCursor: 'invalid_cursor',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  OrgRequired: 'org_required',
  InvalidPoints: 'invalid_points',
  OutOfRange: 'out_of_range',
  TooManyPoints: 'too_many_points',
  UnknownMetric: 'unknown_metric',
  Unauthorized: 'unauthorized',
  TooManyAttempts: 'too_many_attempts',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  Conflict: 'conflict',
  NotFailed: 'not_failed',
  NotConfigured: 'not_configured',
  /** An export would hold more rows than one file may (src/api/export.ts). */
  ExportTooLarge: 'export_too_large',
  /** The environment does not make a configuration that can run safely. */
  InvalidConfig: 'invalid_config',
  Upstream: 'upstream',

  // Inbound webhooks: requests a platform (or someone else) sent us.
  BadSignature: 'bad_signature',
  BadToken: 'bad_token',
  /** A signed request seen before (DingTalk robot `(timestamp, sign)` pairs are single-use). */
  Replayed: 'replayed',
  /** A request addressed to another robot or corp than ours. */
  WrongRobot: 'wrong_robot',
  DecryptFailed: 'decrypt_failed',
  WrongReceiver: 'bad_owner',
  DispatchFailed: 'dispatch_failed',

  // Outbound platform calls (the outbox, sign-in).
  DeliveryFailed: 'delivery_failed',
  RateLimited: 'rate_limited',
  PlatformUnavailable: 'platform_unavailable',
  InvalidCredentials: 'invalid_credentials',
  IpNotAllowed: 'ip_not_allowed',
  InvalidRecipient: 'invalid_recipient',
  CardNotUpdatable: 'card_not_updatable',
  RenderFailed: 'render_failed',
  LoginCodeRejected: 'login_code_rejected',

  // Domain and jobs.
  InvalidMetricBatch: 'invalid_metric_batch',
  NoOrganization: 'no_organization',
  Hidden: 'hidden',
  UnknownObjective: 'unknown_objective',
  LeaseLost: 'lease_lost',
  /** The platform refused a directory listing: the app lacks a contacts permission. */
  DirectoryPermission: 'directory_permission',
  /** The platform's directory could not be read (after retries), or is not supported yet. */
  DirectoryUnavailable: 'directory_unavailable',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The base of Polaris's errors. Subclasses set `name` (kept explicitly, so bundling or
 * minifying cannot change it) and pass one of the codes above.
 */
export class PolarisError extends Error {
  override readonly name: string = 'PolarisError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** What logs and answers show: the same name, code and message everywhere. */
  toJSON(): { name: string; code: ErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** An error with a string code: ours, or a runtime's (Node's `ECONNREFUSED`, SQLite's `SQLITE_CONSTRAINT`). */
export interface CodedError extends Error {
  code: string;
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Any thrown value as an error with a code: coded errors as they are, anything else wrapped
 * as `internal` with the original as its cause (a string or object thrown becomes the message).
 */
export function asCodedError(error: unknown): CodedError {
  if (isCodedError(error)) return error;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : safeString(error);
  return new PolarisError(ErrorCode.Internal, message, { cause: error });
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
