/**
 * Refusals from the layers under the routes: the router (malformed percent-encoding,
 * over-long path segments, no such route or method), body parsing (bad Content-Type,
 * Content-Encoding, size), and Node's HTTP parser (malformed requests, header
 * overflow, time-outs), which never reach Fastify. Every one is answered in the shape
 * of the surface the request was for: `{code, message}` on /v5 and /_pinbox, the
 * HTML error page on the OAuth pages, S3's XML on the upload host. Surfaces other
 * than the API's register how they write a refusal (`Surfaces.add`).
 */
import { STATUS_CODES, maxHeaderSize, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest, preParsingHookHandler, RouteOptions } from 'fastify';
import { ApiError, fromValidation } from './errors.js';
import { FORM_BODY_LIMIT_BYTES } from './http.js';
import { notServedYet, operationsAt } from './operations.js';

/** How one surface writes a refusal. */
export interface Surface {
  /** Paths the surface answers: the prefix and everything under it (`/oauth` covers `/oauth/login`, not `/oauthx`). */
  prefix: string;
  /** Headers every refusal carries here (the OAuth pages' no-store and CSP). */
  headers?: Readonly<Record<string, string>>;
  /** The body of a refusal and its Content-Type; `requestId` is pinbox's `x-pinterest-rid`. */
  render(error: ApiError, requestId: string): { type: string; body: string };
}

/** The API's shape, Pinterest's `{code, message}`: /v5, /_pinbox and whatever no other surface claims. */
export const JSON_SURFACE: Surface = {
  prefix: '/',
  render: (error) => ({ type: 'application/json; charset=utf-8', body: JSON.stringify(error.toBody()) }),
};

/**
 * The surfaces of one app, found by the longest prefix that covers a request's path.
 * @example app.surfaces.add({ prefix: '/media/uploads', render: (error, rid) => ({ type: 'application/xml', body: s3Xml(error, rid) }) })
 */
export class Surfaces {
  private readonly list: Surface[] = [];

  add(surface: Surface): void {
    this.list.push(surface);
    this.list.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The surface of a request target (a path, with or without its query). */
  of(target: string): Surface {
    for (const surface of this.list) if (covers(surface.prefix, target)) return surface;
    return JSON_SURFACE;
  }
}

function covers(prefix: string, target: string): boolean {
  if (!target.startsWith(prefix)) return false;
  if (target.length === prefix.length || prefix.endsWith('/')) return true;
  const next = target.charCodeAt(prefix.length);
  return next === 0x2f /* / */ || next === 0x3f /* ? */;
}

/** The order an `Allow` header lists methods in. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const methodRank = (method: string) => {
  const rank = METHOD_ORDER.indexOf(method);
  return rank < 0 ? METHOD_ORDER.length : rank;
};

interface IndexedRoute {
  method: string;
  url: string;
  segments: readonly string[];
  params: number;
}

/**
 * Every route of the app by path pattern, to tell "no such endpoint" (404) from
 * "not with this method" (405 and its `Allow`). Read only when the router found
 * nothing, so it costs matched requests nothing.
 */
export class RouteIndex {
  private readonly routes: IndexedRoute[] = [];

  /** onRoute hook: records every route as Fastify registers it (the HEAD twins of GETs included). */
  readonly onRoute = (route: RouteOptions): void => {
    const segments = route.url.split('/');
    const params = segments.filter((segment) => segment.startsWith(':') || segment === '*').length;
    for (const method of [route.method].flat()) this.routes.push({ method, url: route.url, segments, params });
  };

  /**
   * The methods served at a concrete path and the pattern it matched (in the spec's
   * `{param}` syntax, the least parametric one), or null when no route has that path.
   * @example index.served('/v5/pins/123') // { methods: ['GET', 'HEAD', 'PATCH', 'DELETE'], pattern: '/v5/pins/{pin_id}' }
   */
  served(path: string): { methods: string[]; pattern: string } | null {
    const segments = path.split('/');
    const methods = new Set<string>();
    let best: IndexedRoute | null = null;
    for (const route of this.routes) {
      if (!matches(route.segments, segments)) continue;
      methods.add(route.method);
      if (!best || route.params < best.params) best = route;
    }
    if (!best) return null;
    return {
      methods: [...methods].sort((a, b) => methodRank(a) - methodRank(b)),
      pattern: best.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
    };
  }
}

function matches(pattern: readonly string[], segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected === '*') return true;
    const given = segments[i];
    if (given === undefined) return false;
    if (expected.startsWith(':')) {
      if (given === '') return false;
    } else if (expected !== given) {
      return false;
    }
  }
  return pattern.length === segments.length;
}

