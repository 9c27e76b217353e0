import { describe, expect, it } from 'vitest';
import { checkSourceUrl, displayUrl } from './url';
import { errorKind, MappingError } from './run';
import { SourceError } from '../../core/connectors';

describe('checkSourceUrl', () => {
  const open = { allowPrivate: true };
  const closed = { allowPrivate: false };

  it('accepts http(s) URLs and drops the fragment', () => {
    expect(checkSourceUrl(' https://crm.example.com/r.csv?x=1#top ', closed)).toBe('https://crm.example.com/r.csv?x=1');
    expect(checkSourceUrl('http://10.0.0.5:8080/export', open)).toBe('http://10.0.0.5:8080/export');
  });

  it('always refuses link-local and unspecified addresses, credentials and other schemes', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://2852039166/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://0.0.0.0:8787/',
      'http://[::]/',
      'https://a:b@crm.example.com/',
      'file:///etc/passwd',
      'gopher://x/',
    ])
      expect(() => checkSourceUrl(url, open), url).toThrow();
  });

  it('refuses loopback and private ranges only when private networks are off', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://localhost:3000/',
      'http://api.localhost/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://172.31.255.255/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[::1]/',
      'http://[fd12::1]/',
    ]) {
      expect(() => checkSourceUrl(url, closed), url).toThrow(/CONNECTORS_PRIVATE_NETWORKS=off/);
      expect(checkSourceUrl(url, open)).toBeTruthy();
    }
    expect(checkSourceUrl('http://172.32.0.1/', closed)).toBe('http://172.32.0.1/');
    // Other spellings of a private address are caught too (URL() normalises them).
    expect(() => checkSourceUrl('http://2130706433/', closed)).toThrow(/private/);
    expect(() => checkSourceUrl('http://[::ffff:10.0.0.1]/', closed)).toThrow(/private/);
  });

  it('shows URLs without their query', () => {
    expect(displayUrl('https://crm.example.com/r.csv?token=abc')).toBe('https://crm.example.com/r.csv?…');
    expect(displayUrl('https://crm.example.com/r.csv')).toBe('https://crm.example.com/r.csv');
  });
});

describe('errorKind', () => {
  it('names each failure for the dashboard', () => {
    expect(errorKind(new SourceError('x: Lark refused (99991672)', false, true))).toBe('permission');
    expect(errorKind(new SourceError('GET u: no answer within 10 s (after 3 attempts)', true))).toBe('timeout');
    expect(errorKind(new SourceError('GET u: cannot connect (ECONNREFUSED) (after 3 attempts)', true))).toBe(
      'unreachable',
    );
    expect(errorKind(new SourceError('GET u: HTTP 503: busy (after 3 attempts)', true))).toBe('unavailable');
    expect(errorKind(new SourceError('the source did not answer CSV: <html>', false))).toBe('garbage');
    expect(errorKind(new SourceError('Lark is not configured on this server (LARK_APP_ID, …).', false))).toBe(
      'not_configured',
    );
    expect(errorKind(new MappingError('no field', [], []))).toBe('mapping');
    expect(errorKind(new Error('bug'))).toBe('other');
  });
});
