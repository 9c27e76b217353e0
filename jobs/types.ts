// The shape every scheduled job shares. A job is a name, a local-time schedule,
// a period granularity and a `run(ctx)`; the runner (./runner.ts) gives `run`
// an idempotent, resumable fan-out through the outbox.
import type { Address, OutboundMessage, PlatformAdapter } from '../bots/types';
import type { Clock } from '../core/types';
import type { Store } from '../storage/db';
import type { Organization } from '../storage/repos/types';
import type { PeriodUnit } from '../core/time';

/**
 * What jobs need from the running app. The app's own `Services` satisfies it
 * structurally, so this layer never imports the app above it.
 */
export interface JobServices {
  store: Store;
  clock: Clock;
  defer: (work: Promise<unknown>) => void;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  /** Platforms messages may be addressed to: the adapters, or every platform when the CLI enqueues for the server. */
  addressable: ReadonlySet<string>;
  /** RETENTION_DAYS as configured (jobs/retention.ts). */
  config: { defaultTimezone: string; retentionDays?: string };
  outbox: { drain(): Promise<unknown> };
}

/** One outbound message of a job run. `key` is unique within the run (per recipient and topic). */
export interface JobMessage {
  key: string;
  to: Address;
  message: OutboundMessage;
  subject: string;
}

/** One time zone's share of an org's work: a team with its own zone is its own unit. */
export interface JobUnit {
  timeZone: string;
  /** True for the org's own zone (company-level work happens there). */
  isOrgZone: boolean;
}

export interface FanOutOptions {
  /** Items per atomic batch (messages + cursor commit together). */
  batchSize?: number;
}

export interface JobContext<S extends JobServices = JobServices> {
  services: S;
  org: Organization;
  unit: JobUnit;
  /** The org's time zone (settings.timezone, else TZ_DEFAULT). */
  orgTimeZone: string;
  /** The slot this run serves, and the period key it is filed under (e.g. 2026-W48). */
  slot: Date;
  period: string;
  now: Date;
  dryRun: boolean;
  log(message: string): void;
  /** Counters reported at the end of the run (and stored in job_runs.stats). */
  stats: Record<string, number>;
  /**
   * Process `items` in sorted order in batches, resuming after the last item a
   * previous (crashed) run committed. Each batch's messages are inserted into
   * the outbox together with the cursor, idempotently, in one atomic write.
   */
  fanOut(items: string[], process: (batch: string[]) => Promise<JobMessage[]>, options?: FanOutOptions): Promise<void>;
}

export interface JobDefinition<S extends JobServices = JobServices> {
  name: string;
  description: string;
  /** Cron expression read in the unit's local time zone (croner syntax). */
  schedule: string;
  /** UTC cron of the tick that wakes the job (node-cron on Node, a Cron Trigger on Workers). */
  tick: string;
  period: PeriodUnit;
  /** A slot older than this is skipped rather than caught up. */
  catchUpMs: number;
  /** Runs once for the whole installation (org id `*`) instead of once per org. */
  global?: boolean;
  /** Time zones in use for this job in one org (default: the org's zone only). */
  units?(services: S, org: Organization, orgTimeZone: string): Promise<JobUnit[]>;
  run(ctx: JobContext<S>): Promise<void>;
}

export type { PeriodUnit };
