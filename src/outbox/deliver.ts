// The outbox worker: delivers stored messages through the platform adapters.
// - A row is claimed with a conditional UPDATE … RETURNING before sending, so two
//   drains (two Node timers, two Workers instances) never send the same row.
// - The row id is the platform idempotency key (Lark `uuid`, DingTalk
//   outTrackId, WeCom task id), so a crash after sending but before marking the
//   row sent leads to a retry the platform deduplicates.
// - Messages to one recipient go out in order; different recipients in parallel.
import { and, asc, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import type { OutboundMessage, PlatformAdapter, SentRef } from '../../bots/types';
import { DeliveryError } from '../../bots/types';
import type { Store } from '../../storage/db';
import { outbox } from '../../storage/schema';
import type { Clock } from '../../core/clock';
import { isOutboxRowRef, type OutboxRowRef } from './enqueue';
import { RateLimiter } from './rate-limit';

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
  /** Attempts before a retryable failure becomes permanent. */
  maxAttempts?: number;
  /** Recipients served in parallel. */
  concurrency?: number;
  /** How long a claimed row stays locked if its sender dies. */
  lockMs?: number;
  /** Longest in-process wait for a rate-limit slot before rescheduling instead. */
  maxInlineWaitMs?: number;
  log?: (message: string, data?: unknown) => void;
  /**
   * Rate-limit state per platform. Pass one map to deliverers that share a process
   * (Workers builds the app per request) so limits hold across them.
   */
  limiters?: Map<string, RateLimiter>;
}

const BATCH = 200;

export class OutboxDeliverer {
  private readonly limiters: Map<string, RateLimiter>;
  private running: Promise<DrainReport> | undefined;
  private rerun = false;
  private stopped = false;
  /** Rows this deliverer has claimed and not yet finished with. */
  private readonly claimed = new Set<string>();

  constructor(private readonly options: OutboxOptions) {
    this.limiters = options.limiters ?? new Map();
  }

  /**
   * Shutdown: claim no more rows. Resolves once the sends in flight have finished; a row claimed
   * but still waiting for a rate-limit slot is released (unlocked, attempt not counted).
   */
  stop(): Promise<unknown> {
    this.stopped = true;
    return this.running ?? Promise.resolve();
  }

  /**
   * Shutdown past its bound: unlock the rows whose sends are still in flight, so the next start
   * retries them at once instead of after their lock. A send that did reach the platform is then
   * repeated with the same idempotency key, which the platform deduplicates.
   */
  async releaseClaimed(): Promise<number> {
    const ids = [...this.claimed];
    if (!ids.length) return 0;
    await this.options.store.db
      .update(outbox)
      .set({ lockedUntil: null })
      .where(and(inArray(outbox.id, ids), eq(outbox.status, 'pending')));
    return ids.length;
  }

