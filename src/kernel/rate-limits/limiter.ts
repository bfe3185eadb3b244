/**
 * The counting behind rate limits. A request is counted in every window that
 * applies to it, or in none: `take` checks all windows and counts only when each
 * has room, as one atomic step. That is the shape a shared store can do in one
 * round trip too (a Redis Lua script over one key per window), so the kernel only
 * ever talks to this interface.
 */

/** One window a request counts in. */
export interface CountedWindow {
  /** What it counts: a rate-limit category, or `all` for the window across every call. */
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /**
   * A small integer unique to (name, windowSeconds) in this process, so an
   * in-process limiter can index arrays instead of building keys.
   */
  readonly slot: number;
}

export interface WindowReading {
  window: CountedWindow;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until the window ends and its count starts again. */
  resetMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /**
   * Allowed: the window closest to running out (fewest remaining; on a tie, the one
   * that resets last). Refused: the full window that resets last, so waiting for it
   * frees every full window.
   */
  tightest: WindowReading;
}

export interface RateLimiter {
  /**
   * Counts one request of `subject` (an app and user) in `windows` if every one
   * has room at `nowMs` (pinbox clock); otherwise counts nothing. Windows are fixed
   * and aligned to multiples of their length since the epoch (a day window starts
   * at 00:00 UTC), so every process agrees on them. Null: nothing was counted and
   * the call goes ahead (a shared store that is unreachable, with limits failing open).
   */
  take(subject: string, windows: readonly CountedWindow[], nowMs: number): RateDecision | null | Promise<RateDecision | null>;
  /** Forgets every count. */
  clear(): void | Promise<void>;
}

/** Where the window containing `nowMs` ends. */
function windowEnd(windowSeconds: number, nowMs: number): number {
  const length = windowSeconds * 1000;
  return (Math.floor(nowMs / length) + 1) * length;
}

/** Counts of one subject: for each slot, the end of the window counted and its count. */
interface SubjectCounts {
  ends: number[];
  counts: number[];
}

/**
 * Counts in this process's memory. Node runs `take` to completion before any
 * other request's, so check-and-count is atomic without locks.
 */
export class InProcessRateLimiter implements RateLimiter {
  private readonly subjects = new Map<string, SubjectCounts>();
  /** Above this many subjects, those whose windows have all ended are dropped. */
  private static readonly PRUNE_AT = 50_000;

  take(subject: string, windows: readonly CountedWindow[], nowMs: number): RateDecision {
    let counts = this.subjects.get(subject);
    if (!counts) {
      if (this.subjects.size >= InProcessRateLimiter.PRUNE_AT) this.prune(nowMs);
      counts = { ends: [], counts: [] };
      this.subjects.set(subject, counts);
    }
    let full: CountedWindow | null = null;
    let fullEnd = 0;
    for (const window of windows) {
      const end = windowEnd(window.windowSeconds, nowMs);
      const used = counts.ends[window.slot] === end ? counts.counts[window.slot] : 0;
      if (used >= window.limit && end > fullEnd) {
        full = window;
        fullEnd = end;
      }
    }
    if (full) return { allowed: false, tightest: { window: full, remaining: 0, resetMs: fullEnd - nowMs } };

    let tightest: WindowReading | null = null;
    for (const window of windows) {
      const end = windowEnd(window.windowSeconds, nowMs);
      if (counts.ends[window.slot] !== end) {
        counts.ends[window.slot] = end;
        counts.counts[window.slot] = 0;
      }
      const remaining = window.limit - ++counts.counts[window.slot];
      const resetMs = end - nowMs;
      if (!tightest || remaining < tightest.remaining || (remaining === tightest.remaining && resetMs > tightest.resetMs)) {
        tightest = { window, remaining, resetMs };
      }
    }
    if (!tightest) throw new Error('take() needs at least one window');
    return { allowed: true, tightest };
  }

  clear(): void {
    this.subjects.clear();
  }

  private prune(nowMs: number): void {
    for (const [subject, counts] of this.subjects) {
      if (counts.ends.every((end) => end === undefined || end <= nowMs)) this.subjects.delete(subject);
    }
  }
}
