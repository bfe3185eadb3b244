import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

const SSE_KEEPALIVE_MS = 15_000;

/**
 * Opens a stream of server-sent events on a request (hijacking its reply): a
 * comment naming it, then whatever `start` sends, a keep-alive comment every 15 s,
 * until the client goes; `start` returns its unsubscribe. The stream is kept in
 * `streams`, so a closing server can end it first.
 * @example openEventStream(request, reply, streams, 'pinbox journal', (write) => journal.subscribe((e) => write(e.id, e)))
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  streams: Set<ServerResponse>,
  name: string,
  start: (send: (id: string | number, data: unknown) => void) => () => void,
): void {
  reply.hijack();
  const stream = reply.raw;
  stream.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  stream.write(`: ${name}\n\n`);
  const unsubscribe = start((id, data) => stream.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`));
  const keepalive = setInterval(() => stream.write(': keepalive\n\n'), SSE_KEEPALIVE_MS).unref();
  streams.add(stream);
  request.raw.on('close', () => {
    unsubscribe();
    clearInterval(keepalive);
    streams.delete(stream);
  });
}
