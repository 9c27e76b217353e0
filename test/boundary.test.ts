// Architecture boundaries, checked on the source text so a violation fails CI:
// - core code runs on Workers: no Node built-ins or Node-only packages outside
//   the Node entry, the SQLite store, emulators, the DingTalk Stream client and tests;
// - platform knowledge stays in bots/<platform>/;
// - cards and the OKR domain stay pure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DIRS = ['src', 'bots', 'cards', 'storage', 'jobs'];

function sourceFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(ROOT, path));
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  '@hono/node-server',
  'ws',
  'dingtalk-stream',
  '@wecom/crypto',
  'node-cron',
  'playwright-core',
];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Files that may use Node: runtime entries, the SQLite store, emulators, the Stream client, scripts. */
const NODE_ALLOWED = [
  /^src\/node\.ts$/,
  /^src\/node\//,
  /^src\/cli/,
  /^storage\/sqlite\.ts$/,
  /^storage\/seed\//,
  /^bots\/[^/]+\/emulator\.ts$/,
  /^bots\/[^/]+\/emulator\//,
  /^bots\/dingtalk\/stream[^/]*\.ts$/,
  /^jobs\/node[^/]*\.ts$/,
];

const files = DIRS.flatMap(sourceFiles);

describe('module boundaries', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('src/app.ts');
  });

  it('keeps Node-only modules out of code that must run on Workers', () => {
    const violations = files
      .filter((f) => !NODE_ALLOWED.some((re) => re.test(f)))
      .flatMap((f) =>
        importsOf(f)
          .filter(
            (spec) =>
              BUILTINS.has(spec) ||
              BUILTINS.has(spec.split('/')[0]) ||
              NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`)),
          )
          .map((spec) => `${f} imports ${spec}`),
      );
    expect(violations).toEqual([]);
  });

  it('keeps platform knowledge inside bots/<platform>/', () => {
    const violations = files
      .filter((f) => !f.startsWith('bots/') && !/^src\/(platforms|node|playground)/.test(f))
      .flatMap((f) =>
        importsOf(f)
          .filter((spec) => /bots\/(lark|wecom|dingtalk)/.test(spec))
          .map((spec) => `${f} imports ${spec}`),
      );
    expect(violations).toEqual([]);
  });

  it('keeps adapters from reaching into each other or into the OKR core', () => {
    const violations = files
      .filter((f) => /^bots\/(lark|wecom|dingtalk)\//.test(f))
      .flatMap((f) => {
        const own = f.split('/')[1];
        return importsOf(f)
          .filter(
            (spec) =>
              (/bots\/(lark|wecom|dingtalk)|^\.\.\/(lark|wecom|dingtalk)\//.test(spec) && !spec.includes(own)) ||
              /(^|\/)(storage|src\/(okr|chat|api))\//.test(spec),
          )
          .map((spec) => `${f} imports ${spec}`);
      });
    expect(violations).toEqual([]);
  });

  it('keeps cards and the OKR domain pure', () => {
    const violations = files
      .filter((f) => /^(cards|src\/okr)\//.test(f))
      .flatMap((f) =>
        importsOf(f)
          .filter(
            (spec) =>
              /(^|\/)(bots|src\/(api|chat|inbound|outbox))\//.test(spec) ||
              /drizzle-orm|storage\/(db|sqlite|d1)/.test(spec),
          )
          .map((spec) => `${f} imports ${spec}`),
      );
    expect(violations).toEqual([]);
  });
});
