// Acknowledge first, handle after: a platform's push is answered once its
// verified event is stored in `inbox`, and handled in the background by
// `drain()`, which passes the row's deletion to the dispatcher so it commits
// with the event's effects. Card actions do not come here: their answer (the
// updated card) is the handling.
//
// Why: handling a message costs milliseconds of synchronous SQLite and card
// work; a burst of pushes queued behind that work would miss the platforms'
// acknowledgement limits and be pushed again. Storing the event is cheap,
// durable and deduplicated by (platform, event_id).
//
// Group commit: pushes that arrive in the same turn of the event loop are stored in one
// transaction (each answered only after it commits), so a burst pays one commit per turn instead
// of one per push. Handling claims a batch of rows in one statement and yields to the event loop
// between events (core/loop.ts), so acknowledgements never queue behind more than one event; while
// pushes are arriving, an event waits for a turn that stored none (at most ACKS_FIRST_MS), so
// handling takes the gaps between a burst's pushes rather than turns among them.
// Once no push has arrived for BUSY_MS, a store with groups (SQLite) handles events in groups of up
// to GROUP_BUDGET_MS with one commit each: a commit writes every page its events touched, and
// consecutive events touch the same ones (the newest pages of each time-ordered table and index),
// so the backlog left by a burst drains on fewer page writes. A group ends early when the loop
// turned inside it (a handler waited on the network): writes from outside must not wait long.
import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { BotEvent } from '../../bots/types';
import { insertGroups, type Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { preparedWrite } from '../../storage/prepared';
import { inbox } from '../../storage/schema';
import type { Clock } from '../../core/clock';
import { monotonicMs, nextTurn, onNextTurn, SLICE_BUDGET_MS, TurnBatch } from '../../core/loop';
import { SharedRuns } from '../../core/shared-runs';
import type { Dispatch } from './dispatch';

/** Events claimed per statement; a crash leaves them locked for LOCK_MS, then another drain takes them. */
const BATCH = 50;
/** Pushes stored per transaction at most. */
const GROUP = 200;
/** Values a stored push binds (id, platform, event id, event, received at, and the two defaults). */
const PARAMETERS_PER_PUSH = 7;
const LOCK_MS = 60_000;
/** A push stored this recently means acknowledgements are flowing: handle one event per turn. */
const BUSY_MS = 100;
/**
 * While pushes are arriving, an event is handled on a turn of the event loop that stored no push
 * (the acknowledgements are through), or once this long has passed without one.
 */
const ACKS_FIRST_MS = 10;
/**
 * How long one group of events may hold the event loop while no push is arriving. Three slices: a
 * backlog of 4,000 check-ins on a 5,000-person org drained at 1.10–1.22 ms of CPU per event in
 * groups of 45 ms against 1.27–1.31 ms in groups of 15 ms (three pairs of runs, interleaved), as
 * more events share each commit's pages. A push arriving meanwhile waits at most that long, well
 * inside the platforms' 3 s and the 100 ms acknowledgement p99 (busy periods handle one at a time).
 */
const GROUP_BUDGET_MS = 3 * SLICE_BUDGET_MS;
const MAX_ATTEMPTS = 5;
const DRAIN = 'inbox';

/** A handled event's row goes with its effects' commit. */
const deleteRow = preparedWrite<{ id: string }>((db, value) => db.delete(inbox).where(eq(inbox.id, value('id'))));

export interface InboxOptions {
  store: Store;
  clock: Clock;
  dispatch: Dispatch;
  log?: (message: string, error?: unknown) => void;
  /** Drains shared with other inboxes on the same store (a Worker isolate's apps; see core/shared-runs.ts). */
  runs?: SharedRuns;
}

export class Inbox {
  private readonly runs: SharedRuns;
  private stopped = false;
  /** Pushes arriving in one turn of the event loop, stored with one commit. */
  private readonly arriving = new TurnBatch<BotEvent>((events) => this.storeEvents(events), GROUP);
  /** Rows claimed by the running drain and not yet handled (released at shutdown). */
  private claimed = new Set<string>();
  /** When the last push was stored (monotonic ms); handling groups events only when this is old. */
  private lastPushAt = Number.NEGATIVE_INFINITY;
  /** Pushes accepted so far: a turn that accepted none had no acknowledgement waiting for handling. */
  private pushes = 0;

  constructor(private readonly options: InboxOptions) {
    this.runs = options.runs ?? new SharedRuns();
  }

  /**
   * Stores the event; a second delivery of the same event id is ignored. Resolves once the row is
   * committed, together with the other pushes of this turn of the event loop.
   */
  accept(event: BotEvent): Promise<void> {
    this.lastPushAt = monotonicMs();
    this.pushes++;
    return this.arriving.add(event);
  }

  /** One multi-row insert per D1-sized group instead of one per push (a share of each ack's CPU). */
  private async storeEvents(events: BotEvent[]): Promise<void> {
    const { store, clock } = this.options;
    const receivedAt = clock.now().toISOString();
    const rows = events.map((event) => ({
      id: newId('in'),
      platform: event.platform,
      eventId: event.eventId,
      event: event as unknown as Record<string, unknown>,
      receivedAt,
    }));
    // If it fails, nothing of the group is stored: each push is refused and the platform sends it again.
    await store.atomic(
      insertGroups(rows, PARAMETERS_PER_PUSH).map((g) => store.db.insert(inbox).values(g).onConflictDoNothing()),
    );
  }

  /**
   * Shutdown: handle no more events. Resolves once the event being handled is committed; the
   * rest stay stored and are handled at the next start. Accepting (storing) still works.
   */
  stop(): Promise<unknown> {
    this.stopped = true;
    return this.runs.current(DRAIN) ?? Promise.resolve();
  }

  private async release(ids: string[]) {
    if (!ids.length) return;
    await this.options.store.db
      .update(inbox)
      .set({ lockedUntil: null, attempts: sql`${inbox.attempts} - 1` })
      .where(and(inArray(inbox.id, ids), eq(inbox.status, 'pending')));
  }

  /** Handles every pending event, oldest first. Concurrent calls share one run. */
  drain(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    return this.runs.share(DRAIN, async (more) => {
      let handled = 0;
      do {
        for (let n = await this.drainBatch(); n > 0; n = this.stopped ? 0 : await this.drainBatch()) handled += n;
      } while (more() && !this.stopped);
      return handled;
    });
  }

  /** Claims up to BATCH due events in one statement and handles them one by one, oldest first. */
  private async drainBatch(): Promise<number> {
    const { store, clock } = this.options;
    const now = clock.now();
    const nowIso = now.toISOString();
    const due = store.db
      .select({ id: inbox.id })
      .from(inbox)
      .where(and(eq(inbox.status, 'pending'), or(isNull(inbox.lockedUntil), lt(inbox.lockedUntil, nowIso))))
      .orderBy(asc(inbox.id))
      .limit(BATCH);
    const rows = await store.db
      .update(inbox)
      .set({ lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString(), attempts: sql`${inbox.attempts} + 1` })
      .where(
        and(
          inArray(inbox.id, due),
          eq(inbox.status, 'pending'),
          or(isNull(inbox.lockedUntil), lt(inbox.lockedUntil, nowIso)),
        ),
      )
      .returning({ id: inbox.id, attempts: inbox.attempts, event: inbox.event });
    rows.sort((x, y) => (x.id < y.id ? -1 : 1));
    for (const row of rows) this.claimed.add(row.id);
    let handled = 0;
    try {
      for (let next = 0; next < rows.length && !this.stopped; ) {
        const done = await this.handleSome(rows, next);
        handled += done.handled;
        next = done.next;
        // better-sqlite3 never yields: give waiting HTTP requests (acknowledgements) their turn.
        await nextTurn();
      }
    } finally {
      // Stopped (or failed) part-way: the rest go back, their attempt not counted.
      const left = [...this.claimed];
      this.claimed.clear();
      await this.release(left);
    }
    return handled;
  }

  /**
   * Handles rows from `from` on: one while pushes are arriving or without a store group, else as many
   * as fit GROUP_BUDGET_MS in one write transaction. A row counts as done (no longer claimed) only once
   * its group committed; if the group fails, the finally of drainBatch releases them all.
   */
  private async handleSome(
    rows: { id: string; attempts: number; event: unknown }[],
    from: number,
  ): Promise<{ next: number; handled: number }> {
    const { store } = this.options;
    const one = async (row: (typeof rows)[number]) =>
      (await this.handle(row.id, row.attempts, row.event as unknown as BotEvent)) ? 1 : 0;
    if (!store.group || monotonicMs() - this.lastPushAt < BUSY_MS) {
      // Only with groups (one Node process answering every push): a Worker answers each push in
      // a request of its own, and its clock stands still while it computes, so the wait's bound
      // would not pass there.
      if (store.group) await this.acksFirst();
      const handled = await one(rows[from]);
      this.claimed.delete(rows[from].id);
      return { next: from + 1, handled };
    }
    const started = monotonicMs();
    let turned = false;
    const cancel = onNextTurn(() => {
      turned = true;
    });
    try {
      const done = await store.group(async () => {
        let next = from;
        let handled = 0;
        do handled += await one(rows[next++]);
        while (next < rows.length && !this.stopped && !turned && monotonicMs() - started < GROUP_BUDGET_MS);
        return { next, handled };
      });
      for (let i = from; i < done.next; i++) this.claimed.delete(rows[i].id);
      return done;
    } finally {
      cancel();
    }
  }

  /**
   * Waits for a turn of the event loop in which no push arrived, at most ACKS_FIRST_MS: while a
   * burst's pushes are arriving, handling takes the gaps between them instead of a turn among them.
   */
  private async acksFirst(): Promise<void> {
    const until = monotonicMs() + ACKS_FIRST_MS;
    for (let seen = this.pushes; ; seen = this.pushes) {
      await nextTurn();
      if (this.pushes === seen || monotonicMs() >= until) return;
    }
  }

  /** Handles one claimed event; `attempts` already counts this one. */
  private async handle(id: string, attempts: number, event: BotEvent): Promise<boolean> {
    const { store, clock } = this.options;
    const now = clock.now();
    try {
      await this.options.dispatch(event, {
        alsoCommit: [deleteRow(store, { id })],
      });
      return true;
    } catch (error) {
      const failed = attempts >= MAX_ATTEMPTS;
      this.options.log?.(`inbox ${id} ${failed ? 'failed' : 'will retry'}`, error);
      await store.db
        .update(inbox)
        .set({
          status: failed ? 'failed' : 'pending',
          // Back off: 1 s, 4 s, 9 s, 16 s.
          lockedUntil: new Date(now.getTime() + 1000 * attempts ** 2).toISOString(),
          lastError: (error instanceof Error ? error.message : String(error)).slice(0, 2000),
        })
        .where(eq(inbox.id, id));
      return false;
    }
  }
}