/** The path of a request target, cut for quoting in a message. */
function quotedPath(target: string): string {
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

/** Printable and short, for quoting what a client sent in a message. */
function quoted(text: string, max = 100): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}

/** What Node's HTTP parser (llhttp) reports, in words a client can act on. */
const PARSER_PROBLEMS: Readonly<Record<string, string>> = {
  HPE_INVALID_URL: 'the request target is not a valid URL',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has characters HTTP does not allow',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length is not a valid number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length is given twice with different values, or together with Transfer-Encoding',
  HPE_PAUSED_H2_UPGRADE: 'HTTP/2 without TLS is not served here; send HTTP/1.1',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding is not valid (chunked must come last, and only once)',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is not valid',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'the chunk extensions of the chunked body are too long',
  HPE_INVALID_CONSTANT: 'the request line is not valid HTTP/1.1',
  HPE_CR_EXPECTED: 'a line does not end with CRLF',
  HPE_LF_EXPECTED: 'a line does not end with CRLF',
  HPE_STRICT: 'the request is not valid HTTP/1.1',
  HPE_INVALID_EOF_STATE: 'the request ended early',
};

export interface FrameworkRefusalsDeps {
  surfaces: Surfaces;
  routes: RouteIndex;
  /** The next request id, for answers to requests Fastify never saw. */
  requestId: () => string;
  version: string;
  /** How long the server waits for a request's headers (Node's `headersTimeout`), for the 408's message. */
  requestTimeoutMs: number;
  /** How long a socket may stay silent mid-request (the server's `timeout`), for the 408's message. */
  idleTimeoutMs: number;
  /**
   * The slowest a body may arrive on average: it has `requestTimeoutMs`, plus a
   * second for every this many bytes that came. 0 turns the check off.
   */
  bodyMinBytesPerSecond: number;
  /** The app's logger (read when a refusal Fastify never saw is logged). */
  log: () => FastifyBaseLogger;
}

/**
 * The app's handlers for refusals below the routes; `buildApp` wires each to the
 * Fastify hook or Node server event it belongs to.
 */
export class FrameworkRefusals {
  constructor(private readonly deps: FrameworkRefusalsDeps) {}

  /** Writes `error` in the shape of the request's surface. */
  send(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
    const surface = this.deps.surfaces.of(request.url);
    const { type, body } = surface.render(error, request.id);
    if (surface.headers) void reply.headers(surface.headers);
    return reply.code(error.status).type(type).send(body);
  }

