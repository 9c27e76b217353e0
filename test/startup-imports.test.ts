// Memory at rest (issue 16 goal 5): packages that only a few requests use are imported with
// `import()` when first needed, never statically from the server's start (src/node.ts), so an
// idle server does not hold them. Checked on the source text: the static import graph from the
// Node entry (type-only imports are erased and do not count) must not reach them.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Packages an idle server must not have loaded, and the requests that load them. */
const LAZY: Record<string, string> = {
  jschardet: 'a people import that is not UTF-8',
  'iconv-lite': 'a people import in GB18030 or UTF-16',
  'write-excel-file/universal': "the review sheet's xlsx download",
  'dingtalk-stream': 'DingTalk Stream mode, when configured',
  '@larksuiteoapi/node-sdk': 'Lark long-connection mode, when configured',
  'playwright-core': 'browser tests and screenshots only',
};

function staticImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs: string[] = [];
  const re = /(?:^|[\s;])(import|export)\s+(?!type\s)([^'"]*?)from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[3] ?? m[4]);
  return specs;
}

function resolve(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    try {
      readFileSync(join(ROOT, candidate));
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Every package imported statically from `entry`, with one chain of files that reaches it. */
function reachablePackages(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>([entry]);
  const queue: { file: string; path: string[] }[] = [{ file: entry, path: [entry] }];
  while (queue.length) {
    const { file, path } = queue.shift()!;
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, path);
        continue;
      }
      const next = resolve(file, spec);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push({ file: next, path: [...path, next] });
      }
    }
  }
  return packages;
}

describe('the server starts without the packages few requests need', () => {
  const reached = reachablePackages('src/node.ts');

  it('finds the static graph (drizzle and hono are reached)', () => {
    expect(reached.has('drizzle-orm')).toBe(true);
    expect(reached.has('hono')).toBe(true);
  });

  it.each(Object.entries(LAZY))('%s is imported only when needed (%s)', (pkg) => {
    expect(reached.get(pkg), `${pkg} is imported statically through ${reached.get(pkg)?.join(' → ')}`).toBe(undefined);
  });
});
