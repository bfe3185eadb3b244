import { parse } from 'node:querystring';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** OAuth forms (the token endpoints, the authorize pages) carry a few short fields; nothing legitimate comes near this. */
export const FORM_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Parses an `application/x-www-form-urlencoded` body; a NUL character (`%00`) in it
 * is refused, as in URLs and JSON bodies (no Pinterest field holds one, and
 * PostgreSQL cannot store one).
 * @example await app.register(formbody, FORM_BODY_OPTIONS)
 */
export function parseForm(text: string): Record<string, string | string[] | undefined> {
  if (text.includes('%00') || text.includes('\0')) throw new ApiError('invalid_parameters', 'Invalid parameters: the form holds a NUL character (%00).');
  return parse(text);
}

/**
 * Parses a JSON body; throws the API's 400 for text that is not JSON or holds a NUL
 * character (as forms and URLs do). An empty body is no body: clients often send
 * `Content-Type: application/json` on a DELETE with none (Pinterest's own samples do).
 * @example parseJsonBody('{"name": "Recipes"}') // { name: 'Recipes' }
 */
export function parseJsonBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new ApiError('invalid_parameters', 'Invalid parameters: the request body is not valid JSON.');
  }
  if (trimmed.includes('\\u0000') && holdsNul(parsed)) throw new ApiError('invalid_parameters', 'Invalid parameters: the request body holds a NUL character (\\u0000).');
  // A lone surrogate can only arrive escaped (UTF-8 cannot encode one), and no
  // store keeps it: SQLite and PostgreSQL would store U+FFFD in its place, or refuse.
  if (trimmed.includes('\\ud') || trimmed.includes('\\uD')) {
    const found = loneSurrogateIn(parsed);
    if (found) throw new ApiError('invalid_parameters', `Invalid parameters: ${found.path ? `'${found.path}'` : 'the request body'} holds a lone surrogate (${found.codePoint}), which is not a character.`);
  }
  return parsed;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Where a parsed JSON value first holds a lone surrogate (half of a UTF-16 pair),
 * as a path like `media_source.url` or `items[2]` (a key holding one is named by
 * its object's path), or null. Walked with a stack of its own, so no nesting a
 * 32 MB body can reach overflows the call stack.
 * @example loneSurrogateIn(JSON.parse('{"a": ["\\ud800"]}')) // { path: 'a[0]', codePoint: 'U+D800' }
 */
export function loneSurrogateIn(value: unknown): { path: string; codePoint: string } | null {
  const pending: [unknown, string][] = [[value, '']];
  const inString = (text: string, path: string) => {
    const match = LONE_SURROGATE.exec(text);
    return match ? { path, codePoint: `U+${match[0].charCodeAt(0).toString(16).toUpperCase()}` } : null;
  };
  // Past 100 characters a path is cut (a message names the field, not every level of it).
  const under = (path: string, step: string) => (path.length >= 100 ? (path.endsWith('…') ? path : `${path}…`) : `${path}${step}`);
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      const found = inString(item, path);
      if (found) return found;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], under(path, `[${i}]`)]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (const [key] of entries) {
        const found = inString(key, path);
        if (found) return found;
      }
      for (let i = entries.length - 1; i >= 0; i--) pending.push([entries[i][1], under(path, path ? `.${entries[i][0]}` : entries[i][0])]);
    }
  }
  return null;
}

/**
 * Whether a parsed JSON value holds a NUL character in a string or a key. Only
 * called for bodies whose text has `\u0000`, so other bodies cost one scan of their text.
 * @example holdsNul(JSON.parse('{"name": "a\\u0000"}')) // true
 */
export function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsNul);
  for (const [key, item] of Object.entries(value)) if (key.includes('\0') || holdsNul(item)) return true;
  return false;
}

/** The options every form parser of pinbox is registered with. */
export const FORM_BODY_OPTIONS = { bodyLimit: FORM_BODY_LIMIT_BYTES, parser: parseForm } as const;

/** The origin this request reached pinbox at, for URLs pinbox serves itself (uploaded images). */
export function publicBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * Sends JSON text that a serializer already wrote (the hot Pin responses).
 * @example return sendJsonText(reply, pinJson(row, viewerId, mediaUrls.at(publicBase(request)), false));
 */
export function sendJsonText(reply: FastifyReply, json: string): string {
  void reply.type('application/json; charset=utf-8');
  return json;
}

/**
 * Refuses a body a route does not need unless it is a JSON object (`{}` or one
 * with fields the route ignores): an array, a string or null is a client's mistake.
 * @example refuseNonObjectBody(request) // before a body-less POST's work
 */
export function refuseNonObjectBody(request: FastifyRequest): void {
  const body = request.body as unknown;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new ApiError('invalid_parameters', "Invalid parameters: 'body' must be a JSON object, or left out.");
  }
}
