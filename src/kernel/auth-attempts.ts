import type { FastifyReply } from 'fastify';
import type { Clock } from './clock.js';
import { ApiError } from './errors.js';
import { readBasic, type ClientAuthenticator, type ClientContext } from './auth.js';

/**
 * How many failed authentications one client id (the token endpoints, the token
 * inspector) or one username (the sign-in page) may have in a window of pinbox's
 * clock; from the next attempt on, every attempt for it is refused with 429 until
 * the window ends, the right secret or password included. Windows are fixed and
 * aligned to the epoch, like the rate limits' (every process agrees on them).
 */
export const AUTH_ATTEMPT_LIMITS = { failures: 5, windowSeconds: 15 * 60 } as const;

/**
 * Where attempts are counted: this process's memory, or a store the processes
 * share (Redis), like rate-limit counts. A subject's count in one window.
 */
export interface AttemptCounter {
  /** Counts one attempt of `subject` in the window that ends at `windowEndMs` (pinbox clock) and returns that window's count. */
  add(subject: string, windowEndMs: number, windowSeconds: number): number | Promise<number>;
  /** `subject`'s count in that window, without counting. */
  read(subject: string, windowEndMs: number): number | Promise<number>;
  /** Forgets `subject`'s count in that window (a success). */
  forget(subject: string, windowEndMs: number): void | Promise<void>;
  /** Forgets every count (the control plane's reset). */
  clear(): void | Promise<void>;
}

/** Counts in this process's memory; Node runs each call to completion, so counting needs no lock. */
export class InProcessAttemptCounter implements AttemptCounter {
  private readonly counts = new Map<string, { end: number; count: number }>();
  /** Subjects are chosen by callers (any client id, any username): the map is kept to this size. */
  private static readonly MAX_SUBJECTS = 50_000;

  add(subject: string, windowEndMs: number): number {
    let entry = this.counts.get(subject);
    if (!entry || entry.end !== windowEndMs) {
      if (!entry && this.counts.size >= InProcessAttemptCounter.MAX_SUBJECTS) this.prune(windowEndMs);
      entry = { end: windowEndMs, count: 0 };
      this.counts.set(subject, entry);
    }
    return ++entry.count;
  }

  read(subject: string, windowEndMs: number): number {
    const entry = this.counts.get(subject);
    return entry?.end === windowEndMs ? entry.count : 0;
  }

  forget(subject: string, windowEndMs: number): void {
    if (this.counts.get(subject)?.end === windowEndMs) this.counts.delete(subject);
  }

  clear(): void {
    this.counts.clear();
  }

  /** Drops the counts of windows that have ended, then, if still full, the oldest (a Map iterates in insertion order). */
  private prune(currentEnd: number): void {
    for (const [subject, entry] of this.counts) if (entry.end < currentEnd) this.counts.delete(subject);
    for (const subject of this.counts.keys()) {
      if (this.counts.size < InProcessAttemptCounter.MAX_SUBJECTS) break;
      this.counts.delete(subject);
    }
  }
}

/** One attempt that may go on: `succeeded` once the credentials proved right. */
export interface AdmittedAttempt {
  allowed: true;
  succeeded(): Promise<void>;
}

/** An attempt admitted without being counted (`check`): `failed` counts it once the credentials proved wrong. */
export interface CheckedAttempt extends AdmittedAttempt {
  failed(): Promise<void>;
}

/** An attempt refused because its subject failed too often in this window. */
export interface RefusedAttempt {
  allowed: false;
  /** Seconds until the window ends and attempts are taken again. */
  retryAfterSeconds: number;
}

/**
 * Failed authentications, counted per subject (`client:<id>`, `user:<username>`)
 * on pinbox's clock. A sign-in is counted before its password is checked (`begin`),
 * so concurrent guesses cannot get past the limit together; a client
 * authentication is counted only when it fails (`check`), so an app may make many
 * at once. A success forgets the count: whoever gets it right starts again from zero.
 * Refusing (rather than sleeping) keeps no connection waiting.
 * @example
 * const attempt = await attempts.begin(`user:${username}`);
 * if (!attempt.allowed) return refuse(attempt.retryAfterSeconds);
 * if (await passwordMatches()) await attempt.succeeded();
 */
export class AuthAttempts {
  private counter: AttemptCounter = new InProcessAttemptCounter();

