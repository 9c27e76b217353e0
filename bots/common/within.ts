// Platforms give a webhook a few seconds to answer (Lark 3 s, WeCom 5 s, DingTalk
// 1.5 s) before they push the same event again. Adapters wait for the core up to a
// budget, answer, and let slower work finish in the background.

export type Timed<T> = { done: true; value: T } | { done: false };

/** `promise`'s value if it settles within `ms` (an infinite `ms`: whenever it settles); a rejection within `ms` rejects. */
export function within<T>(promise: Promise<T>, ms: number): Promise<Timed<T>> {
  if (!Number.isFinite(ms)) return promise.then((value) => ({ done: true as const, value }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * How long an adapter waits for `ctx.dispatch(event)` before answering: its budget, except for a
 * message the core stores before handling (`ctx.storesMessages`), which is answered only once
 * stored, however long that takes (bots/types.ts WebhookContext.storesMessages).
 */
export function answerBudget(ctx: { storesMessages?: boolean }, event: { type: string }, budgetMs: number): number {
  return ctx.storesMessages && event.type === 'message' ? Number.POSITIVE_INFINITY : budgetMs;
}
