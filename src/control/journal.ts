import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { RoutePolicy } from '../kernel/route-policy.js';
import type { Clock } from '../kernel/clock.js';
import { parseInstant } from '../kernel/duration.js';
import { ApiError } from '../kernel/errors.js';
import { redactHtmlFields, shownValue } from './journal-bodies.js';
import { pathMatcher } from './patterns.js';

/** One call as the journal shows it, tokens and secrets redacted. */
export interface JournalEntry {
  /** Counts up from 1 in this process; `after` in a query resumes from one. */
  id: number;
  /** When the call ended, by the pinbox clock (ms) and as ISO 8601. */
  time: number;
  at: string;
  request_id: string;
  method: string;
  path: string;
  /** The query string's parameters, secrets redacted; null when there was none. */
  query: Record<string, string> | null;
  status: number;
  /** Client id of the calling app, and id of the user the token acts for. */
  app: string | null;
  user: string | null;
  /** The agent whose key made the call (its name), or null for an app's token. */
  agent: string | null;
  /** The scopes the route requires (what the call used of the token). */
  scopes: string[];
  /** The route's rate-limit category and the calls left in its tightest window. */
  rate_limit_category: string | null;
  rate_limit_remaining: number | null;
  duration_ms: number;
  /** The fault rule that answered, if one did. */
  fault: string | null;
  /** The connection was dropped by a fault rule, with no answer (`status` is 0). */
  dropped: boolean;
  /** With bodies on: request headers and bodies, secrets redacted. */
  request_headers?: Record<string, unknown>;
  request_body?: unknown;
  response_body?: unknown;
}

/** Calls and 429s of one rate-limit category, in the journal. */
export interface CategoryCount {
  category: string;
  calls: number;
  limited: number;
}

/** What the hook keeps: references and numbers only, shaped into an entry when read. */
interface RawEntry {
  id: number;
  time: number;
  rid: string;
  method: string;
  url: string;
  status: number;
  app: string | null;
  user: string | null;
  agent: string | null;
  scopes: readonly string[] | undefined;
  category: string | null;
  remaining: unknown;
  ms: number;
  fault: string | null;
  headers?: Record<string, unknown>;
  body?: unknown;
  payload?: unknown;
}

export interface JournalQuery {
  /** A path pattern (`*`, `**`) or, without `*`, a path prefix. */
  path?: string;
  method?: string;
  /** A status (`201`) or a class (`4xx`). */
  status?: string | number;
  /** Calls that ended at or after this instant (pinbox clock; ms or ISO 8601). */
  since?: string | number;
  /** Calls after this entry id. */
  after?: number;
  /** Calls by this app (client id), for this user (id), or by this agent (name). */
  app?: string;
  user?: string;
  agent?: string;
  /** At most this many, the newest (default 100). */
  limit?: number;
}

export interface JournalSettings {
  enabled: boolean;
  bodies: boolean;
  size: number;
}

/** Bodies above this size are noted, not kept. */
const BODY_KEEP_MAX = 64 * 1024;

function journaled(url: string): boolean {
  return url.startsWith('/v5/') || url.startsWith('/oauth');
}

/**
 * The request journal: every `/v5` and OAuth call, kept in a ring buffer of
 * `size` entries. Recording is cheap (an onResponse hook stores references and
 * numbers); parsing, redaction and serialisation happen only when entries are read.
 * Bodies are kept only while `bodies` is on.
 */
export class Journal {
  private ring: (RawEntry | undefined)[];
  private next = 0;
  private nextId = 1;
  private settings: JournalSettings;
  private readonly listeners = new Set<(entry: JournalEntry) => void>();

  constructor(
    private readonly clock: Clock,
    settings: Partial<JournalSettings> = {},
  ) {
    this.settings = { enabled: settings.enabled ?? true, bodies: settings.bodies ?? false, size: settings.size ?? 1000 };
    checkSize(this.settings.size);
    this.ring = new Array(this.settings.size);
  }

  get config(): JournalSettings {
    return { ...this.settings };
  }

