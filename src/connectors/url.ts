// Which URLs an HTTP(S) connector may fetch (docs/connectors.md#ssrf). Only admins configure
// connectors, so the server's own network is not off limits by default (a CRM on the intranet
// is the common case), but a URL may not carry credentials (they would show in the API and the
// logs; the auth header is the secret's place), must be http or https, and may never point at
// link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services hand out credentials
// there) or at "unspecified" addresses. CONNECTORS_PRIVATE_NETWORKS=off also refuses loopback
// and private ranges. Hosts are checked as written: a name that resolves to such an address is
// not caught (no DNS lookup on Workers), and redirects are never followed.
import { ErrorCode, PolarisError } from '../../core/errors';

export class UrlRefused extends PolarisError {
  override readonly name = 'UrlRefused';
  constructor(message: string) {
    super(ErrorCode.ConnectorUrl, message);
  }
}

function ipv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function classify(hostname: string): 'link-local' | 'unspecified' | 'private' | 'public' {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  // An IPv4-mapped IPv6 address: URL() writes [::ffff:169.254.169.254] as [::ffff:a9fe:a9fe].
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  const v4 =
    ipv4(host) ??
    ipv4(host.replace(/^::ffff:/, '')) ??
    (mapped
      ? [...mapped.slice(1)].flatMap((h) => {
          const n = Number.parseInt(h, 16);
          return [n >> 8, n & 255];
        })
      : undefined);
  if (v4) {
    const [a, b] = v4;
    if (a === 169 && b === 254) return 'link-local';
    if (a === 0) return 'unspecified';
    if (a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
    if (a === 100 && b >= 64 && b <= 127) return 'private';
    return 'public';
  }
  if (host.includes(':')) {
    if (/^fe[89ab]/.test(host)) return 'link-local';
    if (host === '::') return 'unspecified';
    if (host === '::1' || /^f[cd]/.test(host)) return 'private';
    return 'public';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'private';
  if (host === 'metadata.google.internal') return 'link-local';
  return 'public';
}

/** The URL, normalised, or UrlRefused saying why not. */
export function checkSourceUrl(raw: string, options: { allowPrivate: boolean }): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UrlRefused('url is not a valid absolute URL (e.g. https://crm.example.com/report.csv)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UrlRefused(`url must use http or https (got ${url.protocol.replace(':', '')})`);
  if (url.username || url.password)
    throw new UrlRefused('url must not contain a user name or password; put the credential in auth_value');
  const kind = classify(url.hostname);
  if (kind === 'link-local')
    throw new UrlRefused(`url points at a link-local address (${url.hostname}), which is never fetched`);
  if (kind === 'unspecified') throw new UrlRefused(`url points at an unspecified address (${url.hostname})`);
  if (kind === 'private' && !options.allowPrivate)
    throw new UrlRefused(
      `url points at a loopback or private address (${url.hostname}), refused because CONNECTORS_PRIVATE_NETWORKS=off`,
    );
  url.hash = '';
  return url.toString();
}

/** The URL as shown in answers and logs: without its query string, which may carry a token. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}
