// The dashboard as a WeCom H5 page: with `?platform=wecom` (or inside the WeCom client,
// whose user agent says `wxwork`) the page also loads @wecom/jssdk and a small script
// that adds "share this objective" (ww.shareAppMessage). Identity does not come from the
// JS-SDK: the app's home page is /dashboard/sso/wecom/start (the OAuth code flow).
//   GET /dashboard/sso/wecom/jssdk.js       the SDK's browser build (Node: from node_modules)
//   GET /dashboard/sso/wecom/h5.js          register + the share button
//   GET /dashboard/sso/wecom/jsapi-config   the wx.config signature for ?url= (signed-in only)
// On Workers there is no node_modules: set WECOM_JSSDK_URL (e.g. a CDN copy of
// wecom.global.prod.js) or the share button simply does not appear.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { claimsOf } from './viewer';

type Fs = { readFileSync(path: string, enc: 'utf8'): string };
type ModuleApi = { createRequire(from: string): { resolve(id: string): string } };
type NodeProcess = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string }; env?: Record<string, string | undefined> };

const SDK_ROUTE = '/dashboard/sso/wecom/jssdk.js';
let sdk: Promise<string | undefined> | undefined;

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

/** The SDK's browser build (defines `window.ww`), read once; undefined without a filesystem. */
function sdkSource(): Promise<string | undefined> {
  sdk ??= (async () => {
    const proc = nodeProcess();
    if (!proc) return undefined;
    try {
      const fs = proc.getBuiltinModule!('node:fs') as Fs;
      const mod = proc.getBuiltinModule!('node:module') as ModuleApi;
      return fs.readFileSync(mod.createRequire(import.meta.url).resolve('@wecom/jssdk/dist/wecom.global.prod.js'), 'utf8');
    } catch {
      return undefined;
    }
  })();
  return sdk;
}

function sdkUrl(env: unknown): string {
  const fromEnv = (env as Record<string, unknown> | undefined)?.WECOM_JSSDK_URL ?? nodeProcess()?.env?.WECOM_JSSDK_URL;
  return typeof fromEnv === 'string' && /^https:\/\//.test(fromEnv) ? fromEnv : SDK_ROUTE;
}

/** Plain ES5 for the WeCom webview; does nothing unless the SDK and a signature are there. */
export const WECOM_H5_JS = `(function () {
  'use strict';
  var ww = window.ww;
  var panel = document.getElementById('panel');
  if (!ww || !ww.register || !ww.shareAppMessage || !panel) return;
  var url = location.href.split('#')[0];
  fetch('/dashboard/sso/wecom/jsapi-config?url=' + encodeURIComponent(url), { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(function (cfg) {
      ww.register({
        corpId: cfg.corpId, agentId: cfg.agentId, jsApiList: ['shareAppMessage'],
        getConfigSignature: function () { return { timestamp: cfg.timestamp, nonceStr: cfg.nonceStr, signature: cfg.signature }; }
      });
      var en = (document.documentElement.lang || '').indexOf('en') === 0;
      var button = document.createElement('button');
      button.type = 'button';
      button.id = 'wecom-share';
      button.className = 'btn';
      button.textContent = en ? 'Share this objective' : '\\u5206\\u4eab\\u8fd9\\u4e2a\\u76ee\\u6807';
      button.addEventListener('click', function () {
        var heading = panel.getAttribute('data-id') ? panel.querySelector('h3, h2') : null;
        ww.shareAppMessage({
          title: (heading && heading.textContent) || document.title,
          desc: document.title,
          link: location.origin + '/dashboard/sso/wecom/start',
          imgUrl: ''
        });
      });
      panel.insertBefore(button, panel.firstChild);
    })
    .catch(function () { /* not inside WeCom, or not signed: no share button */ });
})();
`;

export const wecomH5Routes = new Hono<AppEnv>();

wecomH5Routes.get('/jssdk.js', async (c) => {
  const source = await sdkSource();
  if (!source) return c.text('The WeCom JS-SDK is not bundled in this runtime; set WECOM_JSSDK_URL.', 404);
  return c.body(source, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
});

wecomH5Routes.get('/h5.js', (c) => c.body(WECOM_H5_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }));

wecomH5Routes.get('/jsapi-config', async (c) => {
  if (!(await claimsOf(c))) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
  const adapter = c.get('deps').adapters.get('wecom');
  if (!adapter?.jsapiConfig) return c.json({ error: { code: 'not_found', message: 'WeCom is not configured.' } }, 404);
  const url = c.req.query('url') ?? '';
  let page: URL;
  try { page = new URL(url); } catch { return c.json({ error: { code: 'bad_request', message: 'url: an absolute URL is required' } }, 400); }
  // Only our own pages: a signature is a capability for the URL it names.
  if (page.host !== new URL(c.req.url).host && page.origin !== c.get('deps').config.publicUrl?.replace(/\/$/, '')) {
    return c.json({ error: { code: 'bad_request', message: 'url: not a page of this server' } }, 400);
  }
  try {
    return c.json(await adapter.jsapiConfig(url));
  } catch (err) {
    return c.json({ error: { code: 'upstream', message: err instanceof Error ? err.message : String(err) } }, 502);
  }
});

function wantsWecomH5(c: Context): boolean {
  return c.req.query('platform') === 'wecom' || /wxwork/i.test(c.req.header('user-agent') ?? '');
}

/** For GET /dashboard: adds the SDK and the share script to the page when it is opened in WeCom. */
export const wecomH5Page: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== 'GET' || c.res.status !== 200 || !wantsWecomH5(c) || !c.get('deps').adapters.get('wecom')?.jsapiConfig) return;
  if (!(c.res.headers.get('content-type') ?? '').includes('text/html')) return;
  const html = await c.res.text();
  const tags = `<script src="${sdkUrl(c.env)}" defer></script><script src="/dashboard/sso/wecom/h5.js" defer></script>`;
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(html.includes('</body>') ? html.replace('</body>', `${tags}</body>`) : html + tags, { status: 200, headers });
};