  constructor(
    private readonly clock: Clock,
    readonly limits: { failures: number; windowSeconds: number } = AUTH_ATTEMPT_LIMITS,
  ) {}

  /** Counts from now on in `counter` (Redis, shared by the processes of one instance). */
  countIn(counter: AttemptCounter): void {
    this.counter = counter;
  }

  /** Counts the attempt first (concurrent guesses cannot get past the limit together): for sign-ins, which a person makes one at a time. */
  async begin(subject: string): Promise<AdmittedAttempt | RefusedAttempt> {
    const { now, end } = this.window();
    const count = await this.counter.add(subject, end, this.limits.windowSeconds);
    if (count > this.limits.failures) return this.refused(now, end);
    return { allowed: true, succeeded: async () => void (await this.counter.forget(subject, end)) };
  }

  /**
   * Counts only the attempts that fail: for client authentication, which one app
   * may make many times at once (parallel jobs exchanging codes or refreshing);
   * counted first, six of those in flight would be refused with the right secret.
   * A burst of wrong secrets sent at once can pass the limit by what is in flight
   * while the first ones are checked (a comparison of hashes, about a millisecond).
   */
  async check(subject: string): Promise<CheckedAttempt | RefusedAttempt> {
    const { now, end } = this.window();
    if ((await this.counter.read(subject, end)) >= this.limits.failures) return this.refused(now, end);
    return {
      allowed: true,
      succeeded: async () => void (await this.counter.forget(subject, end)),
      failed: async () => void (await this.counter.add(subject, end, this.limits.windowSeconds)),
    };
  }

  /** The window of pinbox's clock that holds now, by its end. */
  private window(): { now: number; end: number } {
    const now = this.clock.now();
    const length = this.limits.windowSeconds * 1000;
    return { now, end: (Math.floor(now / length) + 1) * length };
  }

  private refused(now: number, end: number): RefusedAttempt {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)) };
  }

  /**
   * Pinterest's 429 for a refused attempt, with `Retry-After` set on the reply.
   * @example throw attempts.refusal(reply, attempt, 'failed client authentications for client id 1500001')
   */
  refusal(reply: FastifyReply, attempt: RefusedAttempt, what: string): ApiError {
    void reply.header('retry-after', String(attempt.retryAfterSeconds));
    return new ApiError('rate_limited', `You have exceeded your rate limit. Try again later. (${this.describe(attempt, what)})`);
  }

  /**
   * What was refused and for how long, in words.
   * @example attempts.describe(attempt, "failed sign-ins for 'alice'") // "5 failed sign-ins for 'alice' in 15 minutes; try again in 600 s."
   */
  describe(attempt: RefusedAttempt, what: string): string {
    const minutes = this.limits.windowSeconds / 60;
    const window = Number.isInteger(minutes) ? `${minutes} minutes` : `${this.limits.windowSeconds} seconds`;
    return `${this.limits.failures} ${what} in ${window}; try again in ${attempt.retryAfterSeconds} s.`;
  }

  clear(): void | Promise<void> {
    return this.counter.clear();
  }
}

/** Pinterest: app (client) ids are numeric; anything else cannot authenticate and is not counted. */
const CLIENT_ID = /^\d{1,20}$/;

/**
 * Authenticates the app calling a client-authenticated endpoint (the token
 * endpoints, the token inspector) by HTTP Basic, counting failures per client id.
 * @throws ApiError 401 (code 2) for missing or wrong credentials; 429 (code 8), with
 *   `Retry-After`, while the client id has failed too often.
 * @example const client = await authenticateClient(request.headers.authorization, reply, apps, attempts);
 */
export async function authenticateClient(
  authorization: string | undefined,
  reply: FastifyReply,
  clients: ClientAuthenticator,
  attempts: AuthAttempts,
): Promise<ClientContext> {
  const credentials = readBasic(authorization);
  if (!credentials || !CLIENT_ID.test(credentials.user)) throw new ApiError('authentication_failed');
  const attempt = await attempts.check(`client:${credentials.user}`);
  if (!attempt.allowed) throw attempts.refusal(reply, attempt, `failed client authentications for client id ${credentials.user}`);
  const client = await clients.authenticate(credentials.user, credentials.password);
  if (!client) {
    await attempt.failed();
    throw new ApiError('authentication_failed');
  }
  await attempt.succeeded();
  return client;
}
