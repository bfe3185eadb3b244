/**
 * Test harness: starts a real pinbox on port 0 and talks to it over HTTP. Every
 * response the suite receives is validated against the official spec; a
 * violation fails the test that received it.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startPinbox, type Pinbox, type PinboxOptions } from '../src/index.js';
import { RATE_LIMIT_CATEGORIES } from '../src/kernel/rate-limits/categories.js';
import { dropSchema, onTestBackend } from './backend.js';
import { imageUrlSource } from './images.js';
import { checkResponse, findOperation } from './spec.js';

/**
 * The suite's functional tests make hundreds of calls a second as the dev app
 * (standard access), far over Pinterest's limits; they run with the limiter on but
 * standard's windows raised, so every response still carries the headers. The
 * limits themselves are tested in src/kernel/rate-limits/rate-limits.test.ts.
 */
export const ROOMY_STANDARD_LIMITS: Readonly<Record<string, string>> = Object.fromEntries(
  ['all', ...RATE_LIMIT_CATEGORIES].map((name) => [`standard.${name}`, '1000000/second']),
);

const RATE_LIMIT_POLICY = /^\d+(, \d+;w=\d+)+$/;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Raw body text, sent as is (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  token?: string | null;
}

/** The statuses each operation of the spec has answered this test file (every answer validated against the spec). */
const ANSWERED = new Map<string, Set<number>>();

/** The statuses the operation has answered so far in this test file's process. */
export function answeredStatuses(operationId: string): readonly number[] {
  return [...(ANSWERED.get(operationId) ?? [])].sort((a, b) => a - b);
}

/** A small HTTP client bound to one token. */
export class Client {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
    /** The server counts calls: every answer to a known caller must carry x-ratelimit headers. */
    readonly rateLimited = false,
  ) {}

  withToken(token: string | null): Client {
    return new Client(this.baseUrl, token, this.rateLimited);
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(`${this.baseUrl}/v5${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
      else url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: any = undefined;
    if (text.length > 0) {
      assert.match(response.headers.get('content-type') ?? '', /application\/json/, `${method} ${path} answered non-JSON: ${text.slice(0, 200)}`);
      parsed = JSON.parse(text);
    }
    assert.ok(response.headers.get('x-pinterest-rid'), `${method} ${path} lacks x-pinterest-rid`);
    assert.ok(response.headers.get('pinterest-version'), `${method} ${path} lacks pinterest-version`);
    assert.ok(response.status < 500, `${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    if (response.status >= 400) {
      assert.equal(typeof parsed?.code, 'number', `${method} ${path} error body lacks a numeric code: ${text}`);
      assert.equal(typeof parsed?.message, 'string', `${method} ${path} error body lacks a message: ${text}`);
    }
    // Only a caller pinbox could not identify (401 code 2) or an unknown endpoint goes uncounted.
    const counted = this.rateLimited && !(response.status === 401 && parsed?.code === 2) && !(response.status === 404 && parsed?.code === 404);
    if (counted) {
      assert.match(response.headers.get('x-ratelimit-limit') ?? '', RATE_LIMIT_POLICY, `${method} ${path} lacks a well-formed x-ratelimit-limit`);
      assert.match(response.headers.get('x-ratelimit-remaining') ?? '', /^\d+$/, `${method} ${path} lacks x-ratelimit-remaining`);
      assert.match(response.headers.get('x-ratelimit-reset') ?? '', /^[1-9]\d*$/, `${method} ${path} lacks x-ratelimit-reset`);
    }
    const specPath = url.pathname.replace(/^\/v5/, '');
    const violation = checkResponse(method, specPath, response.status, parsed);
    assert.equal(violation, null, `response violates the official spec: ${violation}`);
    const operation = findOperation(method, specPath);
    if (operation) ANSWERED.set(operation.operationId, new Set([...(ANSWERED.get(operation.operationId) ?? []), response.status]));
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body });
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

export interface TestServer {
  pinbox: Pinbox;
  /** Client with the dev token (every scope). */
  api: Client;
}

/**
 * Starts one pinbox for the test file (before) and stops it (after).
 * @example
 * const server = useServer();
 * test('...', async () => { const { api } = server(); ... });
 */
export function useServer(options: PinboxOptions = {}): () => TestServer {
  let current: TestServer | null = null;
  const { schema, ...onBackend } = onTestBackend({ port: 0, rateLimitOverrides: ROOMY_STANDARD_LIMITS, ...options });
  before(async () => {
    const pinbox = await startPinbox(onBackend);
    current = { pinbox, api: new Client(pinbox.url, pinbox.token, pinbox.rateLimits.policy.mode !== 'off') };
  });
  after(async () => {
    await current?.pinbox.close();
    if (schema) await dropSchema(schema);
  });
  return () => {
    if (!current) throw new Error('server not started');
    return current;
  };
}

/**
 * Starts a pinbox outside `useServer` (tests that restart one on the same store),
 * on the backend under test: a `data` file maps to the same store each time.
 */
export function startTestPinbox(options: PinboxOptions): Promise<Pinbox> {
  const { schema: _schema, ...onBackend } = onTestBackend(options);
  return startPinbox(onBackend);
}

let counter = 0;
/** A name unique within the test run, so tests never collide. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** A tiny real PNG (1x1, red), as base64. */
export const PNG_1X1_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/** Makes a user with a token holding `scopes` (default: every scope). */
export async function newUser(server: TestServer, scopes?: readonly string[]): Promise<{ username: string; id: string; client: Client }> {
  const username = unique('user');
  const user = await server.pinbox.admin.createUser({ username });
  const { token } = await server.pinbox.admin.issueToken({ username, scopes });
  return { username, id: user.id, client: server.api.withToken(token) };
}

/** Creates a board through the API and returns its body. */
export async function createBoard(client: Client, body: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post('/boards', { name: unique('board'), ...body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** Creates an image Pin (by the URL of a PNG the test's image host serves) through the API and returns its body. */
export async function createPin(client: Client, boardId: string, body: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post('/pins', {
    board_id: boardId,
    title: unique('pin'),
    media_source: await imageUrlSource(),
    ...body,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** Walks every page of a list and returns all items. */
export async function walk(client: Client, path: string, query: Record<string, string | number | undefined> = {}): Promise<any[]> {
  const items: any[] = [];
  let bookmark: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const response = await client.get(path, { query: { ...query, bookmark } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    items.push(...response.body.items);
    if (!response.body.bookmark) return items;
    bookmark = response.body.bookmark;
  }
  throw new Error('pagination did not end');
}

/**
 * Asserts a Pinterest error: status, code, and (for a 400) that the message names the field, quoted.
 * @example assertError(await api.post('/boards', {}), 400, 1, 'name')
 */
export function assertError(response: ApiResponse, status: number, code: number, field?: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.code, code, JSON.stringify(response.body));
  if (field !== undefined) assert.match(response.body.message, new RegExp(`'${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`), `message should name '${field}': ${response.body.message}`);
}
