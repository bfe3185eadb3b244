import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock, ClockPosition } from './clock.js';
import { execAll, subscriberOf, type SharedStoreHealth } from './shared-store.js';

/**
 * Makes the clocks of several pinbox processes serving one instance one clock:
 * a move made through any process's control plane is stored in Redis (so a
 * process that starts later begins there, unless it was given a clock) and
 * published to the others, which adopt it. A move answers once Redis has taken it; the other processes apply it
 * as the message reaches them, a moment later.
 *
 * While Redis is unreachable each process keeps the clock where it last stood (its
 * clock reads never touch Redis); a move made then is refused with a 503 after it
 * moved this process's clock only. When the subscription comes back, a move another
 * process stored meanwhile is adopted.
 * @example
 * const stop = await shareClock(clock, redis, 'pinbox:team_a:', { adoptStored: true, health });
 * await clock.advance('2d'); // every process now reads two days later
 */
export async function shareClock(
  clock: Clock,
  redis: Redis,
  prefix: string,
  options: { adoptStored: boolean; health: SharedStoreHealth },
): Promise<() => void> {
  const key = `${prefix}clock`;
  const me = randomUUID();
  /** The shared position this process last stored or adopted (as stored), null before any. */
  let lastShared: string | null = null;
  const subscriber = await subscriberOf(redis);
  subscriber.on('message', (_channel: string, message: string) => {
    const { from, state } = JSON.parse(message) as { from: string; state: ClockPosition };
    if (from === me) return;
    lastShared = JSON.stringify(state);
    void clock.adopt(state);
  });
  await subscriber.subscribe(key);
  // A process joining the others starts where their clock stands; one handed a
  // clock of its own (a test's) keeps it until a move is shared.
  const stored = options.adoptStored ? await redis.get(key) : null;
  if (stored) {
    lastShared = stored;
    await clock.adopt(JSON.parse(stored) as ClockPosition);
  }
  // Back after an outage (ioredis resubscribes on its own): messages sent meanwhile
  // were lost, so a position stored meanwhile by another process is taken now.
  subscriber.on('ready', () => {
    redis.get(key).then(
      (now) => {
        if (now && now !== lastShared && (lastShared !== null || options.adoptStored)) {
          lastShared = now;
          void clock.adopt(JSON.parse(now) as ClockPosition);
        }
      },
      () => undefined,
    );
  });
  clock.onMove(async (state) => {
    const text = JSON.stringify(state);
    await options.health.run(
      () => execAll(redis.multi().set(key, text).publish(key, JSON.stringify({ from: me, state }))),
      "The shared store (Redis) is unreachable: pinbox moved this process's clock only, and the other processes keep theirs. Move it again once Redis is back.",
    );
    lastShared = text;
  });
  return () => subscriber.disconnect();
}
