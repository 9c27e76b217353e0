// Delivering outbound webhook events: outbox rows with platform 'webhook' (written by
// storage/webhook-events.ts in the batch of the event's cause), POSTed to the subscriber's URL,
// signed (core/webhooks.ts). docs/webhooks.md is the contract; docs/ARCHITECTURE.md "Outbound
// webhooks" the reasoning.
// - Ordered per subscriber: a subscriber's deliveries go out one at a time, oldest first. Before
//   each, the subscriber's oldest pending row is read; if that one is waiting (backoff, held by a
//   pause, locked by another process), nothing newer is sent. This holds across processes too.
// - A hanging subscriber cannot block others: every subscriber is served by its own task, every
//   request has a timeout, and a drain starts tasks for other subscribers while one is stuck
//   (it never waits for a busy subscriber before serving the next).
// - Retries with the outbox's capped exponential backoff for RETRY_WINDOW_MS; every non-2xx
//   answer, timeout or connection error counts as a failed attempt (a receiver's 4xx is often a
//   misconfiguration its owner fixes). After PAUSE_AFTER_FAILURES failed attempts in a row the
//   subscription is paused, its pending deliveries are held (kept, in order) and the org's
//   admins get a chat message; resuming it sends them.
import { and, asc, eq, inArray, isNull, lt, lte, notInArray, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock';
import { t } from '../../core/i18n';
import { log } from '../../core/log';
import { signWebhook, WEBHOOK_HEADERS } from '../../core/webhooks';
import { loadIdentities, personAddress } from '../../jobs/recipients';
import type { PlatformAdapter } from '../../bots/types';
import type { Db, Statement, Store } from '../../storage/db';
import { preparedQuery } from '../../storage/prepared';
import { auditStatement } from '../../storage/repos/audit';
import { outbox, people, webhookSubscriptions } from '../../storage/schema';
import { OUTBOX_PENDING } from '../../storage/outbox-rows';
import { HELD_UNTIL } from '../../storage/webhook-events';
import { backoffMs, type DrainReport, MAX_BACKOFF_MS, RETRY_WINDOW_MS } from '../outbox/deliver';
import { prepareOutbound } from '../outbox/enqueue';

type OutboxRow = typeof outbox.$inferSelect;
type Subscription = typeof webhookSubscriptions.$inferSelect;
type Outcome = keyof DrainReport;

/** A subscriber has this long to answer (headers and the start of the body). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Failed attempts in a row after which a subscription is paused and the admins are told. */
export const PAUSE_AFTER_FAILURES = 10;
/** Subscribers served at once by one process. */
const CONCURRENCY = 16;
/** Bytes of a refusal's body kept as its reason. */
const REASON_BYTES = 300;

export interface WebhookDelivererOptions {
  store: Store;
  clock: Clock;
  /** Chat adapters: where the pause notice to admins can go. */
  adapters: ReadonlyMap<string, PlatformAdapter>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  concurrency?: number;
  retryWindowMs?: number;
  pauseAfterFailures?: number;
  /** Kicks the chat outbox after the pause notice is stored. */
  onNotice?: () => void;
}

const emptyReport = (): DrainReport => ({ sent: 0, retried: 0, failed: 0, deferred: 0 });
const yieldToLoop = () => new Promise((resolve) => setTimeout(resolve, 0));

export function dueSubscribers(db: Db, nowIso: string | Placeholder, limit: number | Placeholder, notBusy?: SQL) {
  return db
    .selectDistinct({ key: outbox.recipientKey })
    .from(outbox)
    .where(
      and(
        eq(outbox.platform, 'webhook'),
        OUTBOX_PENDING,
        lte(outbox.nextAttemptAt, nowIso),
        or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, nowIso)),
        notBusy,
      ),
    )
    .limit(limit);
}
const dueSubscribersPrepared = preparedQuery((db) =>
  dueSubscribers(db, sql.placeholder('now'), sql.placeholder('limit')).prepare(),
);

