// Platforms give a webhook a few seconds to answer (Lark 3 s, WeCom 5 s, DingTalk
// 1.5 s) before they push the same event again. Adapters wait for the core up to a
// budget, answer, and let slower work finish in the background.

export type Timed<T> = { done: true; value: T } | { done: false };

/** `promise`'s value if it settles within `ms`; a rejection within `ms` rejects. */
export function within<T>(promise: Promise<T>, ms: number): Promise<Timed<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]).finally(() =>
    clearTimeout(timer),
  );
}
