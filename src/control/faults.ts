import type { FastifyReply, FastifyRequest } from 'fastify';
import { readBasic, readBearer, type TokenResolver } from '../kernel/auth.js';
import { parseDuration } from '../kernel/duration.js';
import { ERROR_CATALOG } from '../kernel/errors.js';
import { ApiError } from '../kernel/errors.js';
import { pathMatcher } from './patterns.js';
import type { RateLimitCategory } from '../kernel/rate-limits/categories.js';
import type { AccessTier } from '../kernel/rate-limits/tiers.js';

/** A fault rule as a tester writes it (HTTP body, CLI flags, or code). */
export interface FaultRuleInput {
  /** HTTP method to match, or `*` (default). */
  method?: string;
  /** Path pattern: `*` within a segment, `**` across segments; read under `/v5` unless it names `/oauth`. */
  path: string;
  /** Only calls by this app (client id). */
  app?: string;
  /** Only calls by this user (username). */
  user?: string;
  /** Answer with this status (400-599) and a Pinterest-shaped body; leave out for latency alone. */
  status?: number;
  /** The body to answer with instead of Pinterest's for the status. */
  body?: unknown;
  /** For a 429: the seconds in Retry-After and x-ratelimit-reset (default 60). */
  retry_after?: number;
  /** Wait this long (milliseconds or `2s`, `500ms`) before answering or going on. */
  latency?: number | string;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Fire for the next N matching calls only (default: every one). */
  times?: number;
  /** Fire with this probability (0..1), drawn from a generator seeded with `seed`. */
  probability?: number;
  /** Seed of the probability draws (default 1): the same seed gives the same sequence. */
  seed?: number;
}

/** A rule as pinbox keeps and lists it. */
export interface FaultRule {
  id: string;
  method: string;
  path: string;
  app: string | null;
  user: string | null;
  status: number | null;
  body: unknown;
  retry_after: number;
  latency_ms: number;
  drop: boolean;
  probability: number | null;
  seed: number;
  /** Firings left (null: no limit). A rule with 0 left stays listed but fires no more. */
  remaining: number | null;
  /** How many times it fired. */
  fired: number;
}

/** A rule as it is kept (and shared between processes): what it is, not what it has done. */
export type StoredFaultRule = Omit<FaultRule, 'remaining' | 'fired'> & { times: number | null; userId: string | null };

/**
 * Where the rules live when several processes serve one instance (Redis): each
 * process mirrors them, and a rule's firings are counted in one place, so a rule
 * for the next N calls fires N times across the processes together.
 */
export interface FaultShare {
  /** A new rule id, unique across the processes. */
  nextId(): Promise<string>;
  put(rule: StoredFaultRule): Promise<void>;
  remove(id: string): Promise<boolean>;
  clear(): Promise<void>;
  all(): Promise<StoredFaultRule[]>;
  /** Takes one of a limited rule's firings; false when none is left. */
  take(id: string, times: number): Promise<boolean>;
  /** Counts a firing of a rule. */
  fired(id: string): Promise<void>;
  /** How many times each rule fired, and for limited rules how many firings were taken. */
  counts(ids: string[]): Promise<{ fired: number; taken: number }[]>;
  /** Calls `changed` when any process changed the rules. */
  subscribe(changed: () => void): Promise<void>;
}

interface LiveRule extends FaultRule {
  /** The firings it was made with (null: no limit). */
  limit: number | null;
  matches: (path: string) => boolean;
  userId: string | null;
  random: () => number;
}

function live(rule: StoredFaultRule): LiveRule {
  const { times, ...kept } = rule;
  return { ...kept, limit: times, remaining: times, fired: 0, matches: pathMatcher(rule.path), random: seeded(rule.seed) };
}

/** A small seeded generator (mulberry32): the same seed draws the same sequence. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pinterest: bodies as Pinterest sends them; the 503 is the spec's example for an
// endpoint that has been ramped down.
const DEFAULT_BODIES: Record<number, { code: number; message: string }> = {
  400: { code: ERROR_CATALOG.invalid_parameters.code, message: ERROR_CATALOG.invalid_parameters.message },
  401: { code: ERROR_CATALOG.authentication_failed.code, message: ERROR_CATALOG.authentication_failed.message },
  403: { code: ERROR_CATALOG.not_permitted.code, message: ERROR_CATALOG.not_permitted.message },
  404: { code: ERROR_CATALOG.route_not_found.code, message: ERROR_CATALOG.route_not_found.message },
  429: { code: ERROR_CATALOG.rate_limited.code, message: ERROR_CATALOG.rate_limited.message },
  500: { code: ERROR_CATALOG.internal.code, message: ERROR_CATALOG.internal.message },
  503: { code: 4197, message: 'The endpoint has been ramped down and is currently not accepting any traffic.' },
};

function bad(field: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid parameters: '${field}' ${problem}.`);
}

/**
 * Faults a tester chooses: rules that answer matching `/v5` and OAuth calls with an
 * error, slow them down or drop them. They are checked in an onRequest hook that
 * runs before authentication, rate limits and the handler, so an injected fault
 * changes no state (and is not counted against any limit).
 */
