export { startPinbox, type Pinbox, type PinboxOptions } from './server.js';
export { Clock } from './kernel/clock.js';
export { ALL_SCOPES, type Scope } from './kernel/scopes.js';
export { RATE_LIMIT_CATEGORIES, categoryOf, type RateLimitCategory } from './kernel/rate-limits/categories.js';
export { InProcessRateLimiter, type RateLimiter, type CountedWindow, type RateDecision } from './kernel/rate-limits/limiter.js';
export { PINTEREST_LIMITS, type AccessTier } from './kernel/rate-limits/tiers.js';
export type { RateLimitMode, RateLimitOverrides } from './kernel/rate-limits/policy.js';
