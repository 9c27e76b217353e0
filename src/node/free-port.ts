// A free local TCP port (Node only): for the playground when PORT=0, whose emulators need the
// port up front, and for tests that start servers of their own.
import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768-60999 by default). A port the OS hands out for port 0 or
// for an outgoing connection's local end comes from that range, so a port picked here and
// released cannot be taken by the next socket the OS opens before our server binds it, which
// is what happened when freePort() returned an OS-chosen port (EADDRINUSE under parallel tests).
const FIRST = 20_000;
const LAST = 32_000;
const ATTEMPTS = 50;

function tryPort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    // No host: the same wildcard bind the server makes when HOST is unset.
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

/** A random port outside the OS's ephemeral range that nothing listens on right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (await tryPort(port)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST} after ${ATTEMPTS} attempts`);
}
