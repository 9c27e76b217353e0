// What connector sources hand back, platform-neutral: rows of named fields (a Bitable table,
// an HTTP JSON/CSV export) or attendance days per person. The fetchers live in bots/<platform>/
// and src/connectors; this file is the vocabulary they share (docs/connectors.md).
import { ErrorCode, PolarisError } from './errors';

/** Rows of a tabular source and the field names it offers (for mapping checks and the picker). */
export interface SourceRows {
  fields: string[];
  rows: Record<string, unknown>[];
  /** HTTP requests made, retries included. */
  requests: number;
}

/** One person's attendance on one local day, as a platform reports it. */
export interface AttendanceDay {
  /** The platform's user id (Lark open_id, WeCom userid, DingTalk userId). */
  userId: string;
  /** Local date YYYY-MM-DD. */
  date: string;
  /** At least one valid punch (not absent, not missing). */
  present: boolean;
  /** Punches the platform marks late. */
  late: number;
  /** Hours between the first and the last punch of the day; null when there is no pair. */
  workHours: number | null;
}

export interface FetchedAttendance {
  days: AttendanceDay[];
  /** Users the platform did not know or the app may not see, by id. */
  skippedUsers: string[];
  requests: number;
}

/**
 * A source could not be read. `transient` errors (network, timeout, 5xx, rate limits) are
 * retried with backoff; the others (permission, not found, garbage) are reported at once.
 */
export class SourceError extends PolarisError {
  override readonly name = 'SourceError';
  constructor(
    message: string,
    readonly transient: boolean,
    /** True when the app lacks a permission the admin must grant. */
    readonly permission = false,
  ) {
    super(ErrorCode.ConnectorSource, message);
  }
}

export interface SourceFetchOptions {
  fetch?: typeof fetch;
  /** Waits between retries (injected so tests need no real sleeps). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request (1 = no retry). */
  attempts?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export const DEFAULT_SOURCE_TIMEOUT_MS = 10_000;
export const DEFAULT_SOURCE_ATTEMPTS = 3;

/** Backoff before retry `attempt` (1-based): 1 s, 2 s, 4 s … capped at 30 s. */
export function sourceBackoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
