import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Dropped, InvalidationChannel } from './cache-invalidations.js';
import { subscriberOf, type SharedStoreHealth } from './shared-store.js';

/**
 * Cache invalidations between the processes of one instance, on one Redis pub/sub
 * channel (`<prefix>invalidate`). A process drops its own copy before it publishes
 * and skips its own messages. Subscribers hear a message as Redis sends it, before
 * PUBLISH has answered the process that changed something, so before that process
 * answers its caller: the caller's next call, to any process, finds the change
 * heard unless that process's event loop takes the call's bytes before the message
 * it was sent earlier.
 *
 * While the subscription is down (Redis away, or reconnecting) `listening` is false;
 * once subscribed again every topic is dropped whole (messages sent meanwhile were lost).
 */
export class RedisInvalidationChannel implements InvalidationChannel {
  private readonly me = randomUUID();
  private subscriber: Redis | null = null;
  private up = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly health: SharedStoreHealth,
    private readonly channel = `${prefix}invalidate`,
  ) {}

  get listening(): boolean {
    return this.up;
  }

  async start(heard: (topic: string | null, dropped: Dropped) => void): Promise<void> {
    const subscriber = await subscriberOf(this.redis);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      const { from, topic, dropped } = JSON.parse(message) as { from: string; topic: string; dropped: Dropped };
      if (from !== this.me) heard(topic, dropped);
    });
    subscriber.on('close', () => (this.up = false));
    // ioredis resubscribes on its own once reconnected, but says nothing when that is
    // done: subscribing again (a no-op for Redis) tells when messages reach us again.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => {
          if (this.subscriber !== subscriber) return;
          this.up = true;
          heard(null, 'all');
        },
        () => undefined,
      );
    });
    await subscriber.subscribe(this.channel);
    this.up = true;
  }

  async publish(topic: string, dropped: Dropped): Promise<void> {
    await this.health.run(() => this.redis.publish(this.channel, JSON.stringify({ from: this.me, topic, dropped })));
  }

  close(): void {
    this.up = false;
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
