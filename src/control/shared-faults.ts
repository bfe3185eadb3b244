import type { Redis } from 'ioredis';
import { execAll, subscriberOf, type SharedStoreHealth } from '../kernel/shared-store.js';
import type { FaultShare, StoredFaultRule } from './faults.js';

/** Takes one firing of a limited rule if any is left: KEYS[1] the taken count, ARGV[1] the limit. */
const TAKE_SCRIPT = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
return 1
`;

type TakingRedis = Redis & { pinboxTakeFiring(key: string, limit: number): Promise<number> };

/**
 * Fault rules in Redis, for several processes serving one instance: the rules in
 * one hash, a counter per rule of its firings (and, for a rule limited to N, of the
 * firings taken, checked and counted in one step), and a channel that tells every
 * process to reload its mirror when any of them changes the rules.
 *
 * While Redis is unreachable every method is refused with a 503 (through `health`),
 * and each process keeps the rules it mirrors; the mirror is reloaded when the
 * subscription comes back, for the changes announced meanwhile.
 */
export class RedisFaultShare implements FaultShare {
  private readonly redis: TakingRedis;
  private readonly rulesKey: string;
  private readonly channel: string;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly health: SharedStoreHealth,
  ) {
    redis.defineCommand('pinboxTakeFiring', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.redis = redis as TakingRedis;
    this.rulesKey = `${prefix}faults`;
    this.channel = `${prefix}faults:changed`;
  }

  private counterKeys(id: string): { fired: string; taken: string } {
    return { fired: `${this.prefix}faults:fired:${id}`, taken: `${this.prefix}faults:taken:${id}` };
  }

  async nextId(): Promise<string> {
    return String(await this.health.run(() => this.redis.incr(`${this.prefix}faults:next-id`)));
  }

  async put(rule: StoredFaultRule): Promise<void> {
    await this.health.run(() => execAll(this.redis.multi().hset(this.rulesKey, rule.id, JSON.stringify(rule)).publish(this.channel, rule.id)));
  }

  async remove(id: string): Promise<boolean> {
    const { fired, taken } = this.counterKeys(id);
    const results = await this.health.run(() => execAll(this.redis.multi().hdel(this.rulesKey, id).del(fired, taken).publish(this.channel, id)));
    return Number(results[0][1] ?? 0) > 0;
  }

  async clear(): Promise<void> {
    const ids = await this.health.run(() => this.redis.hkeys(this.rulesKey));
    const counters = ids.flatMap((id) => Object.values(this.counterKeys(id)));
    const batch = this.redis.multi().del(this.rulesKey);
    if (counters.length > 0) batch.del(...counters);
    await this.health.run(() => execAll(batch.publish(this.channel, '*')));
  }

  async all(): Promise<StoredFaultRule[]> {
    const stored = await this.health.run(() => this.redis.hgetall(this.rulesKey));
    return Object.values(stored).map((text) => JSON.parse(text) as StoredFaultRule);
  }

  async take(id: string, times: number): Promise<boolean> {
    return (await this.health.run(() => this.redis.pinboxTakeFiring(this.counterKeys(id).taken, times))) === 1;
  }

  async fired(id: string): Promise<void> {
    await this.health.run(() => this.redis.incr(this.counterKeys(id).fired));
  }

  async counts(ids: string[]): Promise<{ fired: number; taken: number }[]> {
    if (ids.length === 0) return [];
    const keys = ids.flatMap((id) => [this.counterKeys(id).fired, this.counterKeys(id).taken]);
    const values = await this.health.run(() => this.redis.mget(...keys));
    return ids.map((_, i) => ({ fired: Number(values[2 * i] ?? 0), taken: Number(values[2 * i + 1] ?? 0) }));
  }

  async subscribe(changed: () => void): Promise<void> {
    const subscriber = await subscriberOf(this.redis);
    subscriber.on('message', () => changed());
    await subscriber.subscribe(this.channel);
    // Back after an outage (ioredis resubscribes on its own): changes announced meanwhile were lost.
    subscriber.on('ready', () => changed());
    this.subscriber = subscriber;
  }

  private subscriber: Redis | null = null;

  /** Stops listening for other processes' changes. */
  close(): void {
    this.subscriber?.disconnect();
  }
}
