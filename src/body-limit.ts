// One cap on the size of every request body, per route, enforced while the body streams
// in: a request that declares more than its cap (Content-Length) is answered 413 before a
// byte is read (and one that declares less is read as declared, no more), and a chunked
// body (no Content-Length) is counted as it arrives and cut
// off at the cap, so nothing larger than the cap is ever held in memory. The handler that
// was reading it fails, nothing it meant to store is stored, and the answer is 413
// whatever the handler made of the failure. Caps are documented in the README and SECURITY.md.
import type { MiddlewareHandler } from 'hono';

const KB = 1024;
const MB = 1024 * KB;

/** Route prefix → cap in bytes; the longest matching prefix wins. */
export const BODY_LIMITS: readonly { prefix: string; maxBytes: number; why: string }[] = [
  { prefix: '/api/v1/people/import', maxBytes: 10 * MB, why: 'people imports (JSON or CSV) of large orgs' },
  { prefix: '/api/v1/metrics', maxBytes: 4 * MB, why: 'metric batches from business systems' },
  { prefix: '/api/v1', maxBytes: 1 * MB, why: 'admin API bodies' },
  // Lark allows text messages of 150 KB; encrypted (base64) and wrapped that stays far below 1 MB.
  { prefix: '/webhooks', maxBytes: 1 * MB, why: 'platform events and card callbacks' },
  { prefix: '/emulators', maxBytes: 1 * MB, why: 'the bot calling the playground’s emulated platform APIs' },
  // The rule builder's form: up to 1000 picked people and two 1000-character suggestions, URL-encoded.
  { prefix: '/dashboard/rules', maxBytes: 128 * KB, why: 'the rule builder form' },
  { prefix: '/dashboard/data/rules', maxBytes: 128 * KB, why: "the rule builder's live preview (the same form)" },
  { prefix: '/dashboard', maxBytes: 16 * KB, why: 'sign-in, sign-out and the dashboard’s admin forms' },
  { prefix: '/playground', maxBytes: 16 * KB, why: 'one chat message or click' },
];
/** Any route not listed above. */
export const DEFAULT_BODY_LIMIT = 16 * KB;

export function bodyLimitFor(path: string): number {
  let best: { prefix: string; maxBytes: number } | undefined;
  for (const limit of BODY_LIMITS)
    if (
      (path === limit.prefix || path.startsWith(`${limit.prefix}/`)) &&
      limit.prefix.length > (best?.prefix.length ?? -1)
    )
      best = limit;
  return best?.maxBytes ?? DEFAULT_BODY_LIMIT;
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Request body is larger than ${formatBytes(maxBytes)}.`);
    this.name = 'BodyTooLargeError';
  }
}

function formatBytes(n: number): string {
  return n >= MB ? `${n / MB} MB` : `${Math.round(n / KB)} KB`;
}

function tooLarge(maxBytes: number): Response {
  const error = {
    code: 'payload_too_large',
    message: `Request body is larger than ${formatBytes(maxBytes)}; nothing was stored.`,
    message_zh: `请求体超过 ${formatBytes(maxBytes)}，未保存任何内容。`,
  };
  return new Response(JSON.stringify({ error }), {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

export function bodyLimit(limitFor: (path: string) => number = bodyLimitFor): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    const maxBytes = limitFor(c.req.path);
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > maxBytes) return tooLarge(maxBytes);
    // A declared length within the cap is all the runtime reads as this request's body (Node's HTTP
    // parser and Workers stop at Content-Length; later bytes are the next request, and a request with
    // both Content-Length and chunked encoding is refused by the parser), so there is nothing to count.
    // Not touching `request.body` keeps @hono/node-server's direct read of the body: the counting
    // stream below turns every push into two web streams and a second Request, a sizeable share of
    // a webhook acknowledgement's CPU (bench/burst.ts).
    if (declared !== null && /^\d+$/.test(declared)) return next();
    if (!request.body) return next();
    let seen = 0;
    let exceeded = false;
    const counted = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            exceeded = true;
            controller.error(new BodyTooLargeError(maxBytes));
          } else controller.enqueue(chunk);
        },
      }),
      // Cancelling the source would tear the connection down before the 413 goes out; the
      // runtime discards the rest of the upload after answering (@hono/node-server: ≤ 64 MB or 500 ms).
      { preventCancel: true },
    );
    c.req.raw = new Request(request, { body: counted, duplex: 'half' } as RequestInit);
    try {
      await next();
    } catch (error) {
      if (!exceeded) throw error;
    }
    // Whatever the handler answered after its read failed (400, 500, a platform's own error), it is 413.
    if (exceeded) {
      // Not merged with the handler's answer (its Content-Length and cookies would stick): replaced.
      c.res = undefined;
      c.res = tooLarge(maxBytes);
    }
  };
}
