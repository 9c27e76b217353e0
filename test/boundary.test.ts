// Architecture boundaries, checked on the source text so a violation fails CI:
// - dependencies point one way: core → storage → cards → bots → jobs → src, each
//   folder importing only itself and the folders before it, with no cycle between files;
// - code that runs on Workers: no Node built-ins or Node-only packages outside
//   the Node entry, the SQLite store, emulators, the DingTalk Stream client and tests;
// - platform knowledge stays in bots/<platform>/;
// - cards and the OKR domain stay pure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
/** The layers, lowest first: a file may import its own folder and the folders before it. */
const LAYERS = ['core', 'storage', 'cards', 'bots', 'jobs', 'src'] as const;
const DIRS = [...LAYERS];

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
const fileSet = new Set(files);

/** A relative import resolved to a source file (the same rules as the bundler: .ts, .tsx, index). */
function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = normalize(join(dirname(from), spec));
  return [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`].find((c) => fileSet.has(c));
}

const graph = new Map(files.map((f) => [f, importsOf(f).flatMap((spec) => resolveImport(f, spec) ?? [])] as const));

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0] as (typeof LAYERS)[number]);

/** Strongly connected sets of more than one file (Tarjan): each is an import cycle. */
export function importCycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const set: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        set.push(w);
      } while (w !== v);
      if (set.length > 1 || (g.get(v) ?? []).includes(v)) cycles.push(set.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('module boundaries', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('src/app.ts');
  });

  it('points every import down the layers (core → storage → cards → bots → jobs → src)', () => {
    const violations = [...graph].flatMap(([f, targets]) =>
      targets.filter((t) => layerOf(t) > layerOf(f)).map((t) => `${f} imports ${t} from a higher layer`),
    );
    expect(violations).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks above can fail)', () => {
    const cyclic = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/c.ts']],
      ['src/c.ts', ['src/a.ts']],
      ['core/x.ts', []],
    ]);
    expect(importCycles(cyclic)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
    expect(layerOf('src/a.ts')).toBeGreaterThan(layerOf('jobs/a.ts'));
    expect(layerOf('core/a.ts')).toBe(0);
    expect(graph.get('src/app.ts')?.length).toBeGreaterThan(3);
  });

  it('keeps core free of storage, frameworks and runtimes', () => {
    const violations = files
      .filter((f) => f.startsWith('core/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((spec) => !spec.startsWith('.') && spec !== 'zod')
          .map((spec) => `${f} imports ${spec}`),
      );
    expect(violations).toEqual([]);
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
      .filter((f) => !f.startsWith('bots/') && !/^src\/(platforms|node|playground|config\.ts)/.test(f))
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
              /(^|\/)(storage|core\/okr|src\/(chat|api))\//.test(spec),
          )
          .map((spec) => `${f} imports ${spec}`);
      });
    expect(violations).toEqual([]);
  });

  it('keeps cards and the OKR domain pure', () => {
    const violations = files
      .filter((f) => /^(cards|core)\//.test(f))
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
