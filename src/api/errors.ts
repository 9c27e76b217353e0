// The API's error shape: {"error":{"code","message","details"}}. Handlers throw
// ApiError; the app's onError turns it (and anything unexpected) into JSON.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `${what} ${id} does not exist`);
export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'bad_request', message, details);
export const conflict = (message: string, details?: unknown) => new ApiError(409, 'conflict', message, details);

/** Zod issues as `[{path:"rows[3].email", message}]`, so a client can find the field. */
export function zodDetails(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: formatPath(prefix, i.path), message: i.message }));
}

function formatPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

export function errorResponse(c: Context, err: ApiError) {
  return c.json(
    { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } },
    err.status,
  );
}