  /** Deliver everything that is due. Concurrent calls share one run. */
  drain(): Promise<DrainReport> {
    if (this.stopped) return Promise.resolve({ sent: 0, retried: 0, failed: 0, deferred: 0 });
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      const total: DrainReport = { sent: 0, retried: 0, failed: 0, deferred: 0 };
      try {
        do {
          this.rerun = false;
          for (;;) {
            if (this.stopped) break;
            const report = await this.drainOnce();
            for (const k of Object.keys(total) as (keyof DrainReport)[]) total[k] += report[k];
            if (report.sent + report.failed + report.retried === 0) break;
          }
        } while (this.rerun && !this.stopped);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }

  private async drainOnce(): Promise<DrainReport> {
    const { store, clock } = this.options;
    const nowIso = clock.now().toISOString();
    const rows = await store.db
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.status, 'pending'),
          lte(outbox.nextAttemptAt, nowIso),
          or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, nowIso)),
        ),
      )
      .orderBy(asc(outbox.createdAt), asc(outbox.id))
      .limit(BATCH);
    const report: DrainReport = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    if (!rows.length) return report;

    // Queue per recipient; an update of a row in this batch queues behind that row.
    const queueOf = new Map<string, string>();
    const byRecipient = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const original = row.recipientKey?.startsWith('row:') ? queueOf.get(row.recipientKey.slice(4)) : undefined;
      const key = original ?? `${row.platform}|${row.recipientKey ?? row.id}`;
      queueOf.set(row.id, key);
      byRecipient.set(key, [...(byRecipient.get(key) ?? []), row]);
    }
    const queues = [...byRecipient.values()];
    const workers = Array.from({ length: Math.min(this.options.concurrency ?? 8, queues.length) }, async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const row of queue) {
          if (this.stopped) return;
          const outcome = await this.deliverRow(row);
          report[outcome]++;
          // Keep a recipient's messages in order: stop at the first one that must wait.
          if (outcome === 'deferred' || outcome === 'retried') break;
        }
      }
    });
    await Promise.all(workers);
    return report;
  }

  private async deliverRow(row: OutboxRow): Promise<keyof DrainReport> {
    const { store, clock } = this.options;
    const adapter = this.options.adapters.get(row.platform);
    if (!adapter) return this.fail(row, `platform ${row.platform} is not configured`);

    const now = clock.now();
    const claimed = await store.db
      .update(outbox)
      .set({
        lockedUntil: new Date(now.getTime() + (this.options.lockMs ?? 30_000)).toISOString(),
        attempts: row.attempts + 1,
      })
      .where(
        and(
          eq(outbox.id, row.id),
          eq(outbox.status, 'pending'),
          or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, now.toISOString())),
        ),
      )
      .returning({ id: outbox.id });
    if (!claimed.length) return 'deferred';
    this.claimed.add(row.id);
    try {
      return await this.deliverClaimed(adapter, row);
    } finally {
      this.claimed.delete(row.id);
    }
  }

  private async deliverClaimed(adapter: PlatformAdapter, row: OutboxRow): Promise<keyof DrainReport> {
    const wait = await this.waitForSlot(adapter, row);
    if (wait > 0) return this.reschedule(row, wait, row.attempts, 'rate limit');
    if (this.stopped) return this.reschedule(row, 0, row.attempts, 'released at shutdown');

    const message = row.payload as unknown as OutboundMessage;
    try {
      if (row.operation === 'send') {
        const ref = await adapter.send(row.target as never, message, { idempotencyKey: row.idempotencyKey });
        await this.markSent(row, ref);
      } else {
        const ref = await this.resolveRef(row.target as unknown as SentRef | OutboxRowRef);
        if (ref === 'pending')
          return this.reschedule(row, 1000, row.attempts, 'waiting for the original message to be sent');
        if (ref === 'failed') return this.fail(row, 'the message to update was never delivered');
        await adapter.update(ref, message, { idempotencyKey: row.idempotencyKey });
        await this.markSent(row, ref);
      }
      return 'sent';
    } catch (error) {
      const attempts = row.attempts + 1;
      const reason = error instanceof Error ? error.message : String(error);
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      if (retryable && attempts < (this.options.maxAttempts ?? 8)) {
        const backoff = error instanceof DeliveryError && error.retryAfterMs ? error.retryAfterMs : backoffMs(attempts);
        this.options.log?.(`outbox ${row.id} retry in ${backoff} ms: ${reason}`);
        return this.reschedule(row, backoff, attempts, reason);
      }
      this.options.log?.(`outbox ${row.id} failed: ${reason}`);
      return this.fail(row, reason);
    }
  }

  /** A slot under the platform's limits: waits briefly in process, else asks to reschedule. */
  private async waitForSlot(adapter: PlatformAdapter, row: OutboxRow): Promise<number> {
    let limiter = this.limiters.get(adapter.platform);
    if (!limiter) this.limiters.set(adapter.platform, (limiter = new RateLimiter(adapter.limits)));
    const maxInline = this.options.maxInlineWaitMs ?? 2000;
    // A send may become several platform messages (WeCom: markdown + buttons card); each counts.
    const cost =
      row.operation === 'send' ? (adapter.messagesPerSend?.(row.payload as unknown as OutboundMessage) ?? 1) : 1;
    for (;;) {
      if (this.stopped) return 0;
      const wait = limiter.reserve(row.recipientKey ?? row.id, Date.now(), cost);
      if (wait === 0) return 0;
      if (wait > maxInline) return wait;
      await new Promise((r) => setTimeout(r, wait));
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

  private async markSent(row: OutboxRow, ref: SentRef) {
    await this.options.store.db
      .update(outbox)
      .set({
        status: 'sent',
        sentRef: ref as unknown as Record<string, unknown>,
        sentAt: this.options.clock.now().toISOString(),
        lockedUntil: null,
        lastError: null,
      })
      .where(eq(outbox.id, row.id));
  }

  private async reschedule(
    row: OutboxRow,
    delayMs: number,
    attempts: number,
    reason: string,
  ): Promise<'retried' | 'deferred'> {
    const next = new Date(this.options.clock.now().getTime() + delayMs).toISOString();
    await this.options.store.db
      .update(outbox)
      .set({ nextAttemptAt: next, lockedUntil: null, attempts, lastError: reason })
      .where(eq(outbox.id, row.id));
    return attempts > row.attempts ? 'retried' : 'deferred';
  }

  private async fail(row: OutboxRow, reason: string): Promise<'failed'> {
    await this.options.store.db
      .update(outbox)
      .set({ status: 'failed', lockedUntil: null, lastError: reason.slice(0, 2000) })
      .where(eq(outbox.id, row.id));
    return 'failed';
  }
}

/** 1 s, 2 s, 4 s … capped at 10 minutes, with ±20% jitter so retries do not stampede. */
export function backoffMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
