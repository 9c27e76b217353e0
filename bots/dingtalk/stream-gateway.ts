// The emulator's websocket side (Node only): DingTalk's Stream gateway endpoint, served on
// the same HTTP server as the emulated OpenAPI, so the official `dingtalk-stream` client can
// connect to `${endpoint}?ticket=…` exactly as it does in production.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { serveOnNode } from '../common/emulator/serve';
import { createDingtalkEmulator, STREAM_PATH, type DingtalkEmulator, type DingtalkEmulatorOptions } from './emulator';

/** Handles websocket upgrades at STREAM_PATH for `emulator`; other upgrades are refused. */
export function attachStreamGateway(emulator: DingtalkEmulator, server: Server): { close(): void } {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) {
      socket.destroy();
      return;
    }
    const ticket = url.searchParams.get('ticket');
    if (!ticket || !emulator.stream.tickets.has(ticket)) {
      socket.write(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"code":"InvalidTicket","message":"ticket无效或已使用"}',
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = emulator.stream.open(ticket, {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: () => ws.close(1000, 'disconnect'),
        terminate: () => ws.terminate(),
      });
      if (!connection) {
        ws.close(4001, 'invalid ticket');
        return;
      }
      ws.on('message', (data) => emulator.stream.receive(connection, data.toString()));
      ws.on('close', () => emulator.stream.closed(connection));
      ws.on('error', () => emulator.stream.closed(connection));
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

/** Starts the emulator's HTTP API + Stream gateway on one port; resolves with its base URL. */
export async function startEmulatorServer(emulator: DingtalkEmulator, options: { port?: number; host?: string } = {}) {
  const served = await serveOnNode(emulator.app.fetch, options);
  const { url, server } = served;
  const gateway = attachStreamGateway(emulator, server);
  emulator.setBaseUrl(url);
  return {
    url,
    server,
    async close() {
      emulator.stream.stop();
      gateway.close();
      // Stream clients hold their sockets open; cut them rather than wait.
      server.closeAllConnections?.();
      await served.close();
    },
  };
}

/** `npm run emulator -- dingtalk --port 9002`: credentials from DINGTALK_* env or defaults. */
/** Serves the emulated API and the Stream gateway on one port (`npm run emulator -- dingtalk`). */
export async function runStandalone(options: { port: number; host?: string } & Partial<DingtalkEmulatorOptions>) {
  const env = process.env;
  const emulator = createDingtalkEmulator({
    clientId: options.clientId ?? env.DINGTALK_CLIENT_ID ?? 'dingemulatorkey',
    clientSecret: options.clientSecret ?? env.DINGTALK_CLIENT_SECRET ?? 'emulator-secret',
    robotCode:
      options.robotCode ?? env.DINGTALK_ROBOT_CODE ?? options.clientId ?? env.DINGTALK_CLIENT_ID ?? 'dingemulatorkey',
    callbackToken: options.callbackToken ?? env.DINGTALK_CALLBACK_TOKEN,
    callbackAesKey: options.callbackAesKey ?? env.DINGTALK_CALLBACK_AES_KEY,
    webhookUrl: options.webhookUrl ?? env.DINGTALK_EMULATOR_WEBHOOK_URL,
    eventsUrl: options.eventsUrl ?? env.DINGTALK_EMULATOR_EVENTS_URL,
    ...options,
  });
  const started = await startEmulatorServer(emulator, { port: options.port, host: options.host });
  console.log(
    `DingTalk emulator listening on ${started.url} (set DINGTALK_API_BASE=${started.url}; Stream gateway at ${started.url}/v1.0/gateway/connections/open)`,
  );
  return { ...started, emulator };
}
