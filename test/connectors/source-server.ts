// A local HTTP(S)-source stand-in for connector tests: a real node:http server whose routes
// answer JSON, CSV, garbage, errors or nothing at all, and which records the headers it got.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export async function startSourceServer(routes: Record<string, Route>) {
  const requests: { path: string; headers: IncomingMessage['headers'] }[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.push({ path, headers: req.headers });
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    open.add(res);
    res.on('close', () => open.delete(res));
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const json =
  (body: unknown, status = 200): Route =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export const text =
  (body: string, status = 200, type = 'text/plain'): Route =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': type }).end(body);
