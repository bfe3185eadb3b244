/**
 * The one clock every time-dependent part of pinbox reads. Domain code never calls
 * `Date.now()`; it asks the clock, so tests and the control plane can move time.
 * @example
 * const clock = new Clock();
 * clock.freeze();
 * clock.advance(2 * 24 * 3600 * 1000); // two days later, instantly
 */
export class Clock {
  /** Offset added to real time while running. */
  private offsetMs = 0;
  /** When frozen, the fixed instant returned by now(). */
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  isFrozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Stops time at the current instant (or at `at`). */
  freeze(at: number = this.now()): void {
    this.frozenAt = at;
  }

  /** Lets time run again from the instant it was frozen at. */
  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
  }

  /** Moves time forward (or backward with a negative amount). */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Jumps to an absolute instant, keeping the frozen/running state. */
  set(at: number): void {
    if (this.frozenAt !== null) this.frozenAt = at;
    else this.offsetMs = at - Date.now();
  }
}

/**
 * Pinterest's timestamp format: ISO 8601 in UTC without a zone suffix or
 * milliseconds, e.g. `2022-10-13T01:40:29`.
 * Pinterest: as in every v5 response (`created_at`, `board_pins_modified_at`).
 */
export function pinterestTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
