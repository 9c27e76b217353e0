// A free local TCP port (Node only): for the playground when PORT=0, whose emulators need the
// port up front, and for tests that start servers of their own.
import { createServer } from 'node:net';

/** Binds port 0 on 127.0.0.1, reads the port the OS picked and releases it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}
