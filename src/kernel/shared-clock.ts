import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock, ClockPosition } from './clock.js';

/**
 * Makes the clocks of several pinbox processes serving one instance one clock:
 * a move made through any process's control plane is stored in Redis (so a
 * process that starts later begins there, unless it was given a clock) and
 * published to the others, which adopt it. A move answers once Redis has taken it; the other processes apply it
 * as the message reaches them, a moment later.
 * @example
 * const stop = await shareClock(clock, redis, 'pinbox:team_a:');
 * await clock.advance('2d'); // every process now reads two days later
 */
export async function shareClock(clock: Clock, redis: Redis, prefix: string, options: { adoptStored: boolean }): Promise<() => void> {
  const key = `${prefix}clock`;
  const me = randomUUID();
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => {
    const { from, state } = JSON.parse(message) as { from: string; state: ClockPosition };
    if (from !== me) void clock.adopt(state);
  });
  await subscriber.subscribe(key);
  // A process joining the others starts where their clock stands; one handed a
  // clock of its own (a test's) keeps it until a move is shared.
  const stored = options.adoptStored ? await redis.get(key) : null;
  if (stored) await clock.adopt(JSON.parse(stored) as ClockPosition);
  clock.onMove(async (state) => {
    await redis.multi().set(key, JSON.stringify(state)).publish(key, JSON.stringify({ from: me, state })).exec();
  });
  return () => subscriber.disconnect();
}
