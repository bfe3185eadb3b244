import type { Clock } from './clock.js';

/** How many processes can make ids for one store at once: each takes a node number below this. */
export const ID_NODES = 1000;

/**
 * Makes Pinterest-like ids: 19-digit numeric strings (`1700000000123042007`),
 * increasing with time so that "newest first" is "largest id first".
 *
 * Kept as strings end to end: a 19-digit id does not fit a JS number.
 * Every id has the same number of digits, so comparing them as text orders them
 * numerically, which is what keyset pagination relies on.
 *
 * Layout: milliseconds, then three digits naming the process (its node number, so
 * several processes on one database never make the same id), then a three-digit
 * sequence within the millisecond (past 999, the next millisecond is borrowed).
 * @example
 * const ids = new IdGenerator(clock, 42);
 * ids.next(); // '1763812345678042000'
 */
export class IdGenerator {
  private lastMs = 0;
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    private readonly node = 0,
  ) {
    if (!Number.isInteger(node) || node < 0 || node >= ID_NODES) throw new Error(`id node must be 0..${ID_NODES - 1}, got ${node}`);
  }

  next(): string {
    const ms = Math.max(this.clock.now(), 1_000_000_000_000);
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.sequence = 0;
    } else if (++this.sequence >= 1000) {
      this.lastMs += 1;
      this.sequence = 0;
    }
    return (BigInt(this.lastMs) * 1_000_000n + BigInt(this.node * 1000 + this.sequence)).toString();
  }
}
