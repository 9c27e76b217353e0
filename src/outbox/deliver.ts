// The outbox worker: delivers stored messages through the platform adapters.
// - A row is claimed with a conditional UPDATE … RETURNING before sending, so two
//   drains (two Node timers, two Workers instances) never send the same row.
// - The row id is the platform idempotency key (Lark `uuid`, DingTalk
//   outTrackId, WeCom task id), so a crash after sending but before marking the
//   row sent leads to a retry the platform deduplicates.
// - Each platform drains on its own, so a slow or hung platform holds back only
//   its own messages; within a platform, recipients are served in parallel and
//   messages to one recipient in order.
// - Rate limits come from the database (rate-limit.ts), so they hold across
//   restarts and processes. While a platform's app-wide windows are full, its due
//   rows are left alone (not rescheduled), and the drain takes only as many rows
//   as the windows have room for, in small slices that yield to the event loop.
// - Retry policy (docs/ARCHITECTURE.md "Outbox"): a rate-limit answer never counts
//   as a failed attempt; transient errors retry with capped exponential backoff
//   and jitter for `retryWindowMs` (24 h); documented-permanent errors fail at once.
// - Shutdown (src/node.ts): `stop()` claims no more rows and lets the sends in flight finish;
//   past the shutdown bound, `releaseClaimed()` unlocks the rows still claimed so the next start
//   resends them at once with the same idempotency key.
import { and, asc, eq, inArray, isNull, lt, lte, or, type Placeholder, sql } from 'drizzle-orm';
import type { Address, OutboundMessage, Platform, PlatformAdapter, SentRef } from '../../bots/types';
import { DeliveryError, PLATFORMS } from '../../bots/types';
import type { Db, Store } from '../../storage/db';
import { preparedQuery, valueSlot } from '../../storage/prepared';
import { outbox, type OutboxChannel } from '../../storage/schema';
import { OUTBOX_PENDING } from '../../storage/outbox-rows';
import { tenantOfOrg } from '../../storage/repos/tenants';
import { sleepOn, type Clock } from '../../core/clock';
import { isOutboxRowRef, type OutboxRowRef } from './enqueue';
import { SendLimiter } from './rate-limit';
import { asCodedError } from '../../core/errors';
import { log } from '../../core/log';
import { nextTurn, TurnBatch } from '../../core/loop';
import { SharedRuns } from '../../core/shared-runs';

type OutboxRow = typeof outbox.$inferSelect;

export interface DrainReport {
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
}

export interface OutboxOptions {
  store: Store;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  clock: Clock;
  /** How long transient failures are retried before the message is given up (default 24 h). */
  retryWindowMs?: number;
  /** Recipients served in parallel, per platform. */
  concurrency?: number;
  /** How long a claimed row stays locked if its sender dies. */
  lockMs?: number;
  /** Longest in-process wait for a rate-limit slot before rescheduling instead. */
  maxInlineWaitMs?: number;
  /** Rows taken per slice; the drain yields to the event loop between slices. */
  sliceSize?: number;
  log?: (message: string, data?: unknown) => void;
  /** Drains shared with other deliverers on the same store (a Worker isolate's apps; see core/shared-runs.ts). */
  runs?: SharedRuns;
  /**
   * The 'webhook' channel: outbound webhook deliveries (src/outbound-webhooks/deliver.ts), drained
   * with the platforms, stopped and released with them.
   */
  webhooks?: {
    drain(): Promise<DrainReport>;
    stop(): Promise<unknown>;
    releaseClaimed(): Promise<number>;
  };
}

/** Transient failures are retried for this long (measured from the first failure in a row). */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Longest gap between two retries of a transient failure. */
export const MAX_BACKOFF_MS = 10 * 60 * 1000;
const SLICE = 50;

type Outcome = keyof DrainReport;
const emptyReport = (): DrainReport => ({ sent: 0, retried: 0, failed: 0, deferred: 0 });
const add = (total: DrainReport, r: DrainReport) => {
  for (const k of Object.keys(total) as Outcome[]) total[k] += r[k];
};
/** Let waiting HTTP requests (webhook acknowledgements) run: better-sqlite3 never yields by itself. */
const yieldToLoop = nextTurn;

export class OutboxDeliverer {
  private readonly limiters = new Map<string, SendLimiter>();
  private readonly runs: SharedRuns;
  private stopped = false;
  /** Rows this deliverer has claimed and not yet finished with. */
  private readonly claimed = new Set<string>();
  private readonly sentThisTurn = new TurnBatch<{ row: OutboxRow; ref: SentRef; sentAt: string }>((marks) =>
    this.markAllSent(marks),
  );

