import { describe, expect, it } from 'vitest';
import { decryptLarkPayload, encryptLarkPayload } from './crypto';

describe('Lark crypto', () => {
  it('decrypts the official vector', async () => {
    expect(await decryptLarkPayload('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
  });

  it('round-trips unicode through encrypt and decrypt', async () => {
    const text = JSON.stringify({ text: '更新 KR1 45％' });
    const encrypted = await encryptLarkPayload('another key', text);
    expect(await decryptLarkPayload('another key', encrypted)).toBe(text);
  });

  it('rejects a wrong key, truncated input and non-base64', async () => {
    const encrypted = await encryptLarkPayload('k1', 'hello world');
    await expect(decryptLarkPayload('k2', encrypted)).rejects.toThrow();
    await expect(decryptLarkPayload('test key', 'P37w+VZImNgPEO1RBhJ6Rg==')).rejects.toThrow();
    await expect(decryptLarkPayload('test key', '%%%')).rejects.toThrow();
  });
});
