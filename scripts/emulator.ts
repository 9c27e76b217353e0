// `npm run emulator -- <lark|wecom|dingtalk> [--port N] [--webhook URL]`:
// runs one platform emulator on its own, so any client (the official SDKs
// included) can be pointed at it during local development.
import { parseArgs } from 'node:util';

const PLATFORMS = {
  lark: { port: 9000, load: () => import('../bots/lark/emulator') },
  wecom: { port: 9001, load: () => import('../bots/wecom/emulator') },
  dingtalk: { port: 9002, load: () => import('../bots/dingtalk/stream-gateway') },
} as const;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, webhook: { type: 'string' } },
});
const name = positionals[0] as keyof typeof PLATFORMS | undefined;
if (!name || !(name in PLATFORMS)) {
  console.error(`usage: npm run emulator -- <${Object.keys(PLATFORMS).join('|')}> [--port N] [--webhook URL]`);
  process.exit(2);
}
const platform = PLATFORMS[name];
const port = values.port ? Number(values.port) : platform.port;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a number from 0 to 65535, got ${values.port}`);
  process.exit(2);
}
const mod = (await platform.load()) as {
  runStandalone(options: { port: number; webhookUrl?: string }): Promise<{ url: string; close(): Promise<void> }>;
};
const running = await mod.runStandalone({ port, webhookUrl: values.webhook });
console.log(`${name} emulator listening at ${running.url}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    void running.close().then(() => process.exit(0));
  });