  constructor(private readonly options: OutboxOptions) {
    this.runs = options.runs ?? new SharedRuns();
  }

  /**
   * Shutdown: claim no more rows. Resolves once the sends in flight have finished; a row claimed
   * but still waiting for a rate-limit slot is released (unlocked, attempt not counted).
   */
  stop(): Promise<unknown> {
    this.stopped = true;
    return Promise.all([...this.runs.inFlight('outbox:'), this.options.webhooks?.stop()]);
  }

  /**
   * Shutdown past its bound: unlock the rows whose sends are still in flight, so the next start
   * retries them at once instead of after their lock. A send that did reach the platform is then
   * repeated with the same idempotency key, which the platform deduplicates.
   */
  async releaseClaimed(): Promise<number> {
    const hooks = (await this.options.webhooks?.releaseClaimed()) ?? 0;
    const ids = [...this.claimed];
    if (!ids.length) return hooks;
    await this.options.store.db
      .update(outbox)
      .set({ lockedUntil: null })
      .where(and(inArray(outbox.id, ids), eq(outbox.status, 'pending')));
    return ids.length + hooks;
  }

  /**
   * Deliver everything that is due, every platform on its own. Concurrent calls share the runs.
   * Rows for a platform this process has no adapter for stay pending for a process that has one:
   * the CLI run without credentials enqueues for the server (docs/jobs.md).
   */
  async drain(): Promise<DrainReport> {
    if (this.stopped) return emptyReport();
    const reports = await Promise.all([
      ...PLATFORMS.filter((p) => this.options.adapters.has(p)).map((p) => this.drainPlatform(p)),
      ...(this.options.webhooks ? [this.options.webhooks.drain()] : []),
    ]);
    const total = emptyReport();
    for (const r of reports) add(total, r);
    return total;
  }

  /** Deliver what is due on one platform. Concurrent calls for the same platform share one run. */
  drainPlatform(platform: OutboxChannel): Promise<DrainReport> {
    if (this.stopped) return Promise.resolve(emptyReport());
    if (platform === 'webhook') return this.options.webhooks?.drain() ?? Promise.resolve(emptyReport());
    return this.runs.share(`outbox:${platform}`, async (more) => {
      const total = emptyReport();
      do {
        for (;;) {
          if (this.stopped) break;
          const { report, halted } = await this.drainSlice(platform);
          add(total, report);
          // Halted: the platform is rate limiting or failing; the next drain (1 s tick) tries again.
          if (halted || report.sent + report.failed + report.retried === 0) break;
          await yieldToLoop();
        }
      } while (more() && !this.stopped);
      return total;
    });
  }

  private limiter(adapter: PlatformAdapter): SendLimiter {
    const existing = this.limiters.get(adapter.platform);
    if (existing) return existing;
    const limiter = new SendLimiter(this.options.store, adapter.platform, adapter.limits);
    this.limiters.set(adapter.platform, limiter);
    return limiter;
  }

