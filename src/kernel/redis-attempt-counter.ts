import type { Redis } from 'ioredis';
import type { AttemptCounter } from './auth-attempts.js';
import type { SharedStoreHealth } from './shared-store.js';

const UNREACHABLE = 'The shared store (Redis) that counts failed sign-ins is unreachable; pinbox is reconnecting. Nothing was changed: try again shortly.';

/**
 * Counts failed authentications in Redis, beside the rate-limit counts, so the
 * processes of one instance share them: five failures are five across all of
 * them. Keys are named by the window's end on pinbox's clock (moving the clock
 * moves to other counters) and expire in real time after at least an hour and
 * twice their window, as the rate limiter's do.
 */
export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    /** Prefix of every key, so several instances can share one Redis. */
    private readonly prefix: string,
    /** Whether Redis answers; every command runs through it (503 while it does not). */
    private readonly health: SharedStoreHealth,
    /** As for rate limits (--redis-fail-open): while Redis is away, failures go uncounted instead of answering 503. */
    private readonly failOpen = false,
  ) {}

  /** Runs a command through `health`; with `failOpen`, an outage gives `fallback` instead of a 503. */
  private shared<T>(command: () => Promise<T>, fallback: T): Promise<T> {
    return this.health.runOrFallBack(this.failOpen, command, fallback, UNREACHABLE);
  }

  private key(subject: string, windowEndMs: number): string {
    return `${this.prefix}auth:${subject}:${windowEndMs}`;
  }

  async add(subject: string, windowEndMs: number, windowSeconds: number): Promise<number> {
    const key = this.key(subject, windowEndMs);
    const lifetime = Math.max(2 * windowSeconds * 1000, 3_600_000);
    // One round trip, applied together: the count and its expiry.
    // Failing open, an attempt made while Redis is away counts as the first of its window.
    const results = await this.shared(() => this.redis.multi().incr(key).pexpire(key, lifetime).exec(), [[null, 1]] as [Error | null, unknown][]);
    const [error, count] = results?.[0] ?? [new Error('Redis answered no result'), null];
    if (error) throw error;
    return Number(count);
  }

  async read(subject: string, windowEndMs: number): Promise<number> {
    // Failing open, nothing is counted while Redis is away.
    return Number((await this.shared(() => this.redis.get(this.key(subject, windowEndMs)), null)) ?? 0);
  }

  async forget(subject: string, windowEndMs: number): Promise<void> {
    await this.shared(() => this.redis.del(this.key(subject, windowEndMs)), 0);
  }

  /** Forgets every count of this instance (its keys only). */
  clear(): Promise<void> {
    return this.health.deleteMatching(`${this.prefix}auth:*`);
  }
}
