import type { Redis } from 'ioredis';
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
 */
export class RedisFaultShare implements FaultShare {
  private readonly redis: TakingRedis;
  private readonly rulesKey: string;
  private readonly channel: string;

  constructor(
    redis: Redis,
    private readonly prefix: string,
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
    return String(await this.redis.incr(`${this.prefix}faults:next-id`));
  }

  async put(rule: StoredFaultRule): Promise<void> {
    await this.redis.multi().hset(this.rulesKey, rule.id, JSON.stringify(rule)).publish(this.channel, rule.id).exec();
  }

  async remove(id: string): Promise<boolean> {
    const { fired, taken } = this.counterKeys(id);
    const results = await this.redis.multi().hdel(this.rulesKey, id).del(fired, taken).publish(this.channel, id).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  async clear(): Promise<void> {
    const ids = await this.redis.hkeys(this.rulesKey);
    const counters = ids.flatMap((id) => Object.values(this.counterKeys(id)));
    const batch = this.redis.multi().del(this.rulesKey);
    if (counters.length > 0) batch.del(...counters);
    await batch.publish(this.channel, '*').exec();
  }

  async all(): Promise<StoredFaultRule[]> {
    const stored = await this.redis.hgetall(this.rulesKey);
    return Object.values(stored).map((text) => JSON.parse(text) as StoredFaultRule);
  }

  async take(id: string, times: number): Promise<boolean> {
    return (await this.redis.pinboxTakeFiring(this.counterKeys(id).taken, times)) === 1;
  }

  async fired(id: string): Promise<void> {
    await this.redis.incr(this.counterKeys(id).fired);
  }

  async counts(ids: string[]): Promise<{ fired: number; taken: number }[]> {
    if (ids.length === 0) return [];
    const keys = ids.flatMap((id) => [this.counterKeys(id).fired, this.counterKeys(id).taken]);
    const values = await this.redis.mget(...keys);
    return ids.map((_, i) => ({ fired: Number(values[2 * i] ?? 0), taken: Number(values[2 * i + 1] ?? 0) }));
  }

  async subscribe(changed: () => void): Promise<void> {
    const subscriber = this.redis.duplicate();
    subscriber.on('error', () => undefined);
    subscriber.on('message', () => changed());
    await subscriber.subscribe(this.channel);
    this.subscriber = subscriber;
  }

  private subscriber: Redis | null = null;

  /** Stops listening for other processes' changes. */
  close(): void {
    this.subscriber?.disconnect();
  }
}
