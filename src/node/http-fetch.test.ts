// The node:http fetch the adapters use on Node behaves as fetch does for what they need,
// against a real HTTP server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port';
import { BufferedResponse, MAX_RESPONSE_BYTES, nodeFetch } from './http-fetch';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hang') return; // never answers
      if (url.pathname === '/huge') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1));
        return;
      }
      if (url.pathname === '/empty') {
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname === '/fail') {
        res.writeHead(503, { 'x-ogw-ratelimit-reset': '7', 'content-type': 'application/json' });
        res.end('{"code":99991400}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(
        JSON.stringify({
          method: req.method,
          query: url.search,
          contentType: req.headers['content-type'],
          auth: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('nodeFetch', () => {
  it('sends the method, headers, query and UTF-8 body, and answers like fetch', async () => {
    const response = await nodeFetch(`${base}/open-apis/im/v1/messages?receive_id_type=open_id`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer t-1', 'content-type': 'application/json; charset=utf-8' }),
      body: JSON.stringify({ text: '更新 KR1 45％' }),
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      method: 'POST',
      query: '?receive_id_type=open_id',
      contentType: 'application/json; charset=utf-8',
      auth: 'Bearer t-1',
      body: JSON.stringify({ text: '更新 KR1 45％' }),
    });
    const form = await nodeFetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ a: '1 2' }) });
    expect(await form.json()).toMatchObject({
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'a=1+2',
    });
  });

  it('returns error statuses with their headers and body instead of throwing', async () => {
    const response = await nodeFetch(`${base}/fail`);
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    expect(response.headers.get('x-ogw-ratelimit-reset')).toBe('7');
    expect(await response.text()).toBe('{"code":99991400}');
  });

  it('rejects with the signal’s TimeoutError when the platform hangs', async () => {
    const started = Date.now();
    const error = await nodeFetch(`${base}/hang`, { signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects unreachable hosts with TypeError, like fetch, and oversized answers', async () => {
    const port = await freePort();
    await expect(nodeFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow(TypeError);
    await expect(nodeFetch(`${base}/huge`)).rejects.toThrow(/larger than/);
    await expect(nodeFetch('ftp://example.com/')).rejects.toThrow(TypeError);
  });

  it("reads its answer from memory, and otherwise as the built-in fetch's Response reads it", async () => {
    const both = async (path: string) => [await nodeFetch(`${base}${path}`), await fetch(`${base}${path}`)] as const;
    // Decoded from the bytes already read, not through a web stream per read (bench/webhook.ts's delivered run).
    expect(await nodeFetch(`${base}/fail`)).toBeInstanceOf(BufferedResponse);
    expect(await nodeFetch(`${base}/fail`)).toBeInstanceOf(Response);

    for (const read of ['text', 'json', 'arrayBuffer', 'blob'] as const) {
      for (const response of await both('/fail')) {
        expect(response.bodyUsed).toBe(false);
        const copy = response.clone();
        const value = await response[read]();
        expect(response.bodyUsed).toBe(true);
        await expect(response.text()).rejects.toThrow(TypeError);
        expect(() => response.clone()).toThrow(TypeError);
        const text =
          value instanceof Blob
            ? await value.text()
            : value instanceof ArrayBuffer
              ? Buffer.from(value).toString()
              : value;
        expect(read === 'json' ? text : String(text)).toEqual(
          read === 'json' ? { code: 99991400 } : '{"code":99991400}',
        );
        expect(await copy.text()).toBe('{"code":99991400}');
        if (value instanceof Blob) expect(value.type).toBe('application/json');
      }
    }

    // Read as a stream (outbound webhooks cap what they read): then it is spent, as fetch's is.
    for (const response of await both('/fail')) {
      const reader = response.body!.getReader();
      let streamed = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        streamed += Buffer.from(chunk.value).toString();
      expect(streamed).toBe('{"code":99991400}');
      expect(response.bodyUsed).toBe(true);
      await expect(response.text()).rejects.toThrow(TypeError);
    }
    for (const response of await both('/fail')) {
      await response.body!.cancel();
      expect(response.status).toBe(503);
    }

    // No content: no body, an empty text.
    for (const response of await both('/empty')) {
      expect(response.status).toBe(204);
      expect(response.body).toBeNull();
      expect(await response.text()).toBe('');
    }
  });
});