  /** Fastify's `frameworkErrors`: the router refused the URL before any hook ran. */
  readonly frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.header('x-pinterest-rid', request.id).header('pinterest-version', this.deps.version);
    let refusal: ApiError;
    if (error.code === 'FST_ERR_BAD_URL') {
      refusal = new ApiError(
        'invalid_parameters',
        /%(?![0-9A-Fa-f]{2})/.test(quotedPath(request.url))
          ? 'Invalid parameters: the path is not valid percent-encoding.'
          : 'Invalid parameters: the path percent-encodes bytes that are not UTF-8.',
      );
    } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      refusal = new ApiError('uri_too_long', `Request URL is too long: a path segment is longer than ${MAX_PARAM_LENGTH} characters.`);
    } else {
      request.log.error({ err: error }, 'unexpected router error');
      refusal = new ApiError('internal');
    }
    this.send(request, reply, refusal);
    // No route, so no onResponse hook: the request's log line is written here.
    request.log.info({ method: request.method, url: quotedPath(request.url), status: refusal.status, ms: Math.round(reply.elapsedTime) }, 'request');
  };

  /** Fastify's not-found handler: 405 with `Allow` where the path exists with other methods, else 404. */
  readonly notFound = (request: FastifyRequest, reply: FastifyReply): void => {
    const path = quotedPath(request.url);
    // An operation of Pinterest's that pinbox has no route for yet: 501 naming it, not the 404 of a typo.
    const pinterest = path.startsWith('/v5/') ? operationsAt(path.slice(3)) : [];
    const unserved = pinterest.find((operation) => operation.method === request.method);
    if (unserved) {
      this.send(request, reply, notServedYet(unserved));
      return;
    }
    const served = this.deps.routes.served(path);
    if (!served && pinterest.length > 0) {
      const allowed = [...new Set(pinterest.map((operation) => operation.method))].sort((a, b) => methodRank(a) - methodRank(b)).join(', ');
      void reply.header('allow', allowed);
      this.send(request, reply, new ApiError('method_not_allowed', `Method ${quoted(request.method, 20)} is not allowed on /v5${pinterest[0].path}; Pinterest allows ${allowed} (pinbox serves none of them yet).`));
      return;
    }
    if (!served) {
      this.send(request, reply, new ApiError('route_not_found', `No such endpoint: ${quoted(request.method, 20)} ${path}`));
      return;
    }
    const allowed = served.methods.join(', ');
    void reply.header('allow', allowed);
    this.send(request, reply, new ApiError('method_not_allowed', `Method ${quoted(request.method, 20)} is not allowed on ${served.pattern}; allowed: ${allowed}.`));
  };

  /** Fastify's error handler (the root one; the OAuth pages and the upload host keep their own). */
  readonly errorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const refusal = toApiError(error, request);
    // A 503 is the database or Redis away, logged once per outage where it is found, not once a call.
    if (refusal.status >= 500 && refusal.status !== 503) request.log.error({ err: error }, 'unhandled error');
    else if (refusal.logDetail) request.log.info({ detail: refusal.logDetail }, 'refused; the detail is not sent to the caller');
    this.send(request, reply, refusal);
  };

  /**
   * preParsing, the first hook that may refuse a request in its surface's shape:
   * - A NUL character in the URL (`%00`).
   * - HTTP/1.1 needs exactly one Host (RFC 9112 §3.2; Node's own check, turned off
   *   for this one, answers an empty 400). Duplicates arrive joined by ", ".
   * - A compressed body is refused rather than read as if it were plain: Pinterest
   *   documents no compressed request bodies, and RFC 9110 §15.5.16 answers an
   *   unsupported content coding with 415 and `Accept-Encoding`.
   */
  readonly checkRequestHead: preParsingHookHandler = (request, reply, payload, done) => {
    // A body still on its way is held to the minimum rate (a bodiless request, or a small one read with its head, is complete already).
    if (!request.raw.complete && this.deps.bodyMinBytesPerSecond > 0) this.watchBody(request.raw);
    // No Pinterest id, name or parameter holds a NUL (PostgreSQL cannot store one; SQLite
    // would), so both backends refuse it alike, before any route reads it.
    if (request.url.includes('%00')) return done(new ApiError('invalid_parameters', 'Invalid parameters: the URL holds a NUL character (%00).'));
    const host = request.headers.host;
    if (host === undefined ? request.raw.httpVersion === '1.1' : host.includes(',')) {
      return done(new ApiError('malformed_request', 'Invalid request: an HTTP/1.1 request needs exactly one Host header.'));
    }
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding === '' || encoding.toLowerCase() === 'identity') return done(null, payload);
    // A header alone, with no body to decode, is harmless.
    const length = request.headers['content-length'];
    if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined) return done(null, payload);
    void reply.header('accept-encoding', 'identity');
    done(new ApiError('unsupported_media_type', `Unsupported Content-Encoding '${quoted(encoding)}': send the request body uncompressed.`));
  };

  /**
   * Fastify's `clientErrorHandler` (Node's `clientError`): what Node's HTTP parser or
   * its time-outs refused. No request exists, so the answer is written on the socket,
   * in the shape of the surface the request line names, and the connection closes.
   */
  readonly clientError = (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
    const line = requestLine(Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined);
    let refusal: ApiError;
    let allow: string | undefined;
    switch (error.code) {
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        refusal = new ApiError('request_timeout', `The request headers were not received in full within ${seconds(this.deps.requestTimeoutMs)} seconds.`);
        break;
      case 'HPE_HEADER_OVERFLOW':
        // The start line counts towards Node's header limit: a chunk that starts a
        // request and holds no line end within half of the limit has a huge URL.
        refusal =
          line && line.length > maxHeaderSize / 2
            ? new ApiError('uri_too_long', `Request URL is too long: the request line and headers may take at most ${maxHeaderSize} bytes.`)
            : new ApiError('headers_too_large', `Request headers are larger than ${maxHeaderSize} bytes.`);
        break;
      case 'HPE_INVALID_METHOD': {
        const served = line ? this.deps.routes.served(quotedPath(line.target)) : null;
        if (served) {
          allow = served.methods.join(', ');
          refusal = new ApiError('method_not_allowed', `Method ${quoted(line!.method, 20)} is not allowed on ${served.pattern}; allowed: ${allow}.`);
        } else {
          refusal = new ApiError('malformed_request', `Invalid request: the method ${line ? `'${quoted(line.method, 20)}' ` : ''}is not an HTTP method.`);
        }
        break;
      }
      default: {
        const problem = (error.code && PARSER_PROBLEMS[error.code]) ?? 'the HTTP request is malformed';
        refusal = new ApiError('malformed_request', `Invalid request: ${problem}.`);
      }
    }
    // A time-out carries no packet; the request whose headers had arrived names its surface.
    const target = line?.target ?? (socket as Socket & { parser?: { incoming?: { url?: string } } }).parser?.incoming?.url ?? '/';
    this.answerRaw(socket, this.deps.surfaces.of(target), refusal, { method: line?.method, url: target, error: error.code }, allow);
  };

  /**
   * Node's `timeout` event (the socket idle for `idleTimeoutMs`). A request whose
   * body stopped arriving is answered 408 in its surface's shape; a request being
   * answered (a slow handler, an event stream) is left alone; an idle connection
   * is closed, as Node closes it when nobody listens.
   */
  readonly onIdle = (socket: Socket): void => {
    const { parser, _httpMessage: response } = socket as Socket & { parser?: { incoming?: IncomingMessage }; _httpMessage?: ServerResponse };
    const incoming = parser?.incoming;
    if (!incoming) {
      socket.destroy();
      return;
    }
    if (incoming.complete || response?.headersSent || socket.destroyed || !socket.writable) return;
    const refusal = new ApiError('request_timeout', `The request body stopped arriving: nothing came for ${seconds(this.deps.idleTimeoutMs)} seconds.`);
    this.answerRaw(socket, this.deps.surfaces.of(incoming.url ?? '/'), refusal, { method: incoming.method, url: incoming.url, error: 'idle' });
  };

  /**
   * Holds a body to a minimum average rate. The idle time-out only sees silence, so
   * a client that sends a byte now and then (slowloris) would hold its connection
   * for ever, and Node's own `requestTimeout` bounds the whole request, which would
   * cut a 2 GB upload on a slow line. So a body has `requestTimeoutMs` plus one
   * second for every `bodyMinBytesPerSecond` bytes that arrived (Apache's
   * mod_reqtimeout `MinRate`): a steady upload of any size faster than that is never
   * cut; one slower is answered 408 and its connection closed. A body that stopped
   * altogether is left to the idle time-out, and one the server is not reading (the
   * stream paused) is never held against the client.
   */
  private watchBody(incoming: IncomingMessage): void {
    const socket = incoming.socket;
    const { requestTimeoutMs, bodyMinBytesPerSecond } = this.deps;
    const startedAt = performance.now();
    const startBytes = socket.bytesRead;
    let lastBytes = startBytes;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    const check = () => {
      if (incoming.complete || socket.destroyed) return;
      const bytes = socket.bytesRead;
      const moved = bytes !== lastBytes;
      lastBytes = bytes;
      const allowedMs = requestTimeoutMs + ((bytes - startBytes) * 1000) / bodyMinBytesPerSecond;
      const elapsedMs = performance.now() - startedAt;
      if (!moved || incoming.readableFlowing !== true || elapsedMs < allowedMs) {
        timer = setTimeout(check, moved && elapsedMs < allowedMs ? allowedMs - elapsedMs : requestTimeoutMs).unref();
        return;
      }
      incoming.off('end', stop).off('close', stop);
      const refusal = new ApiError(
        'request_timeout',
        `The request body arrived too slowly: a body may take ${seconds(requestTimeoutMs)} seconds plus one second for every ${bodyMinBytesPerSecond} bytes.`,
      );
      this.answerRaw(socket, this.deps.surfaces.of(incoming.url ?? '/'), refusal, { method: incoming.method, url: incoming.url, error: 'slow body' });
    };
    timer = setTimeout(check, requestTimeoutMs).unref();
    incoming.once('end', stop).once('close', stop);
  }

  /** Node's `connect` event: pinbox is no proxy, so CONNECT is a method no route takes. */
  readonly onConnect = (request: IncomingMessage, socket: Duplex): void => {
    const refusal = new ApiError('method_not_allowed', `Method CONNECT is not allowed: pinbox is not a proxy.`);
    this.answerRaw(socket, JSON_SURFACE, refusal, { method: 'CONNECT', url: request.url });
  };

  /** Writes a refusal on a socket no Fastify request owns, and its log line. */
  private answerRaw(socket: Duplex, surface: Surface, refusal: ApiError, logged: { method?: string; url?: string; error?: string }, allow?: string): void {
    const requestId = this.deps.requestId();
    writeRaw(socket, surface, refusal, requestId, this.deps.version, allow);
    const url = logged.url === undefined ? undefined : quoted(quotedPath(logged.url), 200);
    const method = logged.method === undefined ? undefined : quoted(logged.method, 20);
    this.deps.log().info({ rid: requestId, method, url, status: refusal.status, error: logged.error }, 'request');
  }

  /** Node's `checkExpectation`: an `Expect` other than 100-continue is refused (RFC 9110 §10.1.1) in the surface's shape. */
  readonly onExpectation = (request: IncomingMessage, response: ServerResponse): void => {
    const refusal = new ApiError('expectation_failed', `Unsupported Expect '${quoted(String(request.headers.expect))}': only 100-continue is supported.`);
    const surface = this.deps.surfaces.of(request.url ?? '/');
    const requestId = this.deps.requestId();
    const { type, body } = surface.render(refusal, requestId);
    response.writeHead(refusal.status, {
      ...surface.headers,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'x-pinterest-rid': requestId,
      'pinterest-version': this.deps.version,
    });
    response.end(body);
    this.deps.log().info({ rid: requestId, method: request.method, url: quoted(quotedPath(request.url ?? ''), 200), status: refusal.status, error: 'expectation' }, 'request');
  };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Pinterest ids are 19 digits and usernames 30 characters; find-my-way's default limit is kept. */
