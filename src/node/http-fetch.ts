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

/**
 * The runtime's own Response, taken when this module loads: @hono/node-server's serve() later puts a
 * lightweight wrapper in its place, whose every read builds one of these first.
 */
const NativeResponse = globalThis.Response;

/**
 * An answer already read into memory. text(), json(), arrayBuffer() and blob() decode its bytes
 * directly; a Response built around the bytes passed them through a web stream on every read,
 * 0.1–0.5 ms of CPU a call in an A/B of 400 sends (docs/ARCHITECTURE.md). Whoever asks for
 * `body` (outbound webhooks read it with a cap) gets a real Response's stream, and from then on
 * every read goes through that Response.
 */
export class BufferedResponse extends NativeResponse {
  readonly #bytes: Buffer | null;
  #read = false;
  /** The Response `body` was taken from, once someone asked for it. */
  #streamed?: Response;

  constructor(bytes: Buffer | null, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  #native(): Response {
    // Reached before any read (body), or after body was handed out: the bytes are still unread.
    this.#streamed ??= new NativeResponse(this.#bytes && new Uint8Array(this.#bytes), this);
    return this.#streamed;
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#read) return null;
    return this.#native().body;
  }

  override get bodyUsed(): boolean {
    return this.#streamed ? this.#streamed.bodyUsed : this.#read;
  }

  /** The bytes, once (a second read fails, as fetch's does); undefined once `body` was handed out. */
  #take(): Buffer | undefined {
    if (this.#streamed) return undefined;
    if (this.#read) throw new TypeError('Body is unusable: Body has already been read');
    this.#read = true;
    return this.#bytes ?? Buffer.alloc(0);
  }

  override async text(): Promise<string> {
    const bytes = this.#take();
    return bytes ? bytes.toString('utf8') : this.#native().text();
  }

  override async json(): Promise<unknown> {
    const bytes = this.#take();
    return bytes ? JSON.parse(bytes.toString('utf8')) : this.#native().json();
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    if (!bytes) return this.#native().arrayBuffer();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  override async blob(): Promise<Blob> {
    const bytes = this.#take();
    return bytes
      ? new Blob([new Uint8Array(bytes)], { type: this.headers.get('content-type') ?? '' })
      : this.#native().blob();
  }

  override clone(): Response {
    if (this.#streamed) return this.#streamed.clone();
    if (this.#read) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.#bytes, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}

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
          new BufferedResponse(empty ? null : Buffer.concat(chunks), {
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
