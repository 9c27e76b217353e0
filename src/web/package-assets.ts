// Browser bundles the dashboard serves from node_modules (ECharts, @wecom/jssdk).
//
// Why not import them into the Worker bundle: each would add up to a megabyte to every
// Worker cold start (and need a wrangler Text rule plus a different loader for tsx/vitest).
// Instead:
// - On Node (the common deployment, tests and the playground) a route reads the file
//   once through `process.getBuiltinModule` (Node ≥ 20.16), which needs no `node:`
//   import, so this module still bundles for Workers unchanged.
// - On Workers (no filesystem) the page loads the bundle from a URL the operator sets
//   (ECHARTS_URL, WECOM_JSSDK_URL); without one the feature degrades (tables instead of
//   charts, no share button).

type Fs = { readFileSync(path: string, enc: 'utf8'): string };
type ModuleApi = { createRequire(from: string): { resolve(id: string): string } };
type NodeProcess = {
  getBuiltinModule?: (id: string) => unknown;
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
};

const cache = new Map<string, Promise<string | undefined>>();

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

/** A file of an installed package (e.g. `echarts/dist/echarts.min.js`), or undefined where there is no filesystem. */
export function packageFile(specifier: string): Promise<string | undefined> {
  let source = cache.get(specifier);
  if (!source) {
    source = (async () => {
      const proc = nodeProcess();
      if (!proc) return undefined;
      try {
        const fs = proc.getBuiltinModule!('node:fs') as Fs;
        const mod = proc.getBuiltinModule!('node:module') as ModuleApi;
        return fs.readFileSync(mod.createRequire(import.meta.url).resolve(specifier), 'utf8');
      } catch {
        return undefined; // a Worker with nodejs_compat has the API but no node_modules
      }
    })();
    cache.set(specifier, source);
  }
  return source;
}

/** Where a page should load a bundle from: the operator's `variable` (an http(s) URL, from bindings or env), else our own route. */
export function assetUrl(env: unknown, variable: string, ownRoute: string, schemes = /^https?:\/\//): string {
  const fromEnv = (env as Record<string, unknown> | undefined)?.[variable] ?? nodeProcess()?.env?.[variable];
  return typeof fromEnv === 'string' && schemes.test(fromEnv) ? fromEnv : ownRoute;
}

export const echartsSource = () => packageFile('echarts/dist/echarts.min.js');
export const echartsUrl = (env: unknown) => assetUrl(env, 'ECHARTS_URL', '/dashboard/assets/echarts.min.js');
