// Polling for end-to-end tests: the server answers platforms asynchronously (through the
// outbox), so tests look again until what they expect has arrived.

type Falsy = undefined | null | false | 0 | '';

export interface PollOptions {
  /** Runs before each look, e.g. draining the outbox so due messages go out first. */
  settle?: () => Promise<unknown>;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Calls `look` until it returns something truthy and returns that; throws naming `what` after the timeout. */
export async function pollUntil<T>(
  look: () => T | Falsy | Promise<T | Falsy>,
  what: string,
  options: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    await options.settle?.();
    const value = await look();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}

/** `waitFor(look, what, timeoutMs?)` for a running stack: flushes its outbox before each look. */
export function stackWaitFor(stack: () => { flush(): Promise<void> }) {
  return <T>(look: () => T | Falsy | Promise<T | Falsy>, what: string, timeoutMs = 5000): Promise<T> =>
    pollUntil(look, what, { settle: () => stack().flush(), timeoutMs });
}
