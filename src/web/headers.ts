// Browser-facing protections of the dashboard: the Content-Security-Policy and the
// same-origin check of state-changing requests.
import type { Context } from 'hono';
import { assetUrl } from './package-assets';

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Scripts only from this origin, plus where the operator told the page to load ECharts
 * (ECHARTS_URL) and the WeCom JS-SDK (WECOM_JSSDK_URL) from. The page has no inline script
 * (its config is a `type="application/json"` block, which is data); inline styles stay
 * allowed because ECharts draws its tooltips with them.
 */
export function contentSecurityPolicy(env: unknown): string {
  const scripts = new Set(["'self'"]);
  for (const variable of ['ECHARTS_URL', 'WECOM_JSSDK_URL']) {
    const url = assetUrl(env, variable, '');
    const origin = url ? originOf(url) : undefined;
    if (origin) scripts.add(origin);
  }
  return [
    "default-src 'self'",
    `script-src ${[...scripts].join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * False for a state-changing request a browser sent from another site. Browsers send
 * `Origin` on every POST; it must be this server's origin (or PUBLIC_URL's, behind a proxy).
 * Without `Origin`, a browser's `Sec-Fetch-Site` must not say cross-site; a request with
 * neither header is not from a browser (curl, scripts) and cannot carry a victim's cookie.
 */
export function sameOriginRequest(c: Context, publicUrl: string | undefined): boolean {
  if (SAFE_METHODS.has(c.req.method)) return true;
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    const allowed = new Set([new URL(c.req.url).origin]);
    const pub = publicUrl ? originOf(publicUrl) : undefined;
    if (pub) allowed.add(pub);
    return allowed.has(origin);
  }
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}
