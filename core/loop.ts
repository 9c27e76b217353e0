// Giving the event loop back. better-sqlite3 and card rendering never yield by themselves, so
// background work (the inbox, the outbox, jobs) yields between small slices to let waiting HTTP
// requests (webhook acknowledgements) run. `setImmediate` runs after the loop has polled for I/O
// and, unlike `setTimeout(0)`, adds no 1 ms floor per slice; where it does not exist (Workers,
// browsers) a zero timeout does the same job.
//
// An `await` on a better-sqlite3 query resolves as a microtask: a loop of awaited queries never
// lets the event loop run, however many awaits it has. Only `nextTurn()` (or real I/O) does.

const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

const clearImmediate_ = (globalThis as { clearImmediate?: (handle: unknown) => void }).clearImmediate;

/**
 * Calls `callback` on the next turn of the event loop unless cancelled first (the returned function).
 * Code that must not let the loop turn (a write transaction held across awaits) learns that it did.
 */
export function onNextTurn(callback: () => void): () => void {
  if (immediate && clearImmediate_) {
    const handle = immediate(callback);
    return () => clearImmediate_(handle);
  }
  const handle = setTimeout(callback, 0);
  return () => clearTimeout(handle);
}

/**
 * How long background work may hold the event loop between two yields. Lark re-pushes what is not
 * acknowledged within 3 s and the goal is an ack p99 under 100 ms (issue 22): a slice of 15 ms
 * keeps an ack that arrives mid-slice waiting at most that long for background work, while the
 * cost of yielding (one setImmediate, well under 0.1 ms) stays under 1% of the slice.
 */
export const SLICE_BUDGET_MS = 15;

/** A monotonic clock in milliseconds (performance.now where it exists). */
export const monotonicMs = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());

export interface SliceOptions {
  /** Budget of one slice in ms (default SLICE_BUDGET_MS). */
  budgetMs?: number;
  /** Monotonic clock in ms (tests inject one). */
  now?: () => number;
}

/**
 * The size of the next batch of a batched loop so that one batch fits the slice budget: a batch
 * that took longer than the budget makes the next one proportionally smaller (never below 1);
 * one that took under half of it lets the next grow back, at most to `max`.
 */
export function nextBatchSize(done: number, tookMs: number, budgetMs: number, max: number): number {
  if (tookMs > budgetMs) return Math.max(1, Math.min(max, Math.floor((done * budgetMs) / tookMs)));
  if (tookMs < budgetMs / 2) return Math.min(max, Math.max(done + 1, done * 2));
  return Math.min(max, Math.max(1, done));
}

/**
 * Time-boxed slices for a loop of small units of work (rules, statement batches): `await
 * slices.pause()` between two units yields to the event loop once the current slice has used its
 * budget, and is free otherwise (no extra turn per unit).
 */
export class Slices {
  private started: number;
  private readonly now: () => number;
  readonly budgetMs: number;

  constructor(options: SliceOptions = {}) {
    this.now = options.now ?? monotonicMs;
    this.budgetMs = options.budgetMs ?? SLICE_BUDGET_MS;
    this.started = this.now();
  }

  /** Milliseconds since the current slice started. */
  elapsed(): number {
    return this.now() - this.started;
  }

  /** Between two units of work: yields (and starts a new slice) once this slice is spent. */
  async pause(): Promise<boolean> {
    if (this.elapsed() < this.budgetMs) return false;
    await nextTurn();
    this.started = this.now();
    return true;
  }
}

/**
 * Items added during one turn of the event loop, handled together on the next: `add()` resolves
 * (or rejects) with the whole batch. A write per item that several callers make at about the same
 * moment (pushes arriving together, replies answered together) becomes one write for all of them.
 * At most `max` items go to one `flush`; more wait for the next.
 */
export class TurnBatch<T> {
  private waiting: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly max = Number.POSITIVE_INFINITY,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length === 1) void nextTurn().then(() => this.flushWaiting());
    });
  }

  private async flushWaiting(): Promise<void> {
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.max);
      try {
        await this.flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  }
}
