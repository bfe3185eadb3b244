import type { FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { RateLimitCategory } from './categories.js';
import type { RateDecision, RateLimiter } from './limiter.js';
import type { RateLimitPolicy, RatePlan } from './policy.js';
import type { AccessTier } from './tiers.js';

const UNIT_NAMES: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour', 86_400: 'day' };

/**
 * Counts every `/v5` call against its app and user, writes Pinterest's
 * `x-ratelimit-*` headers, and refuses a call over the limit with 429 before it
 * does anything. Windows run on the pinbox clock, so a test advances time instead
 * of sleeping.
 */
export class RateLimits {
  constructor(
    readonly policy: RateLimitPolicy,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one call of `subject` (app and user; app alone on the token endpoints)
   * and writes the headers.
   * @throws ApiError 429 (code 8) when a window is full; nothing is counted then.
   */
  admit(reply: FastifyReply, subject: string, tier: AccessTier, category: RateLimitCategory): void | Promise<void> {
    const plan = this.policy.planFor(tier, category);
    if (!plan) return;
    const taken = this.limiter.take(subject, plan.windows, this.clock.now());
    // The in-process limiter answers at once; only a shared store makes this wait.
    if (taken instanceof Promise) return taken.then((decision) => this.apply(reply, plan, decision));
    this.apply(reply, plan, taken);
  }

  private apply(reply: FastifyReply, plan: RatePlan, decision: RateDecision | null): void {
    // Not counted (limits failing open while Redis is away): no count to show either.
    if (!decision) return;
    const { window, remaining, resetMs } = decision.tightest;
    const resetSeconds = Math.ceil(resetMs / 1000);
    // Pinterest: the first value is the limit of the window closest to running out,
    // followed by every window that applies as `limit;w=seconds`.
    reply.header('x-ratelimit-limit', plan.limitHeader(window));
    reply.header('x-ratelimit-remaining', String(remaining));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (decision.allowed) return;
    reply.header('retry-after', String(resetSeconds));
    const scope = window.name === 'all' ? 'all calls' : window.name;
    const unit = UNIT_NAMES[window.windowSeconds] ?? `${window.windowSeconds} seconds`;
    throw new ApiError(
      'rate_limited',
      `You have exceeded your rate limit. Try again later. (${scope}: ${window.limit} requests per ${unit}; the window resets in ${resetSeconds} s.)`,
    );
  }

  /** Forgets every count (the control plane's reset). */
  clear(): void | Promise<void> {
    return this.limiter.clear();
  }
}
