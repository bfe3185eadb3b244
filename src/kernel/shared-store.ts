import type { ChainableCommander, Redis } from 'ioredis';
import { ApiError } from './errors.js';

/**
 * Redis's answers that mean it cannot serve now rather than that the command was
 * wrong: still loading its data set, busy with a script, a replica cut off from its
 * primary, a cluster that is not ready.
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * Whether a failed Redis command failed because Redis cannot be reached (refused,
 * dropped, timed out, not connected) rather than because Redis refused the command:
 * ioredis rejects the first kind with plain errors and the second with a `ReplyError`.
 * @example isRedisUnreachable(new Error('Command timed out')) // true
 */
export function isRedisUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLY.test(error.message);
  return true;
}

/** Where the shared store reports its outages (pino's logger fits). */
export interface OutageLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** How often a Redis known to be down is asked whether it is back (with PING). */
const PROBE_EVERY_MS = 500;

/**
 * Whether the Redis that several processes share answers, as its commands find
 * out. Every shared command runs through `run`: a command that finds Redis
 * unreachable marks an outage, and from then on commands are refused at once (no
 * call waits on a Redis that is gone, nor piles commands up for it to run later)
 * until a PING, sent half a second after the last one failed, is answered. Each outage is logged once,
 * when it starts and when it ends.
 *
 * ioredis itself must neither queue commands while disconnected nor wait without
 * end for an answer (`enableOfflineQueue: false`, `commandTimeout`): see `connectRedis`.
 * @example
 * const health = new SharedStoreHealth(redis, 'rate limits are not counted');
 * const count = await health.run(() => redis.incr(key)); // ApiError 503 while Redis is away
 */
export class SharedStoreHealth {
  private down = false;
  private probe: NodeJS.Timeout | null = null;
  private log: OutageLog = { info: () => undefined, error: () => undefined };

  constructor(
    private readonly redis: Redis,
    /** What an outage means for calls, for the log line that starts it. */
    private readonly consequence: string,
  ) {}

  /** Where outages are reported (the process's logger, once it exists). */
  useLog(log: OutageLog): void {
    this.log = log;
  }

  /** Whether Redis is known to be unreachable now. */
  get unreachable(): boolean {
    return this.down;
  }

  /**
   * Runs a Redis command; while Redis is unreachable, refuses it at once.
   * @throws ApiError 503 (`shared_store_unavailable`) when Redis cannot be reached.
   */
  async run<T>(command: () => Promise<T>, message?: string): Promise<T> {
    if (this.down) throw new ApiError('shared_store_unavailable', message);
    try {
      return await command();
    } catch (error) {
      if (!isRedisUnreachable(error)) throw error;
      this.failed(error);
      throw new ApiError('shared_store_unavailable', message);
    }
  }

  /**
   * `run`, except that while failing open (`--redis-fail-open`) an outage gives
   * `fallback` instead of the 503: what Redis would have counted goes uncounted.
   */
  async runOrFallBack<T>(failOpen: boolean, command: () => Promise<T>, fallback: T, message?: string): Promise<T> {
    try {
      return await this.run(command, message);
    } catch (error) {
      if (failOpen && error instanceof ApiError && error.key === 'shared_store_unavailable') return fallback;
      throw error;
    }
  }

  /** Deletes every key matching `pattern` (SCAN, then DEL a batch at a time). */
  async deleteMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.run(() => this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
      cursor = next;
      if (keys.length > 0) await this.run(() => this.redis.del(...keys));
    } while (cursor !== '0');
  }

  private failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log.error({ err: error }, `Redis is unreachable: ${this.consequence} until it is back`);
    this.probeLater();
  }

  /** One PING at a time: a Redis that hangs is not sent a pile of them to answer later. */
  private probeLater(): void {
    this.probe = setTimeout(() => {
      this.redis.ping().then(
        () => this.recovered(),
        () => {
          if (this.probe) this.probeLater();
        },
      );
    }, PROBE_EVERY_MS);
    // The probe alone never keeps a process alive.
    this.probe.unref();
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.probe = null;
    this.log.info({}, 'Redis is reachable again');
  }

  /** Stops probing (the process is closing). */
  close(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }
}

/**
 * The connection for subscriptions, beside `redis`: ioredis refuses commands on a
 * connection that is not up yet when it queues none, so it is connected first.
 */
export async function subscriberOf(redis: Redis): Promise<Redis> {
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  if (subscriber.status === 'wait') await subscriber.connect();
  return subscriber;
}

/**
 * Runs a MULTI batch and returns its results, or throws the first command's error
 * (ioredis answers a failed command in a batch in its results, not by rejecting).
 */
export async function execAll(batch: ChainableCommander): Promise<[Error | null, unknown][]> {
  const results = await batch.exec();
  if (!results) throw new Error('Redis discarded the transaction');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results;
}
