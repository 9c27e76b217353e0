// The site icon: a white four-pointed star (Polaris) on blue. Browsers ask for /favicon.ico on
// every page (playground, dashboard) and logged a 404 for it (issue 19). The ICO holds one
// 32×32 PNG (generated once, 289 bytes); the SVG is the same drawing for browsers that take it.
import type { Hono } from 'hono';
import type { AppEnv } from './services';

const ICO_BASE64 =
  'AAABAAEAICAAAAEAIAALAQAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAANJJREFUeNpjkI+/xgDFCvLx1+bLx1+7Lx9/7T+N8H2oHQowe2GWG8jHX3tPQ4vR8XuonQwwn5NleXj7AzCmwBEKDNAg+T8ADgDh+QyUxDkVHHCfgZK4pIID/o86YNQBFDkgdeJjMB4wB/Svfw3GA+aAuTvfgvGAOMCz9t7/j1//gDGITVcHwCyHAUocwYCeonFhUGIDxTcoyJEtR3YESA6kBqSWkHmDzwEDHgVDKhEOimw4KAqiAS+KR2vDUQdQywED3iwf8I7JgHfNBrxzOqDdcwDthoe81tcx2AAAAABJRU5ErkJggg==';

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f5fd6"/>' +
  '<path d="M16 3.5 17.6 14.4 28.5 16 17.6 17.6 16 28.5 14.4 17.6 3.5 16 14.4 14.4Z" fill="#fff"/></svg>';

/** GET /favicon.ico and /favicon.svg, cacheable for a day. */
export function mountFavicon(app: Hono<AppEnv>): void {
  const ico = Uint8Array.from(atob(ICO_BASE64), (ch) => ch.charCodeAt(0));
  const headers = (type: string) => ({ 'content-type': type, 'cache-control': 'public, max-age=86400' });
  app.get('/favicon.ico', () => new Response(ico, { headers: headers('image/x-icon') }));
  app.get('/favicon.svg', () => new Response(FAVICON_SVG, { headers: headers('image/svg+xml') }));
}
