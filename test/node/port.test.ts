// The port a server starts on: a taken port is reported as such (it used to surface as an
// uncaught EADDRINUSE that crashed whatever ran the server), and freePort() only offers ports
// outside the OS's ephemeral range, so the next socket the OS opens cannot steal one.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { freePort } from '../../src/node/free-port';
import { tempDbPath } from '../helpers/app';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, () => resolve(server));
  });
}

describe('server port', () => {
  it('rejects start-up with a clear message when the port is taken', async () => {
    const port = await freePort();
    const squatter = await listen(port);
    cleanups.push(() => new Promise<void>((done) => squatter.close(() => done())));
    const db = tempDbPath();
    cleanups.push(db.cleanup);
    await expect(
      startNode({
        env: { ADMIN_TOKEN: 'port-test-admin-token-0123456789' },
        config: { port, databasePath: db.path },
        quiet: true,
        scheduler: false,
      }),
    ).rejects.toThrow(`port ${port} is already in use`);
  });

  it('offers free ports below the ephemeral range', async () => {
    const [low] = (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeLessThan(Number(low));
      const server = await listen(port);
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});
