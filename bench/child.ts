// What the benches that fork a server share: the Lark app the bench org is connected to, and
// waiting for one typed IPC message from a forked child.
import type { ChildProcess } from 'node:child_process';
import type { LarkApp } from './webhook-events';

/** The Lark app of the bench org (bench/webhook-seed.ts); the load and the emulator sign with it. */
export const BENCH_LARK_APP: LarkApp & { appSecret: string } = {
  appId: 'cli_bench_app',
  appSecret: 'bench-secret',
  verificationToken: 'bench-verification-token',
  encryptKey: 'bench-encrypt-key',
  tenantKey: 'tenant_bench',
};

/** The child's next IPC message of this type; rejects if the child exits first. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A server's CPU use so far and its answers by status (bench/webhook-server.ts answers {type:'cpu'}). */
export interface CpuMark {
  usage: NodeJS.CpuUsage;
  answered: Record<string, number>;
}

/** The server process's own CPU mark, asked over IPC. */
export async function serverMark(server: ChildProcess): Promise<CpuMark> {
  const reply = nextMessage<CpuMark>(server, 'cpu');
  server.send({ type: 'cpu' });
  return reply;
}
