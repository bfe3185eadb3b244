import type { FastifyReply, FastifyRequest } from 'fastify';

/** OAuth forms (the token endpoints, the authorize pages) carry a few short fields; nothing legitimate comes near this. */
export const FORM_BODY_LIMIT_BYTES = 64 * 1024;

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
