// The ECharts browser bundle (node_modules/echarts/dist/echarts.min.js, ~1.1 MB).
//
// Why not import it into the Worker bundle: it would add a megabyte to every Worker
// cold start (and need a wrangler Text rule plus a different loader for tsx/vitest).
// Instead:
// - On Node (the common deployment, tests and the playground) the route reads the file
//   once through `process.getBuiltinModule` (Node ≥ 20.16), which needs no `node:`
//   import, so this module still bundles for Workers unchanged.
// - On Workers (no filesystem) the page loads ECharts from `ECHARTS_URL` when that
//   variable is set (e.g. a CDN or your own static host); otherwise the charts fall
//   back to the accessible tables the page renders anyway.

type Fs = { readFileSync(path: string, enc: 'utf8'): string };
type ModuleApi = { createRequire(from: string): { resolve(id: string): string } };
type NodeProcess = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string }; env?: Record<string, string | undefined> };

let cached: Promise<string | undefined> | undefined;

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

/** The bundle's source, or undefined where there is no filesystem to read it from. */
export function echartsSource(): Promise<string | undefined> {
  cached ??= (async () => {
    const proc = nodeProcess();
    if (!proc) return undefined;
    try {
      const fs = proc.getBuiltinModule!('node:fs') as Fs;
      const mod = proc.getBuiltinModule!('node:module') as ModuleApi;
      return fs.readFileSync(mod.createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
    } catch {
      return undefined; // a Worker with nodejs_compat has the API but no node_modules
    }
  })();
  return cached;
}

/** Where the page should load ECharts from: an operator's ECHARTS_URL, else our own route. */
export function echartsUrl(env: unknown): string {
  const fromEnv = (env as Record<string, unknown> | undefined)?.ECHARTS_URL ?? nodeProcess()?.env?.ECHARTS_URL;
  return typeof fromEnv === 'string' && /^https?:\/\//.test(fromEnv) ? fromEnv : '/dashboard/assets/echarts.min.js';
}