export class WebhookDeliverer {
  /** Subscribers (recipient keys) this process is serving right now. */
  private readonly busy = new Set<string>();
  private readonly claimed = new Set<string>();
  private readonly tasks = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly options: WebhookDelivererOptions) {}

  stop(): Promise<unknown> {
    this.stopped = true;
    return Promise.all([...this.tasks]);
  }

  async releaseClaimed(): Promise<number> {
    const ids = [...this.claimed];
    if (!ids.length) return 0;
    await this.options.store.db
      .update(outbox)
      .set({ lockedUntil: null })
      .where(and(inArray(outbox.id, ids), eq(outbox.status, 'pending')));
    return ids.length;
  }

  /**
   * Start serving every subscriber that has a due delivery and is not being served already;
   * resolves when the subscribers started by this call are done. Concurrent calls do not wait
   * for each other, so a subscriber stuck in a request never delays another one's delivery.
   */
  async drain(): Promise<DrainReport> {
    const { store, clock } = this.options;
    const limit = this.options.concurrency ?? CONCURRENCY;
    const started: Promise<DrainReport>[] = [];
    while (!this.stopped && this.busy.size < limit) {
      const nowIso = clock.now().toISOString();
      // Asked on every kick of the outbox (each handled chat event): prepared while no subscriber is busy.
      const due = this.busy.size
        ? await dueSubscribers(
            store.db,
            nowIso,
            limit - this.busy.size,
            notInArray(outbox.recipientKey, [...this.busy]),
          )
        : await dueSubscribersPrepared(store.db).all({ now: nowIso, limit });
      let added = 0;
      for (const { key } of due) {
        if (!key || this.busy.has(key) || this.busy.size >= limit) continue;
        this.busy.add(key);
        added++;
        const task = this.serve(key).finally(() => {
          this.busy.delete(key);
          this.tasks.delete(task);
        });
        this.tasks.add(task);
        started.push(task);
      }
      if (!added) break;
    }
    const total = emptyReport();
    for (const r of await Promise.all(started)) for (const k of Object.keys(total) as Outcome[]) total[k] += r[k];
    return total;
  }

  /** One subscriber's deliveries, strictly oldest first, until one must wait. */
  private async serve(key: string): Promise<DrainReport> {
    const { store, clock } = this.options;
    const report = emptyReport();
    while (!this.stopped) {
      const [row] = await store.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.platform, 'webhook'), eq(outbox.recipientKey, key), eq(outbox.status, 'pending')))
        .orderBy(asc(outbox.createdAt), asc(outbox.id))
        .limit(1);
      const nowIso = clock.now().toISOString();
      // The oldest pending one waits (backoff, a pause, another process's claim): so does the rest.
      if (!row || row.nextAttemptAt > nowIso || (row.lockedUntil && row.lockedUntil >= nowIso)) break;
      const outcome = await this.deliverRow(row);
      report[outcome]++;
      if (outcome === 'retried' || outcome === 'deferred') break;
      await yieldToLoop();
    }
    return report;
  }

  private async deliverRow(row: OutboxRow): Promise<Outcome> {
    const { store, clock } = this.options;
    const now = clock.now();
    const timeoutMs = this.options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    const claimed = await store.db
      .update(outbox)
      .set({ lockedUntil: new Date(now.getTime() + timeoutMs + 30_000).toISOString(), attempts: row.attempts + 1 })
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
      const subscriptionId = (row.target as { id?: string }).id ?? '';
      const [sub] = await store.db
        .select()
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, subscriptionId));
      if (!sub) return await this.fail(row, 'the subscription was deleted');
      if (sub.status !== 'active') return await this.reschedule(row, HELD_UNTIL, row.attempts, 'subscription paused');
      const result = await this.post(sub, row, timeoutMs);
      if (result.ok) {
        await this.succeeded(row, sub, result.status);
        return 'sent';
      }
      return await this.failedAttempt(row, sub, result.reason, result.retryAfterMs);
    } finally {
      this.claimed.delete(row.id);
    }
  }

  private async post(
    sub: Subscription,
    row: OutboxRow,
    timeoutMs: number,
  ): Promise<{ ok: true; status: number } | { ok: false; reason: string; retryAfterMs?: number }> {
    const timestamp = Math.floor(this.options.clock.now().getTime() / 1000);
    const body = JSON.stringify(row.payload);
    const event = (row.target as { event?: string }).event ?? '';
    try {
      const response = await (this.options.fetch ?? fetch)(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Polaris-Webhooks/1',
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: await signWebhook(sub.secret, timestamp, body),
          [WEBHOOK_HEADERS.event]: event,
          [WEBHOOK_HEADERS.delivery]: row.id,
        },
        body,
        // A redirect could point anywhere, including hosts the URL check refused.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel().catch(() => {});
        return { ok: true, status: response.status };
      }
      const snippet = await readSnippet(response);
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        ok: false,
        reason: `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}${snippet ? `: ${snippet}` : ''}`,
        retryAfterMs:
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_BACKOFF_MS) : undefined,
      };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        return { ok: false, reason: `no answer within ${timeoutMs / 1000} s` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, reason: `unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
    }
  }

  private async succeeded(row: OutboxRow, sub: Subscription, status: number) {
    const { store, clock } = this.options;
    const at = clock.now().toISOString();
    await store.atomic([
      store.db
        .update(outbox)
        .set({
          status: 'sent',
          sentAt: at,
          sentRef: { status },
          lockedUntil: null,
          lastError: null,
          firstErrorAt: null,
        })
        .where(eq(outbox.id, row.id)),
      store.db
        .update(webhookSubscriptions)
        .set({ consecutiveFailures: 0, lastSuccessAt: at })
        .where(eq(webhookSubscriptions.id, sub.id)),
    ]);
  }

  private async failedAttempt(row: OutboxRow, sub: Subscription, reason: string, retryAfterMs?: number) {
    const { store, clock } = this.options;
    const now = clock.now();
    const attempts = row.attempts + 1;
    const [counted] = await store.db
      .update(webhookSubscriptions)
      .set({
        consecutiveFailures: sql`${webhookSubscriptions.consecutiveFailures} + 1`,
        lastFailureAt: now.toISOString(),
      })
      .where(eq(webhookSubscriptions.id, sub.id))
      .returning({ failures: webhookSubscriptions.consecutiveFailures });
    const firstErrorAt = row.firstErrorAt ?? now.toISOString();
    const window = this.options.retryWindowMs ?? RETRY_WINDOW_MS;
    let outcome: Outcome;
    if (now.getTime() - new Date(firstErrorAt).getTime() >= window) {
      const hours = Math.round((window / 3_600_000) * 10) / 10;
      outcome = await this.fail(row, `${reason} (still failing after ${hours} h of retries)`);
    } else {
      const wait = Math.max(retryAfterMs ?? 0, backoffMs(attempts));
      const next = new Date(now.getTime() + wait).toISOString();
      outcome = await this.reschedule(row, next, attempts, reason, firstErrorAt);
    }
    log.debug(`webhook ${row.id} to subscription ${sub.id}: ${reason}`, { org: sub.orgId });
    if ((counted?.failures ?? 0) >= (this.options.pauseAfterFailures ?? PAUSE_AFTER_FAILURES))
      await this.pause(sub, counted.failures, reason);
    return outcome;
  }

  /** Pause the subscription (once), hold its pending deliveries and tell the org's admins. */
  private async pause(sub: Subscription, failures: number, reason: string) {
    const { store, clock } = this.options;
    const now = clock.now();
    const at = now.toISOString();
    const [paused] = await store.db
      .update(webhookSubscriptions)
      .set({ status: 'paused', pausedAt: at, pausedReason: reason.slice(0, 500), updatedAt: at })
      .where(and(eq(webhookSubscriptions.id, sub.id), eq(webhookSubscriptions.status, 'active')))
      .returning({ id: webhookSubscriptions.id });
    if (!paused) return; // another process paused it first, and told the admins
    const notices = await this.adminNotices(sub, failures, reason, now);
    await store.atomic([
      store.db
        .update(outbox)
        .set({ nextAttemptAt: HELD_UNTIL })
        .where(
          and(
            eq(outbox.platform, 'webhook'),
            eq(outbox.recipientKey, `webhook:${sub.id}`),
            eq(outbox.status, 'pending'),
          ),
        ),
      auditStatement(store, {
        orgId: sub.orgId,
        actorType: 'system',
        action: 'webhook.paused',
        entityType: 'webhook',
        entityId: sub.id,
        data: { url: sub.url, failures, reason: reason.slice(0, 500), notified: notices.length },
        now,
      }),
      ...notices,
    ]);
    log.warn(`webhook subscription ${sub.id} paused after ${failures} failed attempts: ${reason}`, { org: sub.orgId });
    if (notices.length) this.options.onNotice?.();
  }

  /** One chat message per admin of the org, in their language, on their primary platform. */
  private async adminNotices(sub: Subscription, failures: number, reason: string, now: Date): Promise<Statement[]> {
    const { store, adapters } = this.options;
    const admins = await store.db
      .select({ id: people.id, locale: people.locale })
      .from(people)
      .where(and(eq(people.orgId, sub.orgId), eq(people.role, 'admin'), eq(people.status, 'active')))
      .orderBy(asc(people.id))
      .limit(50);
    const identities = await loadIdentities(
      store,
      admins.map((a) => a.id),
    );
    const out: Statement[] = [];
    for (const admin of admins) {
      const to = personAddress(identities, admin.id, adapters);
      if (!to) continue;
      const text = t(admin.locale, 'webhooks.paused', {
        url: sub.url,
        failures,
        reason: reason.slice(0, 200),
        id: sub.id,
      });
      out.push(
        prepareOutbound(
          store,
          {
            operation: 'send',
            to,
            message: { text },
            orgId: sub.orgId,
            subject: `webhook-paused:${sub.id}`,
            // One notice per admin and pause: a retried pause cannot notify twice.
            idempotencyKey: `whp_${sub.id}_${now.getTime().toString(36)}_${admin.id}`.slice(0, 50),
          },
          now,
        ).statement,
      );
    }
    return out;
  }

  private async reschedule(
    row: OutboxRow,
    nextIso: string,
    attempts: number,
    reason: string,
    firstErrorAt?: string,
  ): Promise<Outcome> {
    await this.options.store.db
      .update(outbox)
      .set({
        nextAttemptAt: nextIso,
        lockedUntil: null,
        attempts,
        lastError: reason.slice(0, 2000),
        ...(firstErrorAt ? { firstErrorAt } : {}),
      })
      .where(eq(outbox.id, row.id));
    return attempts > row.attempts ? 'retried' : 'deferred';
  }

  private async fail(row: OutboxRow, reason: string): Promise<Outcome> {
    await this.options.store.db
      .update(outbox)
      .set({
        status: 'failed',
        lockedUntil: null,
        lastError: reason.slice(0, 2000),
        failedAt: this.options.clock.now().toISOString(),
      })
      .where(eq(outbox.id, row.id));
    return 'failed';
  }
}

/** The first bytes of a refusal's body, as text on one line (never the whole body). */
async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < REASON_BYTES) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    /* a body cut off or timed out: keep what arrived */
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(bytes.subarray(0, REASON_BYTES)).replace(/\s+/g, ' ').trim();
}
