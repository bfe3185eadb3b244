/**
 * HTTP over a bare socket (node:net), for requests fetch refuses to send: malformed
 * percent-encoding, bad header bytes, two Authorization headers, truncated bodies,
 * methods that are not methods. Reads the first response the server writes.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** How long the answer took, from the first byte written. */
  ms: number;
}

/**
 * Sends `data` as is to the server at `baseUrl` and reads one response (up to its
 * Content-Length, or until the server closes). Rejects when no answer comes in `timeoutMs`.
 * With `halfClose` the socket's sending side is closed after `data`, as a client that has nothing more to send.
 * @example await rawHttp(pinbox.url, 'GET /v5/pins/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n')
 */
export function rawHttp(baseUrl: string, data: string | Buffer, timeoutMs = 10_000, options: { halfClose?: boolean } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const response = oneResponse(socket, () => ({}));
  const timer = setTimeout(() => response.fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  // halfClose: the client says it has sent everything (FIN) and waits for the answer.
  if (options.halfClose) socket.end(data);
  else socket.write(data);
  return response.answer.finally(() => clearTimeout(timer));
}

/**
 * Sends `head` at once, then `body` a few bytes at a time with a pause between
 * (a slow or slowloris client), and reads one response. Resolves with the response
 * and how many bytes of the body had been written when it came; rejects when no
 * answer comes within `timeoutMs` of the last byte.
 * @example await rawTrickle(url, 'POST /v5/boards HTTP/1.1\r\n…\r\n\r\n', '{"name":"x"}', { bytes: 1, everyMs: 100 })
 */
export function rawTrickle(
  baseUrl: string,
  head: string,
  body: string,
  pace: { bytes: number; everyMs: number },
  timeoutMs = 10_000,
): Promise<RawResponse & { bodyBytesSent: number }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const response = oneResponse(socket, () => ({ bodyBytesSent: sent }));
  const next = () => {
    if (response.settled || socket.destroyed) return;
    if (sent >= body.length) {
      timer = setTimeout(() => response.fail(new Error(`no answer within ${timeoutMs} ms of the last byte`)), timeoutMs);
      return;
    }
    socket.write(body.slice(sent, sent + pace.bytes));
    sent = Math.min(body.length, sent + pace.bytes);
    timer = setTimeout(next, pace.everyMs);
  };
  socket.write(head);
  timer = setTimeout(next, pace.everyMs);
  return response.answer.finally(() => clearTimeout(timer));
}

/**
 * The first response the server writes on `socket`, with `extra()`'s fields added;
 * `fail` gives up (taking what came if the connection is over). The socket is
 * destroyed once it is settled.
 */
function oneResponse<T extends object>(socket: Socket, extra: () => T): { answer: Promise<RawResponse & T>; fail(error: Error): void; readonly settled: boolean } {
  const started = Date.now();
  let received = Buffer.alloc(0);
  let settled = false;
  let resolve!: (response: RawResponse & T) => void;
  let reject!: (error: Error) => void;
  const answer = new Promise<RawResponse & T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const finish = (error?: Error) => {
    if (settled) return;
    const parsed = parseResponse(received, error !== undefined);
    if (!parsed && !error) return;
    settled = true;
    socket.destroy();
    if (parsed) resolve({ ...parsed, ms: Date.now() - started, ...extra() });
    else reject(error ?? new Error(`no HTTP response; got ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
  };
  socket.on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
    finish();
  });
  // The server may close as soon as it has answered a request it refused mid-way.
  socket.on('error', () => undefined);
  socket.on('close', () => finish(new Error('closed without an answer')));
  return {
    answer,
    fail: finish,
    get settled() {
      return settled;
    },
  };
}

/** The response in `bytes`, or null while it is incomplete (`ended`: the connection is over, take what came). */
function parseResponse(bytes: Buffer, ended: boolean): Omit<RawResponse, 'ms'> | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length === undefined || rest.length < length) return ended ? { status, headers, body: rest.toString('utf8') } : null;
  return { status, headers, body: rest.subarray(0, length).toString('utf8') };
}

/** A request as bytes: the request line, `headers` (Host added unless given), then `body`. */
export function rawRequest(method: string, target: string, headers: Record<string, string | string[]> = {}, body = ''): string {
  let text = `${method} ${target} HTTP/1.1\r\n`;
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) text += 'Host: 127.0.0.1\r\n';
  for (const [name, value] of Object.entries(headers)) for (const one of [value].flat()) text += `${name}: ${one}\r\n`;
  if (body && !Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name))) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${text}\r\n${body}`;
}
