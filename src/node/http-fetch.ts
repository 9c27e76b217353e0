// Node-only: the `fetch` the platform clients use on Node (src/node.ts passes it to the adapters).
// Node's built-in fetch (undici) spends about 1–3 ms of CPU per small POST on the bench machine
// (a web stream per body, the fetch spec's bookkeeping); node:http with keep-alive agents spends
// a fraction of that, and every delivered reply is one such call. Workers keep the platform fetch.
//
// It does what the clients need of fetch, and says so where it does less: methods, headers,
// string / bytes / URLSearchParams bodies, an AbortSignal (rejecting with its reason, as fetch
// does: a TimeoutError for AbortSignal.timeout), network errors as TypeError('fetch failed'),
// redirects not followed (the platform APIs answer directly; a 3xx comes back as it is), and
// answers of at most MAX_RESPONSE_BYTES.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A platform API answer larger than this is refused (theirs are kilobytes). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('node fetch: unsupported body type (string, bytes or URLSearchParams only)');
}

export const nodeFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    let body: Buffer | undefined;
    try {
      body = bodyBytes(init.body);
    } catch (error) {
      return reject(error);
    }
    if (body && init.body instanceof URLSearchParams && !headers['content-type'])
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    if (body && init.body !== undefined && typeof init.body === 'string' && !headers['content-type'])
      headers['content-type'] = 'text/plain;charset=UTF-8';
    if (body) headers['content-length'] = String(body.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const req = send(url, { method: (init.method ?? 'GET').toUpperCase(), headers, agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          res.destroy();
          fail(new TypeError(`fetch failed: answer larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) =>
        fail(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })),
      );
      res.on('end', () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers))
          if (value !== undefined) for (const v of [value].flat()) responseHeaders.append(key, v);
        const status = res.statusCode ?? 500;
        // Response refuses a body with 204/304 (and statuses below 200).
        const empty = status === 204 || status === 304 || status < 200;
        resolve(
          new Response(empty ? null : Buffer.concat(chunks), {
            status,
            statusText: res.statusMessage,
            headers: responseHeaders,
          }),
        );
      });
    });
    const onAbort = () => {
      req.destroy();
      fail(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => fail(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })));
    req.end(body);
  });
