// Which URLs an outbound webhook may point at. Secure by default: https to a public host only,
// so an admin token cannot be used to make the server post into its own network (cloud
// metadata at 169.254.169.254, the database admin on 127.0.0.1, an intranet service).
// WEBHOOK_ALLOW_PRIVATE=1 opens loopback, private and link-local hosts and plain http for
// intranet receivers. The check reads the host as written (the WHATWG parser already turns
// `0x7f.1` or `2130706433` into `127.0.0.1`); a public name that resolves to a private address
// is not caught here (no DNS on Workers): deliveries never follow redirects, and an egress
// firewall is the complete answer (docs/webhooks.md).

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkWebhookUrl(raw: string, options: { allowPrivate?: boolean } = {}): UrlCheck {
  const text = raw.trim();
  if (!text) return { ok: false, reason: 'url is empty.' };
  if (text.length > MAX_WEBHOOK_URL_LENGTH)
    return { ok: false, reason: `url is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'url is not an absolute URL such as https://example.com/polaris-events.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, reason: `url must use https (got ${url.protocol.replace(/:$/, '')}).` };
  if (url.username || url.password)
    return { ok: false, reason: 'url must not contain a user name or password; authenticate with the signature.' };
  if (url.hash) return { ok: false, reason: 'url must not contain a #fragment.' };
  const privateHost = isPrivateHost(url.hostname);
  if (!options.allowPrivate) {
    if (url.protocol === 'http:')
      return {
        ok: false,
        reason: 'url must use https: event data would travel unencrypted (WEBHOOK_ALLOW_PRIVATE=1 allows http).',
      };
    if (privateHost)
      return {
        ok: false,
        reason: `url names ${privateHost}; webhooks go to public hosts only (WEBHOOK_ALLOW_PRIVATE=1 allows intranet hosts).`,
      };
  }
  return { ok: true, url: url.toString() };
}

/** Why a host is not public (e.g. "a loopback address"), or null for a public one. */
export function isPrivateHost(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'a loopback host';
  if (host.endsWith('.local') || host.endsWith('.internal') || (!host.includes('.') && !host.startsWith('[')))
    return 'an intranet host name';
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return privateV4(v4.slice(1).map(Number));
  if (host.startsWith('[')) return privateV6(host.slice(1, -1));
  return null;
}

function privateV4([a, b]: number[]): string | null {
  if (a === 127) return 'a loopback address';
  if (a === 0) return 'an unspecified address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private address';
  if (a === 100 && b >= 64 && b <= 127) return 'a shared (carrier-grade NAT) address';
  if (a === 169 && b === 254) return 'a link-local address (cloud metadata)';
  if (a >= 224) return 'a multicast or reserved address';
  return null;
}

function privateV6(host: string): string | null {
  if (host === '::1') return 'a loopback address';
  if (host === '::') return 'an unspecified address';
  // IPv4-mapped (::ffff:7f00:1 as the parser writes ::ffff:127.0.0.1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = Number.parseInt(mapped[1], 16);
    const lo = Number.parseInt(mapped[2], 16);
    return privateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  const first = Number.parseInt(host.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'a private (unique local) address';
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((first & 0xff00) === 0xff00) return 'a multicast address';
  return null;
}
