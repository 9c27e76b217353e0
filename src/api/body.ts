// Request bodies: content type checked (415), size capped (413), JSON parsed
// (400 on malformed input) and validated with zod (400 naming each field).
// Every failure is an ApiError, so no body can reach a handler half-understood.
import { parseJsonBounded } from '../../bots/common/json';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest, zodDetails } from './errors';

export const DEFAULT_MAX_BYTES = 1024 * 1024;

export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `Request body is larger than ${Math.round(maxBytes / 1024)} KB.`);
}

/** The raw body as text, refusing bodies over `maxBytes` (by header and by actual size). */
export async function readText(c: Context, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const text = await c.req.text();
  if (text.length > maxBytes || (text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes))
    throw tooLarge(maxBytes);
  return text;
}

/** The raw body as bytes, refusing bodies over `maxBytes` (by header and by actual size). */
export async function readBytes(c: Context, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

/** Parses a JSON body; a byte-order mark is tolerated. */
export function parseJsonText(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '');
  if (!trimmed.trim()) throw badRequest('Request body is empty; send a JSON document.');
  try {
    return parseJsonBounded(trimmed);
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `Request body is not valid JSON: ${(err as Error).message}`);
  }
}

export async function readJson(c: Context, maxBytes = DEFAULT_MAX_BYTES): Promise<unknown> {
  const type = mediaType(c);
  if (!isJsonType(type)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the body as application/json (got ${type ? `"${type}"` : 'no Content-Type'}).`,
    );
  }
  return parseJsonText(await readText(c, maxBytes));
}

/** Validates an already-parsed value; failures are 400 with `details: [{path, message}]`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'Request body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`${what} is invalid.`, zodDetails(result.error));
  return result.data;
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validate(schema, await readJson(c));
}
