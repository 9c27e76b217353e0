// A webhook subscriber on localhost for tests: a real HTTP server that records each request
// (headers and raw body) and answers as the test says: up (204), down (503) or hanging.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

export type Mode = 'up' | 'down' | 'hang';

export async function startSubscriber(initial: Mode = 'up') {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  let mode: Mode = initial;
  let attempts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (mode === 'hang') {
        hanging.push(res);
        return;
      }
      if (mode === 'down') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance window');
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/polaris-events`,
    received,
    get attempts() {
      return attempts;
    },
    /** Requests held open by 'hang'. */
    hanging,
    set(next: Mode) {
      mode = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Subscriber = Awaited<ReturnType<typeof startSubscriber>>;
