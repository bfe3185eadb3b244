import type { Redis } from 'ioredis';
import type { AttemptCounter } from './auth-attempts.js';

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
  ) {}

  private key(subject: string, windowEndMs: number): string {
    return `${this.prefix}auth:${subject}:${windowEndMs}`;
  }

  async add(subject: string, windowEndMs: number, windowSeconds: number): Promise<number> {
    const key = this.key(subject, windowEndMs);
    const lifetime = Math.max(2 * windowSeconds * 1000, 3_600_000);
    // One round trip, applied together: the count and its expiry.
    const results = await this.redis.multi().incr(key).pexpire(key, lifetime).exec();
    const [error, count] = results?.[0] ?? [new Error('Redis answered no result'), null];
    if (error) throw error;
    return Number(count);
  }

  async forget(subject: string, windowEndMs: number): Promise<void> {
    await this.redis.del(this.key(subject, windowEndMs));
  }

  /** Forgets every count of this instance (its keys only). */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}auth:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== '0');
  }
}
