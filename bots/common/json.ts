// JSON from the network with a bound on nesting. JSON.parse itself copes with deep input,
// but what comes after (JSON.stringify when storing an event, validation, rendering) recurses,
// and a document nested 50,000 deep made it overflow the stack: a 500 instead of a 400.
// Platform events and API bodies are a few levels deep; 64 leaves room for any real one.

export const MAX_JSON_DEPTH = 64;

export class JsonDepthError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = 'JsonDepthError';
  }
}

/** The deepest nesting of arrays and objects in `text`, stopping early past `limit` (one linear pass). */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (ch === 93 /* ] */ || ch === 125 /* } */) depth--;
  }
  return deepest;
}

/** JSON.parse, refusing documents nested deeper than `maxDepth` (JsonDepthError) before parsing. */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) throw new JsonDepthError(maxDepth);
  return JSON.parse(text);
}