  /** Turns recording or bodies on or off, or changes the size (keeping the newest entries). */
  configure(changes: Partial<JournalSettings>): JournalSettings {
    if (changes.enabled !== undefined && typeof changes.enabled !== 'boolean') throw invalid('enabled', 'must be true or false');
    if (changes.bodies !== undefined && typeof changes.bodies !== 'boolean') throw invalid('bodies', 'must be true or false');
    if (changes.size !== undefined && changes.size !== this.settings.size) {
      checkSize(changes.size);
      const kept = this.raw().slice(-changes.size);
      this.ring = new Array(changes.size);
      kept.forEach((entry, i) => (this.ring[i] = entry));
      this.next = kept.length % changes.size;
    }
    this.settings = { ...this.settings, ...changes };
    return this.config;
  }

  clear(): void {
    this.ring = new Array(this.settings.size);
    this.next = 0;
  }

  /**
   * Calls and 429s per rate-limit category among the entries kept (the console's
   * overview): counted over the raw ring, nothing parsed.
   */
  categoryCounts(): { calls: number; limited: number; categories: CategoryCount[] } {
    const counts = new Map<string, CategoryCount>();
    let calls = 0;
    let limited = 0;
    for (const raw of this.raw()) {
      calls++;
      if (raw.status === 429) limited++;
      const name = raw.category ?? 'none';
      const count = counts.get(name) ?? { category: name, calls: 0, limited: 0 };
      count.calls++;
      if (raw.status === 429) count.limited++;
      counts.set(name, count);
    }
    return { calls, limited, categories: [...counts.values()].sort((a, b) => b.calls - a.calls || a.category.localeCompare(b.category)) };
  }

  /** Entries matching `filter`, oldest first. */
  query(filter: JournalQuery = {}): JournalEntry[] {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', 'must be a whole number from 1');
    const matches = journalFilter(filter);
    const found = this.raw().filter((raw) => matches({ id: raw.id, time: raw.time, method: raw.method, status: raw.status, path: raw.url.split('?', 1)[0], app: raw.app, user: raw.user, agent: raw.agent }));
    return found.slice(-limit).map((raw) => this.view(raw));
  }

  /** Calls `listener` with every entry recorded from now on; returns the unsubscribe. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private raw(): RawEntry[] {
    const size = this.ring.length;
    const out: RawEntry[] = [];
    for (let i = 0; i < size; i++) {
      const entry = this.ring[(this.next + i) % size];
      if (entry) out.push(entry);
    }
    return out;
  }

  /**
   * Adds the journal's hooks to each `/v5` and OAuth route as it is registered,
   * with the route's policy at hand: other routes pay nothing, and recording
   * reads no request option. Calls to no route (404) are recorded by `onNotFound`.
   * @example app.addHook('onRoute', journal.onRoute)
   */
  readonly onRoute = (route: RouteOptions): void => {
    if (!journaled(route.url)) return;
    const policy = route.config?.policy;
    const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (this.settings.enabled) this.record(request, reply, policy);
      done();
    };
    route.onSend = [...[route.onSend ?? []].flat(), this.onSend] as RouteOptions['onSend'];
    route.onResponse = [...[route.onResponse ?? []].flat(), onResponse] as RouteOptions['onResponse'];
  };

  /** onResponse for every call: records those that matched no route. */
  readonly onNotFound = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (this.settings.enabled && request.is404 && journaled(request.url)) this.record(request, reply, undefined);
    done();
  };

  /** onSend: keeps the response body while bodies are on. */
  private readonly onSend = (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void => {
    if (this.settings.bodies) request.journalPayload = payload;
    done(null, payload);
  };

  /** Records a call a fault rule dropped: no response went out, so no onResponse hook sees it. */
  recordDropped(request: FastifyRequest, reply: FastifyReply): void {
    if (this.settings.enabled && journaled(request.url)) this.record(request, reply, request.routeOptions.config?.policy, true);
  }

  private record(request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy | undefined, dropped = false): void {
    const auth = request.auth;
    const entry: RawEntry = {
      id: this.nextId++,
      time: this.clock.now(),
      rid: request.id,
      method: request.method,
      url: request.url,
      // A dropped call has no status: 0, with `dropped` in its entry.
      status: dropped ? 0 : reply.statusCode,
      app: auth?.appId ?? request.client?.appId ?? request.faultCaller?.appId ?? null,
      user: auth?.userId ?? request.faultCaller?.userId ?? null,
      agent: auth?.agent?.name ?? null,
      scopes: policy?.scopes,
      category: policy?.category ?? null,
      remaining: reply.getHeader('x-ratelimit-remaining'),
      ms: reply.elapsedTime,
      fault: request.faultId,
    };
    if (this.settings.bodies) {
      entry.headers = request.headers;
      const declared = request.headers['content-length'];
      const length = Number(declared ?? 0);
      // A body of a known, small size is kept as it is and shaped when read; one sent
      // in chunks has no size given, so a bounded copy of it is kept instead.
      entry.body = length > BODY_KEEP_MAX ? `(${length} bytes, not kept)` : declared === undefined && request.body !== undefined ? shownValue(request.body) : request.body;
      entry.payload = request.journalPayload;
    }
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
    if (this.listeners.size > 0) {
      const view = this.view(entry);
      for (const listener of this.listeners) listener(view);
    }
  }

  private view(raw: RawEntry): JournalEntry {
    const [path, search] = raw.url.split('?', 2) as [string, string | undefined];
    const entry: JournalEntry = {
      id: raw.id,
      time: raw.time,
      at: new Date(raw.time).toISOString(),
      request_id: raw.rid,
      method: raw.method,
      path,
      query: search ? (shownValue(Object.fromEntries(new URLSearchParams(search))) as Record<string, string>) : null,
      status: raw.status,
      app: raw.app,
      user: raw.user,
      agent: raw.agent,
      scopes: [...(raw.scopes ?? [])],
      rate_limit_category: raw.category,
      rate_limit_remaining: raw.remaining === undefined ? null : Number(raw.remaining),
      duration_ms: Math.round(raw.ms * 100) / 100,
      fault: raw.fault,
      dropped: raw.status === 0,
    };
    if (raw.headers) {
      entry.request_headers = shownValue(raw.headers) as Record<string, unknown>;
      entry.request_body = shownValue(formFields(raw.body, raw.headers['content-type']));
      entry.response_body = shownValue(readPayload(raw.payload));
    }
    return entry;
  }
}