  /** One small slice of due rows: as many as the platform's app-wide windows have room for. */
  private async drainSlice(platform: Platform): Promise<{ report: DrainReport; halted?: boolean }> {
    const { store, clock } = this.options;
    const report = emptyReport();
    const adapter = this.options.adapters.get(platform);
    let limit = this.options.sliceSize ?? SLICE;
    if (adapter) {
      const { wait, capacity } = await this.limiter(adapter).capacity(clock.now().getTime());
      if (wait > 0) {
        // Full windows or a pause: leave the rows as they are (no mass rescheduling) and wait
        // here if it is short; a later drain (the 1 s tick) picks them up otherwise.
        if (wait > (this.options.maxInlineWaitMs ?? 2000)) return { report };
        await sleepOn(clock, wait);
        if (this.stopped) return { report };
        return this.drainSlice(platform);
      }
      limit = Math.min(limit, capacity);
    }
    if (!adapter) return { report };
    const rows = await preparedDueRows(store.db).all({ platform, now: clock.now().toISOString(), limit });
    if (!rows.length) return { report };

    // Queue per recipient, oldest first; an update of a row in this slice queues behind that row.
    rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    const queueOf = new Map<string, string>();
    const byRecipient = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const original = row.recipientKey?.startsWith('row:') ? queueOf.get(row.recipientKey.slice(4)) : undefined;
      const key = original ?? `${row.recipientKey ?? row.id}`;
      queueOf.set(row.id, key);
      byRecipient.set(key, [...(byRecipient.get(key) ?? []), row]);
    }
    const queues = [...byRecipient.values()];
    // The access token and the platform client before the first slot is taken (PlatformAdapter.warm):
    // loading Lark's SDK on the first send took 0.9 s, and the sends that took slots meanwhile
    // arrived together, 51 within Lark's second (bench:digest).
    await adapter.warm?.().catch(() => undefined);
    // A rate-limit answer or a platform-wide failure (5xx, timeout): stop starting new sends in this slice.
    let halted = false;
    const workers = Array.from({ length: Math.min(this.options.concurrency ?? 8, queues.length) }, async () => {
      for (let queue = queues.shift(); queue && !halted; queue = queues.shift()) {
        for (const row of queue) {
          if (halted || this.stopped) break;
          const { outcome, halt } = await this.deliverRow(adapter, row);
          report[outcome]++;
          if (halt) halted = true;
          // Keep a recipient's messages in order: stop at the first one that must wait.
          if (outcome === 'deferred' || outcome === 'retried') break;
          await yieldToLoop();
        }
      }
    });
    await Promise.all(workers);
    return { report, halted };
  }

  private async deliverRow(adapter: PlatformAdapter, row: OutboxRow): Promise<{ outcome: Outcome; halt?: boolean }> {
    const { store, clock } = this.options;
    const now = clock.now();
    const claimed = await claimRow(store.db).all({
      id: row.id,
      now: now.toISOString(),
      lockedUntil: new Date(now.getTime() + (this.options.lockMs ?? 30_000)).toISOString(),
      attempts: row.attempts + 1,
    });
    if (!claimed.length) return { outcome: 'deferred' };
    this.claimed.add(row.id);
    try {
      return await this.deliverClaimed(adapter, row);
    } finally {
      this.claimed.delete(row.id);
    }
  }

  private async deliverClaimed(
    adapter: PlatformAdapter,
    row: OutboxRow,
  ): Promise<{ outcome: Outcome; halt?: boolean }> {
    const wait = await this.waitForSlot(adapter, row);
    if (wait > 0) return { outcome: await this.reschedule(row, wait, row.attempts, 'rate limit') };
    // Stopped while waiting for a slot: release the row (attempt not counted) instead of sending.
    if (this.stopped) return { outcome: await this.reschedule(row, 0, row.attempts, 'released at shutdown') };

    const message = row.payload as unknown as OutboundMessage;
    try {
      if (row.operation === 'send') {
        const to = await this.addressInTenant(adapter, row);
        if (typeof to === 'string') return { outcome: await this.fail(row, to) };
        const ref = await adapter.send(to, message, { idempotencyKey: row.idempotencyKey });
        await this.markSent(row, ref);
      } else {
        const ref = await this.resolveRef(row.target as unknown as SentRef | OutboxRowRef);
        if (ref === 'pending')
          return {
            outcome: await this.reschedule(row, 1000, row.attempts, 'waiting for the original message to be sent'),
          };
        if (ref === 'failed') return { outcome: await this.fail(row, 'the message to update was never delivered') };
        await adapter.update(ref, message, { idempotencyKey: row.idempotencyKey });
        await this.markSent(row, ref);
      }
      return { outcome: 'sent' };
    } catch (error) {
      return this.failedAttempt(adapter, row, error);
    }
  }

  /**
   * The row's address with its org's tenant, or why it must not be sent: an org's messages go
   * only to its own tenant, through credentials of that tenant. Without this, two orgs that
   * both list the same platform user id (or the same id reused across tenants) would send
   * each other's data to one person.
   */
  private async addressInTenant(adapter: PlatformAdapter, row: OutboxRow): Promise<Address | string> {
    const to = row.target as unknown as Address;
    if (!row.orgId) return to; // a reply to an unidentified sender: it carries no org data
    const tenant = await tenantOfOrg(this.options.store, row.orgId, adapter.platform);
    if (!tenant)
      return `organisation ${row.orgId} has no ${row.platform} tenant: bind it with PUT /api/v1/orgs/<org>/tenants/${row.platform}`;
    if (tenant.kind === 'sole') return to;
    if (adapter.tenantKey ? adapter.tenantKey !== tenant.tenantKey : tenant.tenantsOnPlatform > 1)
      return adapter.tenantKey
        ? `the ${row.platform} credentials serve tenant ${adapter.tenantKey}, not ${tenant.tenantKey} of organisation ${row.orgId}`
        : `several ${row.platform} tenants are bound: set the tenant of the configured credentials (${TENANT_SETTING[row.platform]})`;
    return { ...to, tenantKey: tenant.tenantKey };
  }

  private async failedAttempt(
    adapter: PlatformAdapter,
    row: OutboxRow,
    error: unknown,
  ): Promise<{ outcome: Outcome; halt?: boolean }> {
    const now = this.options.clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    const classified = error instanceof DeliveryError ? error : undefined;
    const fields = { platform: adapter.platform, org: row.orgId ?? undefined, code: asCodedError(error).code };
    const say = (level: 'debug' | 'info' | 'warn', line: string) =>
      this.options.log ? this.options.log(line) : log[level](line, fields);
    if (classified?.rateLimited === 'recipient') {
      // Not a failed attempt: only this recipient is over a limit; try it again after the platform's wait.
      const wait = classified.retryAfterMs ?? 60_000;
      return { outcome: await this.reschedule(row, wait + Math.round(Math.random() * 1000), row.attempts, reason) };
    }
    if (classified?.rateLimited) {
      // Not a failed attempt: pause the platform (for every process) and try again after it.
      const pauseMs = await this.limiter(adapter).pause(now.getTime(), classified.retryAfterMs, reason);
      say('info', `outbox ${row.id}: ${adapter.platform} rate limited, pausing ${pauseMs} ms: ${reason}`);
      const jitter = Math.round(Math.random() * Math.min(1000, pauseMs / 5));
      return { outcome: await this.reschedule(row, pauseMs + jitter, row.attempts, reason), halt: true };
    }
    // Anything not classified (a bug in an adapter, an unexpected exception) is treated as transient.
    const retryable = !classified || classified.retryable;
    const attempts = row.attempts + 1;
    if (!retryable) {
      say('warn', `outbox ${row.id} failed: ${reason}`);
      return { outcome: await this.fail(row, reason) };
    }
    const firstErrorAt = row.firstErrorAt ?? now.toISOString();
    const window = this.options.retryWindowMs ?? RETRY_WINDOW_MS;
    if (now.getTime() - new Date(firstErrorAt).getTime() >= window) {
      const hours = Math.round((window / 3_600_000) * 10) / 10;
      say('warn', `outbox ${row.id} failed after ${hours} h of retries: ${reason}`);
      return { outcome: await this.fail(row, `${reason} (still failing after ${hours} h of retries)`) };
    }
    const backoff = Math.max(classified?.retryAfterMs ?? 0, backoffMs(attempts));
    say('debug', `outbox ${row.id} retry in ${backoff} ms: ${reason}`);
    const outcome = await this.reschedule(row, backoff, attempts, reason, firstErrorAt);
    // A transient failure is the platform's (5xx, timeout, unreachable, busy), not this message's:
    // leave the rest of the slice for the next drain instead of sending each row into the same failure.
    return { outcome, halt: true };
  }

  /** A slot under the platform's limits: waits briefly in process, else asks to reschedule. */
  private async waitForSlot(adapter: PlatformAdapter, row: OutboxRow): Promise<number> {
    const { clock } = this.options;
    const maxInline = this.options.maxInlineWaitMs ?? 2000;
    // A send may become several platform messages (WeCom: markdown + buttons card); each counts.
    const cost =
      row.operation === 'send' ? (adapter.messagesPerSend?.(row.payload as unknown as OutboundMessage) ?? 1) : 1;
    for (;;) {
      if (this.stopped) return 0;
      const wait = await this.limiter(adapter).reserve(row.recipientKey ?? row.id, clock.now().getTime(), cost);
      if (wait === 0) return 0;
      if (wait > maxInline) return wait;
      await sleepOn(clock, wait);
    }
  }

  private async resolveRef(target: SentRef | OutboxRowRef): Promise<SentRef | 'pending' | 'failed'> {
    if (!isOutboxRowRef(target)) return target;
    const [original] = await this.options.store.db
      .select({ status: outbox.status, sentRef: outbox.sentRef })
      .from(outbox)
      .where(eq(outbox.id, target.outboxId));
    if (!original || original.status === 'failed') return 'failed';
    if (original.status !== 'sent' || !original.sentRef) return 'pending';
    return original.sentRef as unknown as SentRef;
  }

  /** Resolves once the row is marked sent, in one transaction with the other sends answered this turn. */
  private markSent(row: OutboxRow, ref: SentRef): Promise<void> {
    return this.sentThisTurn.add({ row, ref, sentAt: this.options.clock.now().toISOString() });
  }

  /**
   * A burst's sends are answered at about the same moment, and marking each sent in its own commit
   * wrote the outbox row's pages and its six indexes' pages once per reply (the largest SQLite cost
   * of a delivered reply on the bench). One SQLite transaction writes them once per burst; D1 has no
   * transaction across awaits and marks them one by one.
   */
  private async markAllSent(marks: { row: OutboxRow; ref: SentRef; sentAt: string }[]): Promise<void> {
    const { store } = this.options;
    const db = store.db;
    const markAll = async () => {
      for (const { row, ref, sentAt } of marks) {
        const { target } = withoutHint(row);
        const values = { id: row.id, sentRef: ref, sentAt };
        await (target ? markSentDroppingHint(db).run({ ...values, target }) : markSentQuery(db).run(values));
      }
    };
    await (store.group && marks.length > 1 ? store.group(markAll) : markAll());
  }

  private async reschedule(
    row: OutboxRow,
    delayMs: number,
    attempts: number,
    reason: string,
    firstErrorAt?: string,
  ): Promise<'retried' | 'deferred'> {
    const next = new Date(this.options.clock.now().getTime() + delayMs).toISOString();
    await this.options.store.db
      .update(outbox)
      .set({
        nextAttemptAt: next,
        lockedUntil: null,
        attempts,
        lastError: reason.slice(0, 2000),
        ...(firstErrorAt ? { firstErrorAt } : {}),
      })
      .where(eq(outbox.id, row.id));
    return attempts > row.attempts ? 'retried' : 'deferred';
  }

  private async fail(row: OutboxRow, reason: string): Promise<'failed'> {
    await this.options.store.db
      .update(outbox)
      .set({
        ...withoutHint(row),
        status: 'failed',
        lockedUntil: null,
        lastError: reason.slice(0, 2000),
        failedAt: this.options.clock.now().toISOString(),
      })
      .where(eq(outbox.id, row.id));
    return 'failed';
  }
}

