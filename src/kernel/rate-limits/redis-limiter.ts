import type { Redis } from 'ioredis';
import type { SharedStoreHealth } from '../shared-store.js';
import type { CountedWindow, RateDecision, RateLimiter, WindowReading } from './limiter.js';

/**
 * Checks every window, then counts in all of them or in none, in one atomic step
 * (Redis runs a script alone). KEYS: one counter per window. ARGV: the limits, then
 * the time each counter lives (ms). Returns 1 or 0 (allowed), then each counter's
 * value: after counting when allowed, as found when refused.
 */
const TAKE_SCRIPT = `
local n = #KEYS
local found = {}
local allowed = 1
for i = 1, n do
  found[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if found[i] >= tonumber(ARGV[i]) then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    found[i] = redis.call('INCR', KEYS[i])
    if found[i] == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
local out = { allowed }
for i = 1, n do out[i + 1] = found[i] end
return out
`;

/** Where the window containing `nowMs` ends (windows are aligned to the epoch, as in every process). */
function windowEnd(windowSeconds: number, nowMs: number): number {
  const length = windowSeconds * 1000;
  return (Math.floor(nowMs / length) + 1) * length;
}

type TakingRedis = Redis & { pinboxTake(keys: number, ...args: (string | number)[]): Promise<number[]> };

/**
 * Counts in Redis, so several pinbox processes share one count per (app, user)
 * and window: N allowed calls are N across all processes together. One round trip
 * per request (EVALSHA of a script that ioredis loads once).
 * Keys are named by the window's end on pinbox's clock, so moving the clock moves
 * to other counters; each counter expires in real time after at least an hour and
 * at least twice its window.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: TakingRedis;

  constructor(
    redis: Redis,
    /** Prefix of every key, so several instances can share one Redis. */
    private readonly prefix: string,
    /** Whether Redis answers; every command runs through it. */
    private readonly health: SharedStoreHealth,
    /**
     * While Redis is unreachable: false (default), every counted call is refused with
     * 503; true, calls are served and not counted (the outage is logged once).
     */
    private readonly failOpen = false,
  ) {
    redis.defineCommand('pinboxTake', { lua: TAKE_SCRIPT });
    this.redis = redis as TakingRedis;
  }

  async take(subject: string, windows: readonly CountedWindow[], nowMs: number): Promise<RateDecision | null> {
    if (windows.length === 0) throw new Error('take() needs at least one window');
    const ends = windows.map((window) => windowEnd(window.windowSeconds, nowMs));
    const keys = windows.map((window, i) => `${this.prefix}rl:${subject}:${window.name}:${window.windowSeconds}:${ends[i]}`);
    const lifetimes = windows.map((window) => Math.max(2 * window.windowSeconds * 1000, 3_600_000));
    const taken = await this.health.runOrFallBack(
      this.failOpen,
      () => this.redis.pinboxTake(keys.length, ...keys, ...windows.map((w) => w.limit), ...lifetimes),
      null,
      'The shared store (Redis) that counts rate limits is unreachable; pinbox is reconnecting. Nothing was changed: try again shortly.',
    );
    // Failing open: served, not counted.
    if (taken === null) return null;
    const [allowed, ...counts] = taken;
    if (allowed !== 1) {
      // The full window that resets last: waiting for it frees every full window.
      let full = -1;
      windows.forEach((window, i) => {
        if (counts[i] >= window.limit && (full < 0 || ends[i] > ends[full])) full = i;
      });
      return { allowed: false, tightest: { window: windows[full], remaining: 0, resetMs: ends[full] - nowMs } };
    }
    let tightest: WindowReading | null = null;
    windows.forEach((window, i) => {
      const remaining = Math.max(0, window.limit - counts[i]);
      const resetMs = ends[i] - nowMs;
      if (!tightest || remaining < tightest.remaining || (remaining === tightest.remaining && resetMs > tightest.resetMs)) {
        tightest = { window, remaining, resetMs };
      }
    });
    return { allowed: true, tightest: tightest! };
  }

  /** Forgets every count of this instance (its keys only). */
  clear(): Promise<void> {
    return this.health.deleteMatching(`${this.prefix}rl:*`);
  }
}
