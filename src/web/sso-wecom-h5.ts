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
import type { AppEnv } from '../services';
import { claimsOf } from './viewer';
import { assetUrl, packageFile } from './package-assets';

const SDK_ROUTE = '/dashboard/sso/wecom/jssdk.js';

/** The SDK's browser build (defines `window.ww`), read once; undefined without a filesystem. */
const sdkSource = () => packageFile('@wecom/jssdk/dist/wecom.global.prod.js');
// WeCom pages are served over https, so only an https SDK URL is accepted.
const sdkUrl = (env: unknown) => assetUrl(env, 'WECOM_JSSDK_URL', SDK_ROUTE, /^https:\/\//);

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
  return c.body(source, 200, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=86400',
  });
});

wecomH5Routes.get('/h5.js', (c) =>
  c.body(WECOM_H5_JS, 200, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
  }),
);

wecomH5Routes.get('/jsapi-config', async (c) => {
  if (!(await claimsOf(c))) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
  const adapter = c.get('deps').adapters.get('wecom');
  if (!adapter?.jsapiConfig) return c.json({ error: { code: 'not_found', message: 'WeCom is not configured.' } }, 404);
  const url = c.req.query('url') ?? '';
  let page: URL;
  try {
    page = new URL(url);
  } catch {
    return c.json({ error: { code: 'bad_request', message: 'url: an absolute URL is required' } }, 400);
  }
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
  if (
    c.req.method !== 'GET' ||
    c.res.status !== 200 ||
    !wantsWecomH5(c) ||
    !c.get('deps').adapters.get('wecom')?.jsapiConfig
  )
    return;
  if (!(c.res.headers.get('content-type') ?? '').includes('text/html')) return;
  const html = await c.res.text();
  const tags = `<script src="${sdkUrl(c.env)}" defer></script><script src="/dashboard/sso/wecom/h5.js" defer></script>`;
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(html.includes('</body>') ? html.replace('</body>', `${tags}</body>`) : html + tags, {
    status: 200,
    headers,
  });
};
