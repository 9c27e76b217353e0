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
import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { BotEvent } from '../../bots/types';
import type { Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { inbox } from '../../storage/schema';
import type { Clock } from '../../core/clock';
import type { Dispatch } from './dispatch';

const BATCH = 100;
const LOCK_MS = 60_000;
const MAX_ATTEMPTS = 5;

export interface InboxOptions {
  store: Store;
  clock: Clock;
  dispatch: Dispatch;
  log?: (message: string, error?: unknown) => void;
}

export class Inbox {
  private running: Promise<number> | undefined;
  private rerun = false;
  private stopped = false;

  constructor(private readonly options: InboxOptions) {}

  /** Stores the event; a second delivery of the same event id is ignored. */
  async accept(event: BotEvent): Promise<void> {
    const { store, clock } = this.options;
    await store.db
      .insert(inbox)
      .values({
        id: newId('in'),
        platform: event.platform,
        eventId: event.eventId,
        event: event as unknown as Record<string, unknown>,
        receivedAt: clock.now().toISOString(),
      })
      .onConflictDoNothing();
  }

  /**
   * Shutdown: handle no more events. Resolves once the event being handled is committed; the
   * rest stay stored and are handled at the next start. Accepting (storing) still works.
   */
  stop(): Promise<unknown> {
    this.stopped = true;
    return this.running ?? Promise.resolve();
  }

  /** Handles every pending event, oldest first. Concurrent calls share one run. */
  drain(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      let handled = 0;
      try {
        do {
          this.rerun = false;
          for (let n = await this.drainBatch(); n > 0; n = this.stopped ? 0 : await this.drainBatch()) handled += n;
        } while (this.rerun && !this.stopped);
      } finally {
        this.running = undefined;
      }
      return handled;
    })();
    return this.running;
  }

  private async drainBatch(): Promise<number> {
    const { store, clock } = this.options;
    const nowIso = clock.now().toISOString();
    const rows = await store.db
      .select({ id: inbox.id, attempts: inbox.attempts })
      .from(inbox)
      .where(and(eq(inbox.status, 'pending'), or(isNull(inbox.lockedUntil), lt(inbox.lockedUntil, nowIso))))
      .orderBy(asc(inbox.id))
      .limit(BATCH);
    let handled = 0;
    for (const row of rows) {
      if (this.stopped) break;
      if (await this.handle(row.id, row.attempts)) handled++;
      // better-sqlite3 never yields: give waiting HTTP requests (acknowledgements) their turn.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return handled;
  }

  private async handle(id: string, attempts: number): Promise<boolean> {
    const { store, clock } = this.options;
    const now = clock.now();
    const [claimed] = await store.db
      .update(inbox)
      .set({ lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString(), attempts: attempts + 1 })
      .where(
        and(
          eq(inbox.id, id),
          eq(inbox.status, 'pending'),
          or(isNull(inbox.lockedUntil), lt(inbox.lockedUntil, now.toISOString())),
        ),
      )
      .returning({ event: inbox.event });
    if (!claimed) return false;
    try {
      await this.options.dispatch(claimed.event as unknown as BotEvent, {
        alsoCommit: [store.db.delete(inbox).where(eq(inbox.id, id))],
      });
      return true;
    } catch (error) {
      const failed = attempts + 1 >= MAX_ATTEMPTS;
      this.options.log?.(`inbox ${id} ${failed ? 'failed' : 'will retry'}`, error);
      await store.db
        .update(inbox)
        .set({
          status: failed ? 'failed' : 'pending',
          // Back off: 1 s, 4 s, 9 s, 16 s.
          lockedUntil: new Date(now.getTime() + 1000 * (attempts + 1) ** 2).toISOString(),
          lastError: (error instanceof Error ? error.message : String(error)).slice(0, 2000),
        })
        .where(eq(inbox.id, id));
      return false;
    }
  }
}