export const MAX_PARAM_LENGTH = 100;

/** The method and target of a raw request chunk that starts a request line, else null. */
function requestLine(raw: Buffer | undefined): { method: string; target: string; length: number } | null {
  if (!raw || raw.length === 0) return null;
  const head = raw.subarray(0, Math.min(raw.length, maxHeaderSize + 1024)).toString('latin1');
  const match = /^([^ \r\n]{1,64}) ([^ \r\n]*)/.exec(head);
  if (!match) return null;
  const end = head.indexOf('\r\n');
  return { method: match[1], target: match[2], length: end < 0 ? head.length : end };
}

function writeRaw(socket: Duplex, surface: Surface, error: ApiError, requestId: string, version: string, allow?: string): void {
  const { type, body } = surface.render(error, requestId);
  const headers: Record<string, string> = {
    ...surface.headers,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'x-pinterest-rid': requestId,
    'pinterest-version': version,
    connection: 'close',
  };
  if (allow) headers.allow = allow;
  let head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
  // A client that keeps sending after the refusal does not hold the socket open.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/** Maps anything thrown during a request to the catalog; a client's mistake is never a 500. */
export function toApiError(error: FastifyError, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) return fromValidation(error.validationContext, error.validation);
  const form = request.routeOptions.config?.policy?.bodyFormat === 'form';
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = request.headers['content-type'];
      return new ApiError(
        'unsupported_media_type',
        `Unsupported Content-Type${given ? ` '${quoted(given)}'` : ' (none given)'}: send the request body as ${form ? 'application/x-www-form-urlencoded' : 'application/json'}.`,
      );
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', `Request body is larger than ${form ? FORM_BODY_LIMIT_BYTES : request.routeOptions.bodyLimit} bytes.`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_parameters', 'Invalid parameters: the request body is shorter or longer than its Content-Length.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('invalid_parameters', `Invalid parameters: ${error.message}`);
  }
  return new ApiError('internal');
}
