/** The keys of a topic that changed, or all of them. */
export type Dropped = readonly string[] | 'all';

/** How the processes of one instance tell each other what changed. */
export interface InvalidationChannel {
  /** Starts hearing the others; `heard` is called for each change another process announced ('all' for every topic after a gap). */
  start(heard: (topic: string | null, dropped: Dropped) => void): Promise<void>;
  /** Tells the others; resolves once the channel has taken it. */
  publish(topic: string, dropped: Dropped): Promise<void>;
  /** Whether changes announced by the others reach this process now. */
  readonly listening: boolean;
  close(): void;
}

/** The topic of the whole store: a reset, a restore or a fixture changed it, and every cache of it goes. */
export const STORE_TOPIC = 'store';

type Handler = (dropped: Dropped) => void | Promise<void>;

/**
 * What a process keeps beside the store (resolved token grants with their app's
 * tier, a family's settings read from the store) is dropped wherever it is kept
 * the moment it changes: in this process at once, and in every other process of
 * the instance through a channel (Redis pub/sub, `RedisInvalidationChannel`) once
 * the server shares one. A topic names one cache; a change names the keys it
 * touched, or `'all'`.
 *
 * Alone (SQLite, `--single-process`), there are no other processes to tell. While
 * the channel cannot hear the others (Redis away, the subscription coming back),
 * `listening` is false and caches must not answer from what they keep: a change
 * made elsewhere meanwhile would go unheard. When it hears again, every topic is
 * dropped whole, for what was said while it was deaf.
 * @example
 * invalidations.on('tokens', (dropped) => (dropped === 'all' ? cache.clear() : dropped.forEach((hash) => cache.delete(hash))));
 * tx.afterCommit(() => invalidations.drop('tokens', [hash])); // after a revocation commits
 */
export class CacheInvalidations {
  private readonly handlers = new Map<string, Handler[]>();
  private channel: InvalidationChannel | null = null;
  private failedPublish: (error: unknown) => void = () => undefined;

  /** Calls `drop` whenever keys of `topic` change, in this process or (once shared) in any. */
  on(topic: string, drop: Handler): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(drop);
    this.handlers.set(topic, list);
  }

  /**
   * Drops `dropped` of `topic` here (awaiting this process's handlers), then tells
   * the other processes. A change that cannot be told (Redis away) is reported to
   * `onPublishFailure` and not thrown: what changed is committed already, and the
   * others, who cannot hear either, do not trust their caches meanwhile.
   */
  async drop(topic: string, dropped: Dropped): Promise<void> {
    await this.deliver(topic, dropped);
    if (!this.channel) return;
    try {
      await this.channel.publish(topic, dropped);
    } catch (error) {
      this.failedPublish(error);
    }
  }

  /** Whether a cache may answer from what it keeps: nothing said elsewhere can be missed now. */
  get listening(): boolean {
    return this.channel?.listening ?? true;
  }

  /** Shares changes with the instance's other processes through `channel`. */
  async shareThrough(channel: InvalidationChannel, onPublishFailure: (error: unknown) => void): Promise<void> {
    this.failedPublish = onPublishFailure;
    await channel.start((topic, dropped) => {
      const topics = topic === null ? [...this.handlers.keys()] : [topic];
      for (const each of topics) void this.deliver(each, dropped).catch(() => undefined);
    });
    this.channel = channel;
  }

  close(): void {
    this.channel?.close();
    this.channel = null;
  }

  private async deliver(topic: string, dropped: Dropped): Promise<void> {
    for (const handler of this.handlers.get(topic) ?? []) await handler(dropped);
  }
}
