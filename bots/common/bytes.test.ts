import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  fromUtf8,
  isStrictBase64,
  sha1Hex,
  sha256Hex,
  timingSafeEqual,
  utf8,
  utf8Length,
} from './bytes';

describe('shared byte helpers', () => {
  it('hashes and compares', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
  });

  it('counts UTF-8 bytes as TextEncoder writes them, surrogate pairs and lone surrogates included', () => {
    const samples = ['', 'a', 'é', '你好', '😀', 'a😀b', '\ud83d', '\ude00x', 'x\ud83d', '\u07ff\u0800\uffff'];
    // Random strings over every range: ASCII, 2- and 3-byte, pairs and halves of pairs.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const ranges = [0x7f, 0x7ff, 0xd7ff, 0xdbff, 0xdfff, 0xffff];
    for (let n = 0; n < 300; n++)
      samples.push(
        String.fromCharCode(
          ...Array.from({ length: Math.floor(next() * 12) }, () =>
            Math.floor(next() * ranges[Math.floor(next() * ranges.length)]),
          ),
        ),
      );
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).toBe(utf8(s).length);
  });

  it('round-trips base64 and hex, including inputs larger than one fromCharCode chunk', () => {
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => i % 256);
    const encoded = bytesToBase64(big);
    expect(encoded).toBe(Buffer.from(big).toString('base64'));
    expect(base64ToBytes(encoded)).toEqual(big);
    expect(bytesToHex(concatBytes(new Uint8Array([0, 15]), utf8('A')))).toBe('000f41');
  });

  it('tells strict base64 from what atob forgives, and rejects invalid UTF-8', () => {
    expect(isStrictBase64('aGk=')).toBe(true);
    expect(isStrictBase64('aGk')).toBe(false);
    expect(isStrictBase64('aG k=')).toBe(false);
    expect(base64ToBytes('aGk')).toEqual(utf8('hi'));
    expect(() => base64ToBytes('%%%')).toThrow();
    expect(fromUtf8(utf8('你好'))).toBe('你好');
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow();
  });
});
