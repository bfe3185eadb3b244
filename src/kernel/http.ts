import type { FastifyRequest } from 'fastify';

/** The origin this request reached pinbox at, for URLs pinbox serves itself (uploaded images). */
export function publicBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