const TENANT_SETTING: Record<string, string> = {
  lark: 'LARK_TENANT_KEY',
  wecom: 'WECOM_CORP_ID',
  dingtalk: 'DINGTALK_CORP_ID',
};

/**
 * A finished send row keeps its recipient but not the address `hint`: DingTalk's
 * sessionWebhook there is a capability URL (anyone holding it can post into the chat until
 * it expires), needed only until the message is out.
 */
function withoutHint(row: OutboxRow): { target?: Record<string, unknown> } {
  if (row.operation !== 'send' || !('hint' in row.target)) return {};
  const { hint: _hint, ...target } = row.target;
  return { target };
}

/**
 * A platform's due rows, oldest due first: an index walk on outbox_platform_due (platform,
 * next_attempt_at, pending rows only) that stops after `limit` rows, whatever the backlog (no sort
 * of all due rows).
 */
export function dueRowsQuery(store: Store, platform: Platform, nowIso: string, limit: number) {
  return dueRows(store.db, platform, nowIso, limit);
}

function dueRows(db: Db, platform: Platform | Placeholder, nowIso: string | Placeholder, limit: number | Placeholder) {
  return db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.platform, platform),
        OUTBOX_PENDING,
        lte(outbox.nextAttemptAt, nowIso),
        or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, nowIso)),
      ),
    )
    .orderBy(asc(outbox.nextAttemptAt))
    .limit(limit);
}

