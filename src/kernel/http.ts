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

/** The options every form parser of pinbox is registered with. */
export const FORM_BODY_OPTIONS = { bodyLimit: FORM_BODY_LIMIT_BYTES, parser: parseForm } as const;

/** The origin this request reached pinbox at, for URLs pinbox serves itself (uploaded images). */
export function publicBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * Sends JSON text that a serializer already wrote (the hot Pin responses).
 * @example return sendJsonText(reply, pinJson(row, viewerId, base, false));
 */
export function sendJsonText(reply: FastifyReply, json: string): string {
  void reply.type('application/json; charset=utf-8');
  return json;
}
