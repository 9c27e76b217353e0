// `wrangler dev --local` for tests: applies the D1 migrations into a fresh
// persist folder, starts workerd on free ports and waits for /healthz. Ports are
// picked free but can be taken by a parallel test before workerd binds them, so
// an "Address already in use" start is retried on new ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/node/free-port';

const ROOT = join(import.meta.dirname, '..', '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

export interface WranglerDev {
  base: string;
  /** The wrangler process (workerd runs as its descendant). */
  pid: number;
  /** Everything wrangler printed, for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

function run(args: string[]) {
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000 });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

export async function startWranglerDev(
  options: { vars?: Record<string, string>; seedSql?: string; extraArgs?: string[] } = {},
): Promise<WranglerDev> {
  const persist = mkdtempSync(join(tmpdir(), 'polaris-d1-'));
  run(['d1', 'migrations', 'apply', 'polaris', '--local', '--persist-to', persist]);
  if (options.seedSql) {
    const seedFile = join(persist, 'seed.sql');
    writeFileSync(seedFile, options.seedSql);
    run(['d1', 'execute', 'polaris', '--local', '--persist-to', persist, '--file', seedFile]);
  }
  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    let output = '';
    const child: ChildProcess = spawn(
      WRANGLER,
      [
        'dev',
        '--local',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--persist-to',
        persist,
        ...vars,
        ...(options.extraArgs ?? []),
        '--inspector-port',
        String(await freePort()),
        '--show-interactive-dev-session=false',
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const base = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode == null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          child.once('exit', r);
          setTimeout(r, 5000);
        });
      }
    };
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode != null) break;
      try {
        if ((await fetch(`${base}/healthz`)).ok) {
          return {
            base,
            pid: child.pid!,
            output: () => output,
            stop: async () => {
              await stop();
              rmSync(persist, { recursive: true, force: true });
            },
          };
        }
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not answer in time:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    if (!/Address already in use/.test(output) || attempt >= 3)
      throw new Error(`wrangler dev exited early:\n${output}`);
  }
}
