/**
 * Edges: every refusal from the layers under the routes (the router, body parsing,
 * Node's HTTP parser and its time-outs) answers in the shape of the surface asked —
 * `{code, message}` on /v5 and /_pinbox, the HTML error page on /oauth, S3's XML on
 * the upload host — with a fitting status; then every /v5 route is walked with
 * malformed path parameters, query parameters (from the official spec) and bodies.
 * Nothing is ever a 500, a hang or a foreign body, and nothing is written (the
 * store's snapshot is the same before and after).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodes } from 'fastify';
import type { Snapshot } from '../src/index.js';
import { createBoard, createPin, useServer } from './harness.js';
import { rawHttp, rawRequest, type RawResponse } from './raw-http.js';
import { authorizePath, formFields, PageSession } from './oauth-flow.js';
import { loadSpec } from './spec.js';

const REQUEST_TIMEOUT_MS = 1_000;
const CLIENT_SECRET = 'edges-client-secret-0123456789abcdef0123';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const server = useServer({ requestTimeoutMs: REQUEST_TIMEOUT_MS, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] });

type Shape = 'json' | 'html' | 'xml';

/** The surfaces a request can be for, each with a path it serves and what it takes. */
interface SurfaceCase {
  name: 'api' | 'control' | 'pages' | 'upload';
  shape: Shape;
  /** A path served with `methods`. */
  path: string;
  methods: string;
  /** A route here that reads a body, and the headers that get a request that far. */
  bodyRoute: { method: string; path: string; contentType: string };
  auth: () => Record<string, string>;
}

const SURFACES: SurfaceCase[] = [
  {
    name: 'api',
    shape: 'json',
    path: '/v5/boards',
    methods: 'GET, HEAD, POST',
    bodyRoute: { method: 'POST', path: '/v5/boards', contentType: 'application/json' },
    auth: () => ({ Authorization: `Bearer ${server().pinbox.token}` }),
  },
  {
    name: 'control',
    shape: 'json',
    path: '/_pinbox/clock',
    methods: 'GET, HEAD',
    bodyRoute: { method: 'POST', path: '/_pinbox/clock/advance', contentType: 'application/json' },
    auth: () => ({ 'X-Pinbox-Admin-Key': server().pinbox.adminKey }),
  },
  {
    name: 'pages',
    shape: 'html',
    path: '/oauth/',
    methods: 'GET, HEAD',
    bodyRoute: { method: 'POST', path: '/oauth/login', contentType: 'application/x-www-form-urlencoded' },
    auth: () => ({}),
  },
  {
    name: 'upload',
    shape: 'xml',
    path: '/media/uploads',
    methods: 'POST',
    bodyRoute: { method: 'POST', path: '/media/uploads', contentType: 'multipart/form-data; boundary=x' },
    auth: () => ({}),
  },
];

const send = (data: string | Buffer, timeoutMs?: number, halfClose = false) => rawHttp(server().pinbox.url, data, timeoutMs, { halfClose });

/**
 * Asserts a refusal: its status, that the body is the surface's own shape, and that
 * the message says what is wrong. Returns the message as the client reads it.
 */
