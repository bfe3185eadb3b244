/**
 * The one way pinbox fetches a URL given by a caller. It resolves the host itself
 * (every address), judges each address by the fetch policy, connects only to the
 * addresses it judged (the request's `lookup` hands them over: no second DNS query
 * that could answer differently), and follows redirects itself, judging every hop
 * the same way. Node's global fetch cannot be given a lookup, so this is
 * node:http(s) `request`.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { FetchPolicy, parseAddress } from './fetch-policy.js';

export interface OutboundLimits {
  /** The whole fetch: name resolution, redirects and body included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** Why a fetch failed; `guardedFetch` throws nothing else (except what `inspect` throws). */
export type OutboundFailure =
  /** The policy refused an address the URL (or a redirect) led to, or its host name. */
  | 'refused'
  /** The host name did not resolve. */
  | 'unresolved'
  /** Connection, TLS or protocol failure. */
  | 'failed'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  /** A redirect without a Location, or to something that is not an http(s) URL. */
  | 'bad_redirect';

export class OutboundFetchError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    /** What happened, for the log: the host's answer or the socket error, the address. */
    readonly detail: string,
    /**
     * The hop at fault was an internal address and pinbox listens where others reach
     * it: the detail must not reach the caller (it would map what only pinbox reaches).
     */
    readonly confidential: boolean,
  ) {
    super(detail);
  }
}

/** The head of the final (non-redirect) answer, before its body is read. */
export interface OutboundHead {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** As `OutboundFetchError.confidential`: the answer came from an internal address behind a remotely reachable pinbox. */
  confidential: boolean;
}

export interface OutboundResponse extends OutboundHead {
  body: Buffer;
}

export interface OutboundRequest {
  policy: FetchPolicy;
  limits: OutboundLimits;
  headers?: Record<string, string>;
  /**
   * A body to POST instead of a GET (a webhook delivery). A POST follows no
   * redirect: its answer, a 3xx too, is returned as it came.
   */
  body?: Buffer;
  /**
   * Called with the final answer's head before its body is read; what it throws
   * ends the fetch (the body is not downloaded) and is thrown as is.
   */
  inspect?: (head: OutboundHead) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * GETs (or with `body`, POSTs) `url` under the fetch policy, following up to `limits.maxRedirects`
 * redirects, within `limits.timeoutMs`, reading at most `limits.maxBytes`.
 * @throws OutboundFetchError saying why, or what `inspect` threw.
 * @example
 * const { status, headers, body } = await guardedFetch('https://example.com/a.png', {
 *   policy: FetchPolicy.create({ listenHost: '0.0.0.0' }),
 *   limits: { timeoutMs: 10_000, maxBytes: 20 << 20, maxRedirects: 5 },
 * });
 */
export async function guardedFetch(url: string | URL, request: OutboundRequest): Promise<OutboundResponse> {
  return fetchWith(url, request, readBody);
}

/** The final answer's head and its body as a stream, read by the caller (a large file never sits in memory). */
export interface OutboundStream extends OutboundHead {
  /** The decoded body; it errors with an OutboundFetchError past `limits.maxBytes`, the time-out or a failure. */
  body: AsyncIterable<Buffer>;
}

/**
 * As `guardedFetch`, under the same policy and limits, but hands over the body as
 * it arrives (catalog feeds are parsed while they download).
 * @example
 * const { body } = await guardedFetchStream(feedUrl, { policy, limits });
 * for await (const chunk of body) parser.write(chunk);
 */
export function guardedFetchStream(url: string | URL, request: OutboundRequest): Promise<OutboundStream> {
  return fetchWith(url, request, async (response, signal, limits, confidential) => streamBody(response, signal, limits, confidential));
}

async function fetchWith<B>(
  url: string | URL,
  request: OutboundRequest,
  read: (response: IncomingMessage, signal: AbortSignal, limits: OutboundLimits, confidential: boolean) => Promise<B>,
): Promise<OutboundHead & { body: B }> {
  const { policy, limits } = request;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new OutboundFetchError('bad_redirect', `led to a ${current.protocol} URL, not http or https`, false);
    }
    const addresses = await checkedAddresses(current, policy, signal, limits);
    const confidential = addresses.some((a) => a.internal) && !policy.revealsInternalFailures;
    const response = await send(current, addresses, request.headers ?? {}, signal, limits, confidential, request.body);
    if (REDIRECTS.has(response.statusCode ?? 0) && request.body === undefined) {
      response.destroy();
      const location = response.headers.location;
      if (!location) throw new OutboundFetchError('bad_redirect', `HTTP ${response.statusCode} without a Location`, confidential);
      if (hop >= limits.maxRedirects) throw new OutboundFetchError('too_many_redirects', `more than ${limits.maxRedirects} redirects`, confidential);
      try {
        current = new URL(location, current);
      } catch {
        throw new OutboundFetchError('bad_redirect', `HTTP ${response.statusCode} to a Location that is not a URL`, confidential);
      }
      continue;
    }
    const head: OutboundHead = { url: current, status: response.statusCode ?? 0, headers: response.headers, confidential };
    try {
      request.inspect?.(head);
    } catch (error) {
      response.destroy();
      throw error;
    }
    return { ...head, body: await read(response, signal, limits, confidential) };
  }
}

