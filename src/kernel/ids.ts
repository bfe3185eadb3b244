import type { Clock } from './clock.js';

/**
 * Makes Pinterest-like ids: 19-digit numeric strings (`1700000000123000042`),
 * increasing with time so that "newest first" is "largest id first".
 *
 * Kept as strings end to end: a 19-digit id does not fit a JS number.
 * Every id has the same number of digits, so comparing them as text orders them
 * numerically, which is what keyset pagination relies on.
 * @example
 * const ids = new IdGenerator(clock);
 * ids.next(); // '1763812345678000000'
 */
export class IdGenerator {
  private last = 0n;

  constructor(private readonly clock: Clock) {}

  next(): string {
    // Milliseconds times a million leaves room for a million ids per millisecond.
    let candidate = BigInt(Math.max(this.clock.now(), 1_000_000_000_000)) * 1_000_000n;
    if (candidate <= this.last) candidate = this.last + 1n;
    this.last = candidate;
    return candidate.toString();
  }
}