function assertRefusal(response: RawResponse, shape: Shape, status: number, message: RegExp, what: string, options: { rid?: boolean } = {}): string {
  const context = `${what}: ${response.status} ${response.headers['content-type']} ${response.body.slice(0, 300)}`;
  assert.equal(response.status, status, context);
  if (options.rid !== false) assert.ok(response.headers['x-pinterest-rid'], `${context}: no x-pinterest-rid`);
  const type = response.headers['content-type'] ?? '';
  let text: string;
  if (shape === 'json') {
    assert.match(type, /^application\/json/, context);
    const body = JSON.parse(response.body);
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message'], context);
    assert.equal(typeof body.code, 'number', context);
    assert.equal(typeof body.message, 'string', context);
    text = body.message;
  } else if (shape === 'html') {
    assert.match(type, /^text\/html/, context);
    assert.match(response.body, /^<!doctype html>/, context);
    const alert = /<p class="error" role="alert">([^<]*)<\/p>/.exec(response.body);
    assert.ok(alert, `${context}: no error paragraph`);
    text = alert[1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.equal(response.headers['cache-control'], 'no-store', context);
  } else {
    assert.match(type, /^application\/xml/, context);
    const error = /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>([A-Za-z]+)<\/Code><Message>([^<]*)<\/Message><RequestId>\d+<\/RequestId><\/Error>$/.exec(response.body);
    assert.ok(error, `${context}: not S3's error XML`);
    text = error[2].replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
  }
  assert.match(text, message, context);
  return text;
}

/** The store's rows and blobs, for "nothing was written". */
async function storeState(): Promise<{ tables: Snapshot['tables']; blobs: string[] }> {
  const snapshot = await server().pinbox.snapshot();
  return { tables: snapshot.tables, blobs: Object.keys(snapshot.blobs).sort() };
}

async function assertNothingWritten(before: Awaited<ReturnType<typeof storeState>>, what: string): Promise<void> {
  const after = await storeState();
  for (const name of Object.keys(before.tables)) assert.deepEqual(after.tables[name], before.tables[name], `${what} changed table ${name}`);
  assert.deepEqual(Object.keys(after.tables).sort(), Object.keys(before.tables).sort(), `${what} changed the tables`);
  assert.deepEqual(after.blobs, before.blobs, `${what} changed the blobs`);
}

/** One framework-level refusal, tried on every surface it applies to. */
interface FrameworkCase {
  name: string;
  /** Default: every surface. */
  surfaces?: SurfaceCase['name'][];
  request(surface: SurfaceCase): string;
  status: number | ((surface: SurfaceCase) => number);
  message: RegExp | ((surface: SurfaceCase) => RegExp);
  check?(response: RawResponse, surface: SurfaceCase): void;
  timeoutMs?: number;
  halfClose?: boolean;
}

const LONG = 20_000;
const FRAMEWORK_CASES: FrameworkCase[] = [
  {
    name: 'malformed percent-encoding in the path',
    request: (s) => rawRequest('GET', `${s.path.replace(/\/$/, '')}/%ZZ`, s.auth()),
    status: 400,
    message: /^Invalid parameters: the path is not valid percent-encoding\.$/,
  },
  {
    name: 'percent-encoded bytes that are not UTF-8',
    request: (s) => rawRequest('GET', `${s.path.replace(/\/$/, '')}/%C3%28`, s.auth()),
    status: 400,
    message: /^Invalid parameters: the path percent-encodes bytes that are not UTF-8\.$/,
  },
  {
    name: 'a path segment of 2,000 digits',
    surfaces: ['api'],
    request: (s) => rawRequest('GET', `${s.path}/${'1'.repeat(2_000)}`, s.auth()),
    status: 414,
    message: /^Request URL is too long: a path segment is longer than 100 characters\.$/,
  },
  {
    name: 'a URL of 20,000 bytes',
    request: (s) => rawRequest('GET', `${s.path}?q=${'a'.repeat(LONG)}`, s.auth()),
    status: 414,
    message: /^Request URL is too long: the request line and headers may take at most \d+ bytes\.$/,
  },
  {
    name: 'a header of 20,000 bytes',
    request: (s) => rawRequest('GET', s.path, { ...s.auth(), 'X-Padding': 'a'.repeat(LONG) }),
    status: 431,
    message: /^Request headers are larger than \d+ bytes\.$/,
  },
  {
    name: 'a path no route serves',
    request: (s) => rawRequest('GET', `${s.path.replace(/\/$/, '')}/no/such/thing`, s.auth()),
    status: 404,
    message: /^No such endpoint: GET \/.*\/no\/such\/thing$/,
  },
  {
    name: 'a method the path is not served with',
    request: (s) => rawRequest('PUT', s.path, s.auth()),
    status: 405,
    message: (s) => new RegExp(`^Method PUT is not allowed on ${s.path}; allowed: ${s.methods}\\.$`),
    check: (response, s) => assert.equal(response.headers.allow, s.methods),
  },
  {
    name: 'a method Fastify does not route (PROPFIND)',
    request: (s) => rawRequest('PROPFIND', s.path, s.auth()),
    status: 405,
    message: (s) => new RegExp(`^Method PROPFIND is not allowed on ${s.path}; allowed: ${s.methods}\\.$`),
    check: (response, s) => assert.equal(response.headers.allow, s.methods),
  },
  {
    name: "a method Node's parser refuses (G@T)",
    request: (s) => rawRequest('G@T', s.path, s.auth()),
    status: 405,
    message: (s) => new RegExp(`^Method G@T is not allowed on ${s.path}; allowed: ${s.methods}\\.$`),
    check: (response, s) => assert.equal(response.headers.allow, s.methods),
  },
  {
    name: 'CONNECT (pinbox is not a proxy)',
    surfaces: ['api'],
    request: () => rawRequest('CONNECT', 'example.com:443', { Host: 'example.com:443' }),
    status: 405,
    message: /^Method CONNECT is not allowed: pinbox is not a proxy\.$/,
  },
  {
    name: 'an Expect pinbox cannot meet',
    request: (s) => rawRequest('GET', s.path, { ...s.auth(), Expect: 'teapot' }),
    status: 417,
    message: /^Unsupported Expect 'teapot': only 100-continue is supported\.$/,
  },
  {
    name: 'no Host header',
    request: (s) => `GET ${s.path} HTTP/1.1\r\n${Object.entries(s.auth()).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`,
    status: 400,
    message: /^Invalid request: an HTTP\/1\.1 request needs exactly one Host header\.$/,
  },
  {
    name: 'two Host headers',
    request: (s) => rawRequest('GET', s.path, { ...s.auth(), Host: ['a.example', 'b.example'] }),
    status: 400,
    message: /^Invalid request: an HTTP\/1\.1 request needs exactly one Host header\.$/,
  },
  {
    name: 'a header name with a space',
    request: (s) => rawRequest('GET', s.path, { ...s.auth(), 'Bad Header': 'x' }),
    status: 400,
    message: /^Invalid request: a header name or value has characters HTTP does not allow\.$/,
  },
  {
    name: 'a NUL byte in a header value',
    request: (s) => rawRequest('GET', s.path, { ...s.auth(), 'X-Value': 'a\u0000b' }),
    status: 400,
    message: /^Invalid request: a header name or value has characters HTTP does not allow\.$/,
  },
  {
    name: 'an HTTP version that is not one',
    request: (s) => `GET ${s.path} HTTP/9.Z\r\nHost: x\r\n\r\n`,
    status: 400,
    message: /^Invalid request: the HTTP version is not valid\.$/,
  },
  {
    name: 'a control character in the URL',
    request: (s) => `GET ${s.path.replace(/\/$/, '')}/\u0001x HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 400,
    message: /^Invalid request: the request target is not a valid URL\.$/,
  },
  {
    name: 'a space in the URL',
    request: (s) => `GET ${s.path} x HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 400,
    message: /^Invalid request: the request line is not valid HTTP\/1\.1\.$/,
  },
  {
    name: 'Content-Length that is not a number',
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Length': 'abc' }),
    status: 400,
    message: /^Invalid request: Content-Length is not a valid number\.$/,
  },
  {
    name: 'two different Content-Lengths',
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Length': ['2', '3'] }, '{}x'),
    status: 400,
    message: /^Invalid request: Content-Length is given twice with different values, or together with Transfer-Encoding\.$/,
  },
  {
    name: 'Content-Length with Transfer-Encoding: chunked',
    request: (s) =>
      rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Length': '5', 'Transfer-Encoding': 'chunked' }, '0\r\n\r\n'),
    status: 400,
    message: /^Invalid request: Transfer-Encoding is not valid/,
  },
  {
    name: 'a chunk size that is not hexadecimal',
    request: (s) =>
      rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': s.bodyRoute.contentType, 'Transfer-Encoding': 'chunked' }, 'ZZ\r\n{}\r\n0\r\n\r\n'),
    status: 400,
    message: /^Invalid request: a chunk size of the chunked body is not valid\.$/,
  },
  {
    name: 'HTTP/2 without TLS',
    surfaces: ['api'],
    request: () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    status: 400,
    message: /^Invalid request: HTTP\/2 without TLS is not served here; send HTTP\/1\.1\.$/,
  },
  {
    name: 'a body larger than the limit (by its Content-Length)',
    surfaces: ['api', 'control', 'pages'],
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': s.bodyRoute.contentType, 'Content-Length': '40000000' }),
    status: 413,
    message: (s) => (s.name === 'pages' ? /too large/ : /^Request body is larger than 33554432 bytes\.$/),
  },
  {
    name: 'a body as text/plain',
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': 'text/plain' }, '{}'),
    // The upload host answers as S3 does: a body that is not multipart is a malformed POST.
    status: (s) => (s.name === 'upload' ? 400 : 415),
    message: (s) =>
      s.name === 'api' || s.name === 'control'
        ? /^Unsupported Content-Type 'text\/plain': send the request body as application\/json\.$/
        : s.name === 'upload'
          ? /multipart\/form-data/
          : /Unsupported Media Type/,
  },
  {
    name: 'a body with no Content-Type',
    surfaces: ['api', 'control'],
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, s.auth(), '{}'),
    status: 415,
    message: /^Unsupported Content-Type \(none given\): send the request body as application\/json\.$/,
  },
  {
    name: 'a Content-Type that does not parse',
    surfaces: ['api', 'control'],
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': ';;;' }, '{}'),
    status: 415,
    message: /^Unsupported Content-Type ';;;'/,
  },
  {
    name: 'two Content-Types',
    surfaces: ['api', 'control'],
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': ['application/json', 'application/json'] }, '{}'),
    status: 415,
    message: /^Unsupported Content-Type 'application\/json, application\/json'/,
  },
  {
    name: 'a gzip Content-Encoding',
    request: (s) =>
      rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': s.bodyRoute.contentType, 'Content-Encoding': 'gzip' }, '{}'),
    status: 415,
    message: /^Unsupported Content-Encoding 'gzip': send the request body uncompressed\.$/,
    check: (response) => assert.equal(response.headers['accept-encoding'], 'identity'),
  },
  {
    name: 'malformed JSON',
    surfaces: ['api', 'control'],
    request: (s) => rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': 'application/json' }, '{"by": '),
    status: 400,
    message: /^Invalid parameters: the request body is not valid JSON\.$/,
  },
  {
    name: 'a body cut short (the client sends no more and waits)',
    request: (s) =>
      rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': s.bodyRoute.contentType, 'Content-Length': '100' }, '{"by":'),
    halfClose: true,
    status: 400,
    message: /^Invalid request: the request ended early\.$/,
  },
  {
    name: 'a body shorter than its Content-Length (time-out)',
    request: (s) =>
      rawRequest(s.bodyRoute.method, s.bodyRoute.path, { ...s.auth(), 'Content-Type': s.bodyRoute.contentType, 'Content-Length': '100' }, '{"by":'),
    status: 408,
    message: /^The request body stopped arriving: nothing came for 2 seconds\.$/,
    timeoutMs: 10_000,
  },
  {
    name: 'headers that never end (time-out)',
    surfaces: ['api'],
    request: (s) => `GET ${s.path} HTTP/1.1\r\nHost: x\r\n`,
    status: 408,
    message: /^The request headers were not received in full within 1 seconds\.$/,
    timeoutMs: 10_000,
  },
];

describe('framework refusals answer in the shape of the surface asked', () => {
  for (const surface of SURFACES) {
    test(`${surface.name} (${surface.shape})`, async () => {
      const { pinbox } = server();
      const before = await storeState();
      for (const refusal of FRAMEWORK_CASES) {
        if (refusal.surfaces && !refusal.surfaces.includes(surface.name)) continue;
        const what = `${surface.name}: ${refusal.name}`;
        const response = await send(refusal.request(surface), refusal.timeoutMs, refusal.halfClose).catch((error: Error) => {
          throw new Error(`${what}: ${error.message}`);
        });
        const status = typeof refusal.status === 'function' ? refusal.status(surface) : refusal.status;
        const message = typeof refusal.message === 'function' ? refusal.message(surface) : refusal.message;
        assertRefusal(response, surface.shape, status, message, what);
        refusal.check?.(response, surface);
        if (refusal.timeoutMs) assert.ok(response.ms < REQUEST_TIMEOUT_MS * 8, `${what} took ${response.ms} ms`);
      }
      await assertNothingWritten(before, surface.name);
      // The server still answers normally afterwards.
      const after = await fetch(`${pinbox.url}/v5/user_account`, { headers: { authorization: `Bearer ${pinbox.token}` } });
      assert.equal(after.status, 200);
    });
  }
});

/**
 * Fastify's errors that a request (rather than pinbox's own code) can cause: each is
 * one the walk above meets, or one that cannot arise in pinbox, and why. A Fastify
 * upgrade that adds one fails here until it is walked or explained.
 */
const FASTIFY_ERRORS_WALKED: Record<string, string> = {
  FST_ERR_BAD_URL: 'malformed percent-encoding, bytes that are not UTF-8 (frameworkErrors)',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment of 2,000 digits (frameworkErrors)',
  FST_ERR_NOT_FOUND: 'a path no route serves, a method the path is not served with (the not-found handler)',
  FST_ERR_VALIDATION: 'malformed path parameters, query parameters and bodies on every route',
  FST_ERR_CTP_BODY_TOO_LARGE: 'a body larger than the limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'text/plain, no Content-Type, one that does not parse, two of them',
};
const FASTIFY_ERRORS_THAT_CANNOT_ARISE: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: "pinbox's own JSON parser takes an empty body as no body",
  FST_ERR_CTP_INVALID_JSON_BODY: "pinbox's own JSON parser answers malformed JSON (walked: 'malformed JSON')",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "Node's parser holds a body to its Content-Length before Fastify counts it (walked: the Content-Length cases)",
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: 'thrown when code adds a parser after start, never by a request',
  FST_ERR_INVALID_URL: 'thrown by inject() for a URL that is not a string, never by a request',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'only for QUERY routes, and pinbox has none (QUERY is a 405, walked as PROPFIND)',
  FST_ERR_ROUTE_MISSING_CONTENT: 'only for QUERY routes, and pinbox has none',
  FST_ERR_ASYNC_CONSTRAINT: 'no route has an asynchronous constraint',
  FST_ERR_HANDLER_TIMEOUT: 'no route sets handlerTimeout',
};

test("every Fastify error a request can cause is walked above or cannot arise in pinbox", () => {
  const clientCaused: string[] = [];
  for (const [code, ErrorClass] of Object.entries(errorCodes)) {
    let status: number | undefined;
    try {
      status = (new (ErrorClass as new (...args: string[]) => { statusCode?: number })('a', 'b', 'c')).statusCode;
    } catch {
      continue;
    }
    if ((status !== undefined && status >= 400 && status < 500) || code in FASTIFY_ERRORS_THAT_CANNOT_ARISE) clientCaused.push(code);
  }
  assert.ok(clientCaused.length >= 10, clientCaused.join(' '));
  for (const code of clientCaused) {
    assert.ok(code in FASTIFY_ERRORS_WALKED || code in FASTIFY_ERRORS_THAT_CANNOT_ARISE, `${code} is neither walked nor explained`);
  }
});

test('a NUL in a sign-in form is the same 400 page on both backends, and signs no one in', async () => {
  const { pinbox } = server();
  const session = new PageSession(pinbox.url);
  const page = await session.request('GET', authorizePath({ client_id: pinbox.identity.app.id, redirect_uri: REDIRECT_URI, scope: 'boards:read' }));
  assert.equal(page.status, 200, page.html.slice(0, 300));
  const posted = await session.request('POST', '/oauth/login', { ...formFields(page.html, '/oauth/login'), username: 'pinbox\u0000dev', password: 'x' });
  assert.equal(posted.status, 400, posted.html.slice(0, 300));
  assert.match(posted.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(posted.html, /<p class="error" role="alert">Invalid parameters: the form holds a NUL character \(%00\)\.<\/p>/);
  assert.equal(session.cookie('pinbox_session'), undefined);
});

describe('ambiguous credentials are refused, never guessed', () => {
  const userAccount = (headers: Record<string, string | string[]>) => send(rawRequest('GET', '/v5/user_account', headers));

  test('two Authorization headers are 401 code 2, whichever comes first', async () => {
    const { pinbox } = server();
    const good = `Bearer ${pinbox.token}`;
    assert.equal((await userAccount({ Authorization: good })).status, 200);
    for (const pair of [
      [good, good],
      [good, 'Bearer pina_SOMEONEELSE'],
      ['Bearer pina_SOMEONEELSE', good],
      [good, `Basic ${Buffer.from('a:b').toString('base64')}`],
    ]) {
      const response = await userAccount({ Authorization: pair });
      const message = assertRefusal(response, 'json', 401, /^Authentication failed\.$/, `two headers ${pair.join(' / ')}`);
      assert.equal(JSON.parse(response.body).code, 2, message);
    }
  });

  test('a bearer token with anything after it is 401 code 2', async () => {
    const { pinbox } = server();
    for (const header of [
      `Bearer ${pinbox.token} trailing`,
      `Bearer ${pinbox.token},`,
      `Bearer ${pinbox.token};x`,
      `Bearer ${pinbox.token}, Bearer ${pinbox.token}`,
      `Bearer ${pinbox.token}\u00e9`,
      `Bearer${pinbox.token}`,
    ]) {
      const response = await send(Buffer.from(rawRequest('GET', '/v5/user_account', { Authorization: header }), 'latin1'));
      assertRefusal(response, 'json', 401, /^Authentication failed\.$/, JSON.stringify(header));
      assert.equal(JSON.parse(response.body).code, 2);
    }
  });

  test('the token endpoint refuses two Basic headers and Basic with trailing garbage', async () => {
    const { pinbox } = server();
    const basic = `Basic ${Buffer.from(`${pinbox.identity.app.id}:${CLIENT_SECRET}`).toString('base64')}`;
    const form = 'grant_type=client_credentials&scope=boards:read';
    const token = (authorization: string | string[]) =>
      send(rawRequest('POST', '/v5/oauth/token', { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' }, form));
    assert.equal((await token(basic)).status, 200);
    for (const authorization of [[basic, basic], `${basic} x`, `${basic},`]) {
      const response = await token(authorization);
      assertRefusal(response, 'json', 401, /^Authentication failed\.$/, JSON.stringify(authorization));
      assert.equal(JSON.parse(response.body).code, 2);
    }
  });

  test('the control plane refuses two admin keys', async () => {
    const { pinbox } = server();
    const response = await send(rawRequest('GET', '/_pinbox/clock', { 'X-Pinbox-Admin-Key': [pinbox.adminKey, pinbox.adminKey] }));
    // The control plane's own answers are not Pinterest's and carry no x-pinterest-rid.
    assertRefusal(response, 'json', 401, /^Wrong admin key/, 'two admin keys', { rid: false });
  });
});

/** A parameter as the spec describes it. */
interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Record<string, any>;
}

function specParameters(operationId: string): SpecParameter[] {
  const loaded = loadSpec();
  if (!loaded) return [];
  const { spec } = loaded;
  for (const item of Object.values<Record<string, any>>(spec.paths)) {
    for (const operation of Object.values<Record<string, any>>(item)) {
      if (operation?.operationId !== operationId) continue;
      return (operation.parameters ?? []).map((parameter: any) =>
        parameter.$ref ? spec.components.parameters[parameter.$ref.split('/').pop()] : parameter,
      );
    }
  }
  return [];
}

/** Values a query parameter of this schema must not take. */
function malformedQueryValues(schema: Record<string, any> = {}): string[] {
  const loaded = loadSpec();
  const resolve = (node: any): any => (node?.$ref && loaded ? resolve(loaded.spec.components.schemas[node.$ref.split('/').pop()]) : node);
  const resolved = resolve(schema) ?? {};
  const items = resolve(resolved.items) ?? {};
  const values = ['%ZZ', 'x'.repeat(3_000)];
  const type = resolved.type === 'array' ? items.type : resolved.type;
  if (type === 'integer' || type === 'number') values.push('abc', '-5', '1e400', '99999999999999999999999');
  if (type === 'boolean') values.push('maybe');
  if (resolved.enum || items.enum) values.push('NOT_AN_OPTION');
  if (resolved.format === 'date' || /date/.test(String(resolved.description ?? ''))) values.push('2026-13-45');
  return values;
}

/** Path parameter values that name nothing, with what the router answers for each. */
const MALFORMED_PATH_VALUES: { value: string; status?: number; message?: RegExp }[] = [
  { value: '%ZZ', status: 400, message: /^Invalid parameters: the path is not valid percent-encoding\.$/ },
  { value: '%C3%28', status: 400, message: /^Invalid parameters: the path percent-encodes bytes that are not UTF-8\.$/ },
  { value: '9'.repeat(101), status: 414, message: /^Request URL is too long: a path segment is longer than 100 characters\.$/ },
  { value: 'abc' },
  { value: '-1' },
  { value: '0' },
  { value: '1.5' },
  { value: '9'.repeat(40) },
  { value: '%00', status: 400, message: /^Invalid parameters: the URL holds a NUL character \(%00\)\.$/ },
  { value: 'a%00b', status: 400, message: /^Invalid parameters: the URL holds a NUL character \(%00\)\.$/ },
  { value: '%E2%98%83' },
  { value: '%2E%2E' },
  { value: "'%20OR%201=1--" },
  { value: 'null' },
];

type Expected = { status: number; message: RegExp } | 'refused' | 'no-effect';
const JSON_TYPE = { 'Content-Type': 'application/json' };
const FORM_TYPE = { 'Content-Type': 'application/x-www-form-urlencoded' };
const NOT_A_FORM: Expected = { status: 415, message: /^Unsupported Content-Type .*: send the request body as application\/x-www-form-urlencoded\.$/ };
const NOT_JSON: Expected = { status: 415, message: /^Unsupported Content-Type .*: send the request body as application\/json\.$/ };
const JSON_NUL: Expected = { status: 400, message: /^Invalid parameters: the request body holds a NUL character \(\\u0000\)\.$/ };
const INVALID_JSON: Expected = { status: 400, message: /^Invalid parameters: the request body is not valid JSON\.$/ };

/**
 * Bodies no route takes, and what each gets on a JSON route and on a form route (the
 * OAuth token endpoints): a status and message, any 4xx (`refused`), or — for a
 * well-formed form that names nothing — any answer that changes nothing (`no-effect`:
 * revoking an unknown token is a 200, RFC 7009 §2.2).
 */
const MALFORMED_BODIES: { name: string; headers: Record<string, string>; body: string; json: Expected; form: Expected }[] = [
  { name: 'malformed JSON', headers: JSON_TYPE, body: '{"name": ', json: INVALID_JSON, form: NOT_A_FORM },
  { name: 'JSON with trailing garbage', headers: JSON_TYPE, body: '{"name": "x"} x', json: INVALID_JSON, form: NOT_A_FORM },
  { name: 'a JSON array', headers: JSON_TYPE, body: '[1, 2]', json: 'refused', form: NOT_A_FORM },
  { name: 'a JSON string', headers: JSON_TYPE, body: '"board"', json: 'refused', form: NOT_A_FORM },
  { name: 'a JSON number', headers: JSON_TYPE, body: '42', json: 'refused', form: NOT_A_FORM },
  { name: 'JSON null', headers: JSON_TYPE, body: 'null', json: 'refused', form: NOT_A_FORM },
  { name: 'deeply nested JSON', headers: JSON_TYPE, body: `${'['.repeat(5_000)}${']'.repeat(5_000)}`, json: 'refused', form: NOT_A_FORM },
  { name: 'a NUL in a string', headers: JSON_TYPE, body: '{"name": "a\\u0000b", "title": "a\\u0000b", "board_id": "1\\u0000"}', json: JSON_NUL, form: NOT_A_FORM },
  { name: 'a NUL in a key', headers: JSON_TYPE, body: '{"a\\u0000": 1}', json: JSON_NUL, form: NOT_A_FORM },
  {
    name: 'a form with a NUL',
    headers: FORM_TYPE,
    body: 'grant_type=client_credentials&scope=a%00b&token=a%00',
    json: NOT_JSON,
    form: { status: 400, message: /^Invalid parameters: the form holds a NUL character \(%00\)\.$/ },
  },
  { name: 'a form naming nothing', headers: FORM_TYPE, body: 'name=x&token=pina_NOTATOKEN', json: NOT_JSON, form: 'no-effect' },
  { name: 'text/plain', headers: { 'Content-Type': 'text/plain' }, body: '{}', json: NOT_JSON, form: NOT_A_FORM },
  { name: 'no Content-Type', headers: {}, body: '{}', json: NOT_JSON, form: NOT_A_FORM },
  {
    name: 'gzip',
    headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip' },
    body: '{}',
    json: { status: 415, message: /^Unsupported Content-Encoding 'gzip': send the request body uncompressed\.$/ },
    form: { status: 415, message: /^Unsupported Content-Encoding 'gzip'/ },
  },
];

describe('every /v5 route refuses malformed parameters and bodies, and writes nothing', () => {
  const ids: Record<string, string> = {};
  before(async () => {
    const { api, pinbox } = server();
    const board = await createBoard(api);
    const pin = await createPin(api, board.id);
    const section = await api.post(`/boards/${board.id}/sections`, { name: 'edges' });
    assert.equal(section.status, 201);
    const media = await api.post('/media', { media_type: 'video' });
    assert.equal(media.status, 201);
    Object.assign(ids, { board_id: board.id, pin_id: pin.id, section_id: section.body.id, media_id: media.body.media_id, username: pinbox.identity.user.username });
  });

  const headersFor = (route: { policy?: { authentication?: string } }): Record<string, string> => {
    const { pinbox } = server();
    return route.policy?.authentication === 'client_basic'
      ? { Authorization: `Basic ${Buffer.from(`${pinbox.identity.app.id}:${CLIENT_SECRET}`).toString('base64')}` }
      : { Authorization: `Bearer ${pinbox.token}` };
  };
  const pathOf = (url: string, values: Record<string, string>) => `/v5${url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => values[name] ?? `unknown_${name}`)}`;
  const FAKE_IDS = { board_id: '1234567890123456789', pin_id: '1234567890123456789', section_id: '1234567890123456789', media_id: '1234567890123456789', username: 'nobody_here' };

  test('malformed path parameters', async () => {
    const { pinbox } = server();
    const routes = pinbox.routes.filter((route) => route.url.includes(':'));
    assert.ok(routes.length >= 15, `only ${routes.length} routes with path parameters`);
    const before = await storeState();
    let walked = 0;
    for (const route of routes) {
      const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);
      for (const name of names) {
        for (const malformed of MALFORMED_PATH_VALUES) {
          const path = pathOf(route.url, { ...ids, [name]: malformed.value });
          const body = route.method === 'GET' || route.method === 'DELETE' ? '' : '{}';
          const type = route.policy?.bodyFormat === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
          const response = await send(rawRequest(route.method, path, { ...headersFor(route), ...(body ? { 'Content-Type': type } : {}) }, body));
          const what = `${route.method} ${path.slice(0, 120)} (${route.policy?.operationId})`;
          if (malformed.status) assertRefusal(response, 'json', malformed.status, malformed.message!, what);
          else {
            assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status} ${response.body.slice(0, 200)}`);
            assertRefusal(response, 'json', response.status, /\S/, what);
          }
          walked++;
        }
      }
    }
    await assertNothingWritten(before, 'malformed path parameters');
    assert.ok(walked > 200, `walked ${walked}`);
  });

  test('malformed query parameters, as the spec types them', { skip: loadSpec() ? false : 'the official spec is not there' }, async () => {
    const { pinbox } = server();
    const before = await storeState();
    let walked = 0;
    for (const route of pinbox.routes) {
      const parameters = specParameters(route.policy?.operationId ?? '').filter((parameter) => parameter.in === 'query');
      // Reads on real resources; writes on ids that name nothing, so a parameter
      // pinbox ignored could still not change anything.
      const path = pathOf(route.url, route.method === 'GET' ? ids : FAKE_IDS);
      for (const parameter of parameters) {
        for (const value of malformedQueryValues(parameter.schema)) {
          const target = `${path}?${encodeURIComponent(parameter.name)}=${value === '%ZZ' ? value : encodeURIComponent(value)}`;
          const response = await send(rawRequest(route.method, target, headersFor(route)));
          const what = `${route.method} ${target.slice(0, 120)} (${route.policy?.operationId})`;
          assert.ok(response.status < 500, `${what}: ${response.status} ${response.body.slice(0, 300)}`);
          if (response.status >= 400) assertRefusal(response, 'json', response.status, /\S/, what);
          walked++;
        }
      }
    }
    await assertNothingWritten(before, 'malformed query parameters');
    assert.ok(walked > 100, `walked ${walked}`);
  });

  test('malformed bodies', async () => {
    const { pinbox } = server();
    const routes = pinbox.routes.filter((route) => route.method !== 'GET' && route.method !== 'DELETE');
    assert.ok(routes.length >= 10, `only ${routes.length} routes that take a body`);
    const before = await storeState();
    for (const route of routes) {
      const path = pathOf(route.url, ids);
      const form = route.policy?.bodyFormat === 'form';
      for (const malformed of MALFORMED_BODIES) {
        const what = `${route.method} ${path} (${route.policy?.operationId}) with ${malformed.name}`;
        const response = await send(rawRequest(route.method, path, { ...headersFor(route), ...malformed.headers }, malformed.body));
        const expected = form ? malformed.form : malformed.json;
        if (expected === 'no-effect') {
          assert.ok(response.status < 500, `${what}: ${response.status} ${response.body.slice(0, 200)}`);
          if (response.status >= 400) assertRefusal(response, 'json', response.status, /\S/, what);
        } else if (expected === 'refused') {
          assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status} ${response.body.slice(0, 200)}`);
          assertRefusal(response, 'json', response.status, /\S/, what);
        } else {
          assertRefusal(response, 'json', expected.status, expected.message, what);
        }
      }
    }
    await assertNothingWritten(before, 'malformed bodies');
  });
});
