// Giving the event loop back. better-sqlite3 and card rendering never yield by themselves, so
// background work (the inbox, the outbox, jobs) yields between small slices to let waiting HTTP
// requests (webhook acknowledgements) run. `setImmediate` runs after the loop has polled for I/O
// and, unlike `setTimeout(0)`, adds no 1 ms floor per slice; where it does not exist (Workers,
// browsers) a zero timeout does the same job.

const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
