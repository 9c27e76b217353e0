// Serving a platform emulator over HTTP on Node, shared by the three emulators. Node is
// loaded lazily (dynamic import) so the emulators themselves still load on Workers.
import type { Server } from 'node:http';

export interface ServedEmulator {
  url: string;
  server: Server;
  /** Stops accepting connections and resolves once open ones have ended. */
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one); rejects when the port cannot be bound. */
export async function serveOnNode(
  fetch: (request: Request) => Response | Promise<Response>,
  options: { port?: number; host?: string } = {},
): Promise<ServedEmulator> {
  const { createAdaptorServer } = await import('@hono/node-server');
  const server = createAdaptorServer({ fetch }) as Server;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
      }),
  };
}

/** The environment of a standalone emulator (`npm run emulator`), empty where there is no `process`. */
export function standaloneEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
}

/** The server's webhook for `platform` under PUBLIC_URL, when no webhook URL was given. */
export function defaultWebhookUrl(env: Record<string, string | undefined>, platform: string): string | undefined {
  return env.PUBLIC_URL ? `${env.PUBLIC_URL.replace(/\/$/, '')}/webhooks/${platform}` : undefined;
}