/**
 * The test a journal query applies to each call (everything but `limit`), also
 * used on entries streamed live.
 */
export function journalFilter(filter: JournalQuery): (entry: Pick<JournalEntry, 'id' | 'time' | 'method' | 'status' | 'path' | 'app' | 'user' | 'agent'>) => boolean {
  const matchPath = filter.path ? (filter.path.includes('*') ? pathMatcher(filter.path) : (p: string) => p.startsWith(filter.path!)) : null;
  const status = filter.status === undefined ? null : String(filter.status).toLowerCase();
  if (status !== null && !/^[1-5](\d\d|xx)$/.test(status)) throw invalid('status', 'must be a status like 201 or a class like 4xx');
  const since = filter.since === undefined ? null : parseInstant(filter.since, 'since');
  const method = filter.method?.toUpperCase();
  return (entry) => {
    if (filter.after !== undefined && entry.id <= filter.after) return false;
    if (since !== null && entry.time < since) return false;
    if (method && entry.method !== method) return false;
    if (filter.app && entry.app !== filter.app) return false;
    if (filter.user && entry.user !== filter.user) return false;
    if (filter.agent && entry.agent !== filter.agent) return false;
    if (status !== null && (status.endsWith('xx') ? String(entry.status)[0] !== status[0] : String(entry.status) !== status)) return false;
    return !matchPath || matchPath(entry.path);
  };
}

function readPayload(payload: unknown): unknown {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
  if (text === null) return payload === undefined || payload === null ? null : '(a stream, not kept)';
  if (text.length > BODY_KEEP_MAX) return `(${text.length} characters, not kept)`;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the OAuth pages' HTML, whose forms carry a CSRF token.
    return redactHtmlFields(text);
  }
}

/** A form body kept as text is shown as its fields, so their names decide what is hidden. */
function formFields(body: unknown, contentType: unknown): unknown {
  if (typeof body === 'string' && typeof contentType === 'string' && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  return body ?? null;
}

function invalid(field: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid parameters: '${field}' ${problem}.`);
}

function checkSize(size: unknown): void {
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > 1_000_000) throw invalid('size', 'must be a whole number from 1 to 1000000');
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The response body, kept for the journal while bodies are on. */
    journalPayload: unknown;
  }
}