// Every delivered message runs these: prepared once per database (storage/prepared.ts).
const preparedDueRows = preparedQuery((db) =>
  dueRows(db, sql.placeholder('platform'), sql.placeholder('now'), sql.placeholder('limit')).prepare(),
);
/** Claims a row for one send: only if it is still pending and not locked by another drain. */
const claimRow = preparedQuery((db) =>
  db
    .update(outbox)
    .set({ lockedUntil: valueSlot<string>('lockedUntil'), attempts: valueSlot<number>('attempts') })
    .where(
      and(
        eq(outbox.id, sql.placeholder('id')),
        eq(outbox.status, 'pending'),
        or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, sql.placeholder('now'))),
      ),
    )
    .returning({ id: outbox.id })
    .prepare(),
);
const sentFields = {
  status: 'sent',
  sentRef: valueSlot<Record<string, unknown>>('sentRef'),
  sentAt: valueSlot<string>('sentAt'),
  lockedUntil: null,
  lastError: null,
  firstErrorAt: null,
} as const;
const markSentQuery = preparedQuery((db) =>
  db
    .update(outbox)
    .set(sentFields)
    .where(eq(outbox.id, sql.placeholder('id')))
    .prepare(),
);
const markSentDroppingHint = preparedQuery((db) =>
  db
    .update(outbox)
    .set({ ...sentFields, target: valueSlot<Record<string, unknown>>('target') })
    .where(eq(outbox.id, sql.placeholder('id')))
    .prepare(),
);

/** 1 s, 2 s, 4 s … capped at 10 minutes, with ±20% jitter so retries do not stampede. */
export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