interface CheckedAddress extends LookupAddress {
  internal: boolean;
}

/** Every address the URL's host stands for, each allowed by the policy; else a refusal. */
async function checkedAddresses(url: URL, policy: FetchPolicy, signal: AbortSignal, limits: OutboundLimits): Promise<CheckedAddress[]> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const deniedName = policy.deniesHost(hostname);
  if (deniedName) throw new OutboundFetchError('refused', `${url.host} is refused by --fetch-deny ${deniedName.text}`, false);
  let resolved: LookupAddress[];
  const literal = parseAddress(hostname);
  if (literal) resolved = [{ address: hostname, family: literal.kind() === 'ipv4' ? 4 : 6 }];
  else {
    try {
      resolved = await abortable(dnsLookup(hostname, { all: true, verbatim: true }), signal);
    } catch (error) {
      if (signal.aborted) throw timedOut(limits, false);
      throw new OutboundFetchError('unresolved', `${hostname} did not resolve (${(error as { code?: string }).code ?? String(error)})`, false);
    }
    if (resolved.length === 0) throw new OutboundFetchError('unresolved', `${hostname} did not resolve`, false);
  }
  const checked: CheckedAddress[] = [];
  for (const { address, family } of resolved) {
    const verdict = policy.judge(hostname, address);
    // One refused address refuses the host: which of them a connection reaches is not pinbox's to choose.
    if (!verdict.allowed) throw new OutboundFetchError('refused', `${url.host} resolves to ${address}: ${verdict.reason}`, false);
    checked.push({ address, family, internal: verdict.internal });
  }
  return checked;
}

/** A `lookup` that answers with the addresses already judged, never asking DNS again. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === 'object' && options.family ? Number(options.family) : 0;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      callback(Object.assign(new Error('no address of the family asked for'), { code: 'ENOTFOUND' }), '', 4);
    } else if (typeof options === 'object' && options.all) {
      (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, usable.map(({ address, family }) => ({ address, family })));
    } else callback(null, usable[0].address, usable[0].family);
  };
}

function send(
  url: URL,
  addresses: readonly LookupAddress[],
  headers: Record<string, string>,
  signal: AbortSignal,
  limits: OutboundLimits,
  confidential: boolean,
  body?: Buffer,
): Promise<IncomingMessage> {
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = requestFn(url, {
      method: body === undefined ? 'GET' : 'POST',
      // A connection of its own for each fetch: a pooled socket was judged under
      // another fetch's address, and perhaps another pinbox's policy.
      agent: false,
      lookup: pinnedLookup(addresses),
      signal,
      headers: { 'accept-encoding': 'gzip, deflate, br', ...headers },
    });
    outgoing.once('response', resolve);
    // `on`, not `once`: the request can fail again after its answer arrived (a reset
    // while the body is read, the time-out), and an 'error' with no listener ends the process.
    outgoing.on('error', (error) => reject(signal.aborted ? timedOut(limits, confidential) : failed(error, confidential)));
    outgoing.end(body);
  });
}

async function readBody(response: IncomingMessage, signal: AbortSignal, limits: OutboundLimits, confidential: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of streamBody(response, signal, limits, confidential)) {
    size += chunk.byteLength;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The body decoded, counted against the size cap as it arrives; every failure an OutboundFetchError. */
async function* streamBody(response: IncomingMessage, signal: AbortSignal, limits: OutboundLimits, confidential: boolean): AsyncGenerator<Buffer> {
  const tooLarge = () => new OutboundFetchError('too_large', `larger than ${limits.maxBytes} bytes`, confidential);
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let body: Readable = response;
  if (encoding !== 'identity' && encoding !== '') {
    const decoder = DECODERS[encoding];
    if (!decoder) {
      response.destroy();
      throw new OutboundFetchError('failed', `sent Content-Encoding ${encoding}, which pinbox cannot decode`, confidential);
    }
    body = response.pipe(decoder()) as unknown as Readable;
    response.once('error', (error) => body.destroy(error));
  }
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).byteLength;
      if (size > limits.maxBytes) throw tooLarge();
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof OutboundFetchError) throw error;
    throw signal.aborted ? timedOut(limits, confidential) : failed(error, confidential);
  } finally {
    response.destroy();
    if (body !== response) body.destroy();
  }
}

function timedOut(limits: OutboundLimits, confidential: boolean): OutboundFetchError {
  return new OutboundFetchError('timeout', `no answer within ${limits.timeoutMs / 1000} s`, confidential);
}

function failed(error: unknown, confidential: boolean): OutboundFetchError {
  const err = error as { code?: string; message?: string };
  return new OutboundFetchError('failed', err.code ?? err.message ?? String(error), confidential);
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
