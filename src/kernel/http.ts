import type { FastifyReply, FastifyRequest } from 'fastify';

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
