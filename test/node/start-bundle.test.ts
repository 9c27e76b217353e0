// `npm start` as users run it: scripts/start.mjs bundles the server with esbuild and runs the bundle
// on plain Node (no tsx loader thread: issue 16 goal 5, memory at rest). The bundle must find its
// migrations, seed the playground, answer, and shut down cleanly on SIGTERM like `tsx src/node.ts`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/node/free-port';
import { tempDbPath } from '../helpers/app';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start (the bundle)', () => {
  it('builds, migrates an empty database, serves the playground and stops on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const { scripts } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: { start: string } };
    const [command, ...args] = scripts.start.split(/\s+/);
    expect(command).toBe('node');
    const port = await freePort();
    const db = tempDbPath();
    let output = '';
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: db.path, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 90_000;
      for (;;) {
        expect(child.exitCode, output).toBeNull();
        const health = await fetch(`${base}/healthz`).then(
          async (r) => (r.ok ? ((await r.json()) as { storage: string }) : undefined),
          () => undefined,
        );
        if (health) {
          expect(health.storage).toBe('sqlite');
          break;
        }
        if (Date.now() > deadline) throw new Error(`no answer from the bundle:\n${output}`);
        await sleep(200);
      }
      const playground = await fetch(`${base}/playground`);
      expect(playground.status).toBe(200);
      expect(await playground.text()).toContain('<html lang="zh-CN"');
      expect(output).toContain('loaded the demo org');
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toMatch(/stopped in \d+ ms/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      db.cleanup();
    }
  });
});