export class Faults {
  private rules: LiveRule[] = [];
  private nextId = 1;
  private share: FaultShare | null = null;

  constructor(
    private readonly tokens: TokenResolver,
    private readonly userIdOf: (username: string) => Promise<string | null>,
    private readonly version: string,
    /** The `x-ratelimit-limit` a refused call of this tier and category carries; null where nothing limits it. */
    private readonly limitHeaderOf: (tier: AccessTier, category: RateLimitCategory) => string | null = () => null,
    /** Told of a call whose connection a rule dropped (no response is sent, so no onResponse hook runs). */
    private readonly onDropped: (request: FastifyRequest, reply: FastifyReply) => void = () => undefined,
  ) {}

  /**
   * Shares the rules with the other processes of the instance from now on: this
   * process mirrors the shared rules, and its own changes go to the share.
   * Probability draws stay each process's own sequence.
   */
  async shareWith(share: FaultShare): Promise<void> {
    this.share = share;
    // A reload that fails (Redis gone while closing) leaves the mirror as it was.
    await share.subscribe(() => void this.reload().catch(() => undefined));
    await this.reload();
  }

  private async reload(): Promise<void> {
    if (!this.share) return;
    const stored = await this.share.all();
    const known = new Map(this.rules.map((rule) => [rule.id, rule]));
    // A rule this process already mirrors keeps its probability sequence.
    this.rules = stored.sort((a, b) => Number(a.id) - Number(b.id)).map((rule) => known.get(rule.id) ?? live(rule));
  }

  /**
   * Adds a rule; rules are tried in the order they were added, and the first that fires answers.
   * @example await pinbox.faults.add({ method: 'POST', path: '/pins', status: 503, times: 2 })
   */
  async add(input: FaultRuleInput): Promise<FaultRule> {
    if (typeof input !== 'object' || input === null) throw bad('rule', 'must be an object');
    const method = (input.method ?? '*').toUpperCase();
    if (!/^(\*|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method)) throw bad('method', 'must be an HTTP method or *');
    if (typeof input.path !== 'string' || input.path.length === 0) throw bad('path', 'is required (a pattern such as /pins/*)');
    if (input.status !== undefined && !(Number.isInteger(input.status) && input.status >= 400 && input.status <= 599)) throw bad('status', 'must be an HTTP status from 400 to 599');
    const latency = input.latency === undefined ? 0 : parseDuration(input.latency, 'latency');
    if (latency < 0 || latency > 600_000) throw bad('latency', 'must be from 0 to 10 minutes');
    if (input.status === undefined && !input.drop && latency === 0) throw bad('status', 'is required unless the rule adds latency or drops the connection');
    if (input.times !== undefined && !(Number.isInteger(input.times) && input.times >= 1)) throw bad('times', 'must be a whole number from 1');
    if (input.probability !== undefined && !(typeof input.probability === 'number' && input.probability >= 0 && input.probability <= 1)) throw bad('probability', 'must be from 0 to 1');
    if (input.seed !== undefined && !Number.isInteger(input.seed)) throw bad('seed', 'must be an integer');
    if (input.retry_after !== undefined && !(Number.isInteger(input.retry_after) && input.retry_after >= 0)) throw bad('retry_after', 'must be whole seconds');
    if (input.drop !== undefined && typeof input.drop !== 'boolean') throw bad('drop', 'must be true or false');
    if (input.app !== undefined && typeof input.app !== 'string') throw bad('app', 'must be a client id');
    let userId: string | null = null;
    if (input.user !== undefined) {
      userId = typeof input.user === 'string' ? await this.userIdOf(input.user) : null;
      if (!userId) throw new ApiError('user_not_found', `User '${String(input.user)}' not found.`);
    }
    const seed = input.seed ?? 1;
    const stored: StoredFaultRule = {
      id: this.share ? await this.share.nextId() : String(this.nextId++),
      method,
      path: input.path,
      app: input.app ?? null,
      user: input.user ?? null,
      status: input.status ?? null,
      body: input.body ?? null,
      retry_after: input.retry_after ?? 60,
      latency_ms: latency,
      drop: input.drop ?? false,
      probability: input.probability ?? null,
      seed,
      times: input.times ?? null,
      userId,
    };
    const rule = live(stored);
    this.rules.push(rule);
    await this.share?.put(stored);
    return this.describe(rule);
  }

