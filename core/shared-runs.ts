// Background drains that concurrent callers share. While a drain for a key is in flight, a second
// call gets the same promise and asks for one more pass once the current one ends, so work that
// arrived mid-pass is not missed and no second loop races the first for the same rows.
//
// On Node there is one app per process and each drainer keeps its own SharedRuns. On Workers the app
// is built per request (its background work belongs to that request's waitUntil), so src/worker.ts
// hands every request's app the isolate's one SharedRuns: without it, 300 pushes started 300
// concurrent inbox and outbox drains, whose D1 queries queued behind each other until even
// /healthz waited minutes (bench:workers, issue 16 goal 6).

export class SharedRuns {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly again = new Set<string>();

  /**
   * Runs `body` for `key` unless a run is in flight, whose promise is returned instead. `body` loops
   * while `more()` is true: `more()` says whether a call arrived since it was last asked.
   */
  share<T>(key: string, body: (more: () => boolean) => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) {
      this.again.add(key);
      return current as Promise<T>;
    }
    this.again.delete(key);
    const run = (async () => {
      try {
        return await body(() => this.again.delete(key));
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, run);
    return run;
  }

  /** The run in flight for `key`, if any (shutdown waits for it). */
  current(key: string): Promise<unknown> | undefined {
    return this.running.get(key);
  }

  /** Every run in flight whose key starts with `prefix`. */
  inFlight(prefix: string): Promise<unknown>[] {
    return [...this.running].filter(([key]) => key.startsWith(prefix)).map(([, run]) => run);
  }
}