  /** The rules, with how often each fired (across the processes when shared). */
  async list(): Promise<FaultRule[]> {
    const shown = this.rules.map((rule) => this.describe(rule));
    if (!this.share) return shown;
    const counts = await this.share.counts(shown.map((rule) => rule.id));
    return shown.map((rule, i) => {
      const limit = this.rules[i].limit;
      return { ...rule, fired: counts[i].fired, remaining: limit === null ? null : Math.max(0, limit - counts[i].taken) };
    });
  }

  /** Removes one rule; false when there is none with that id. */
  async remove(id: string): Promise<boolean> {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    const removedHere = this.rules.length < before;
    return this.share ? (await this.share.remove(id)) || removedHere : removedHere;
  }

  async clear(): Promise<void> {
    this.rules = [];
    await this.share?.clear();
  }

  private describe(rule: LiveRule): FaultRule {
    const { matches: _m, userId: _u, random: _r, limit: _l, ...shown } = rule;
    return { ...shown };
  }

  /** The onRequest hook: with no rules it costs one comparison (and no promise). */
  readonly hook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    if (this.rules.length === 0) return done();
    this.apply(request, reply).then((answered) => {
      if (!answered) done();
    }, done);
  };

  /** Fires the first matching rule; true when it answered (or dropped) the call. */
  private async apply(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const path = request.url.split('?', 1)[0];
    if (!path.startsWith('/v5/') && !path.startsWith('/oauth')) return false;
    let caller: Caller | undefined;
    for (const rule of this.rules) {
      if (rule.remaining === 0 || (rule.method !== '*' && rule.method !== request.method) || !rule.matches(path)) continue;
      if (rule.app !== null || rule.userId !== null) {
        caller ??= await this.callerOf(request);
        if ((rule.app !== null && rule.app !== caller.appId) || (rule.userId !== null && rule.userId !== caller.userId)) continue;
      }
      if (rule.probability !== null && rule.random() >= rule.probability) continue;
      if (rule.remaining !== null && this.share) {
        // Limited rules count their firings in one place: N across the processes.
        if (!(await this.share.take(rule.id, rule.limit!))) {
          rule.remaining = 0;
          continue;
        }
      } else if (rule.remaining !== null) rule.remaining--;
      rule.fired++;
      // The shared count is a tally for the control plane: a firing it missed (Redis
      // away) is no reason to answer otherwise than the rule says.
      await this.share?.fired(rule.id).catch(() => undefined);
      request.faultId = rule.id;
      // Who was answered, for the journal (authentication never runs on a faulted call).
      request.faultCaller = caller ?? (await this.callerOf(request));
      if (rule.latency_ms > 0) await new Promise((resolve) => setTimeout(resolve, rule.latency_ms));
      if (rule.drop) {
        this.onDropped(request, reply);
        reply.hijack();
        request.raw.socket.destroy();
        return true;
      }
      if (rule.status === null) return false;
      reply.code(rule.status).header('x-pinterest-rid', request.id).header('pinterest-version', this.version).header('x-pinbox-fault', rule.id);
      if (rule.status === 429) {
        // Pinterest: a refused call carries its window's headers and Retry-After: the
        // limit and window of the route's own category for the caller's access tier.
        const category = request.routeOptions.config?.policy?.category;
        const limit = (category && this.limitHeaderOf(request.faultCaller?.tier ?? 'standard', category)) || `0, 0;w=${Math.max(rule.retry_after, 1)}`;
        reply.header('x-ratelimit-limit', limit).header('x-ratelimit-remaining', '0').header('x-ratelimit-reset', String(rule.retry_after)).header('retry-after', String(rule.retry_after));
      }
      reply.send(rule.body ?? DEFAULT_BODIES[rule.status] ?? { code: rule.status, message: `Injected fault (pinbox rule ${rule.id}).` });
      return true;
    }
    return false;
  }

  private async callerOf(request: FastifyRequest): Promise<Caller> {
    const bearer = readBearer(request.headers.authorization);
    if (bearer) {
      const auth = await this.tokens.resolve(bearer);
      return { appId: auth?.appId ?? null, userId: auth?.userId ?? null, tier: auth?.tier ?? null };
    }
    return { appId: readBasic(request.headers.authorization)?.user ?? null, userId: null, tier: null };
  }
}

/** Who made a faulted call, as far as its credentials say (authentication never runs on it). */
interface Caller {
  appId: string | null;
  userId: string | null;
  tier: AccessTier | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The fault rule that answered this request, if one did. */
    faultId: string | null;
    /** The app, user and access tier of the token a faulted call carried. */
    faultCaller: Caller | null;
  }
}
