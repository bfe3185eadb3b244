import { RATE_LIMIT_CATEGORIES, type RateLimitCategory } from './categories.js';
import type { CountedWindow } from './limiter.js';
import { ACCESS_TIERS, DAY, HOUR, MINUTE, PINTEREST_LIMITS, SECOND, type AccessTier, type LimitRule, type TierLimits } from './tiers.js';

/**
 * Which limits apply: `app` (default) uses each app's own access tier; `trial` or
 * `standard` applies that tier's limits to every app; `off` counts nothing.
 */
export type RateLimitMode = 'off' | 'app' | 'trial' | 'standard';

export const RATE_LIMIT_MODES: readonly RateLimitMode[] = ['off', 'app', 'trial', 'standard'];

/**
 * Limit overrides, each `[tier.]name` to `N/unit` or `off`: name is a category or
 * `all` (the window across every call), unit is second, minute, hour or day, and
 * without a tier the rule applies to both.
 * @example { org_write: '5/minute', 'standard.all': 'off', 'trial.all': '1000/day' }
 */
export type RateLimitOverrides = Readonly<Record<string, string>>;

/** The windows one request of a tier and category counts in. */
export interface RatePlan {
  readonly windows: readonly CountedWindow[];
  /**
   * x-ratelimit-limit when `window` is the one closest to running out: its limit,
   * then every window as `limit;w=seconds`, e.g. `100, 100;w=1, 1000;w=60`.
   */
  limitHeader(window: CountedWindow): string;
}

const UNIT_SECONDS: Record<string, number> = { second: SECOND, minute: MINUTE, hour: HOUR, day: DAY };

/** Reads `N/unit` or `off`; the error names what is wrong. */
function parseRule(key: string, value: string): LimitRule | null {
  const text = value.trim().toLowerCase();
  if (text === 'off') return null;
  const match = /^(\d{1,9})\s*\/\s*(second|minute|hour|day)s?$/.exec(text);
  if (!match) throw new Error(`rate limit '${key}=${value}': the limit must look like 5/minute (units second, minute, hour, day) or off`);
  const limit = Number(match[1]);
  if (limit < 1) throw new Error(`rate limit '${key}=${value}': the limit must be at least 1 (use off to remove a window)`);
  return { limit, windowSeconds: UNIT_SECONDS[match[2]] };
}

/** Applies overrides to Pinterest's limits; unknown names, tiers or formats throw. */
function resolveTierLimits(overrides: RateLimitOverrides = {}): Record<AccessTier, TierLimits> {
  const limits: Record<AccessTier, TierLimits> = {
    trial: { all: PINTEREST_LIMITS.trial.all, categories: { ...PINTEREST_LIMITS.trial.categories } },
    standard: { all: PINTEREST_LIMITS.standard.all, categories: { ...PINTEREST_LIMITS.standard.categories } },
  };
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.trim().split('.');
    const [tierPart, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (parts.length > 2 || (tierPart !== undefined && !ACCESS_TIERS.includes(tierPart as AccessTier))) {
      throw new Error(`rate limit '${key}': the tier must be trial or standard, e.g. standard.org_write=5/minute`);
    }
    if (name !== 'all' && !RATE_LIMIT_CATEGORIES.includes(name as RateLimitCategory)) {
      throw new Error(`rate limit '${key}': '${name}' is not a rate-limit category (${RATE_LIMIT_CATEGORIES.join(', ')}) or all`);
    }
    if (typeof value !== 'string') throw new Error(`rate limit '${key}': the value must be a string like "5/minute" or "off"`);
    const rule = parseRule(key, value);
    for (const tier of tierPart ? [tierPart as AccessTier] : ACCESS_TIERS) {
      if (name === 'all') limits[tier].all = rule;
      else limits[tier].categories[name as RateLimitCategory] = rule;
    }
  }
  return limits;
}

/**
 * The plan of windows for every tier and category, made once at start-up so the
 * hot path only looks one up.
 */
export class RateLimitPolicy {
  private readonly plans: Record<AccessTier, Record<RateLimitCategory, RatePlan | null>> | null;

  constructor(
    readonly mode: RateLimitMode,
    overrides: RateLimitOverrides = {},
  ) {
    if (!RATE_LIMIT_MODES.includes(mode)) throw new Error(`rate limits must be one of ${RATE_LIMIT_MODES.join(', ')}, got '${mode}'`);
    const limits = resolveTierLimits(overrides);
    if (mode === 'off') {
      this.plans = null;
      return;
    }
    const slots = new Map<string, number>();
    const windowOf = (name: string, rule: LimitRule): CountedWindow => {
      const slotKey = `${name}/${rule.windowSeconds}`;
      if (!slots.has(slotKey)) slots.set(slotKey, slots.size);
      return { name, limit: rule.limit, windowSeconds: rule.windowSeconds, slot: slots.get(slotKey)! };
    };
    const planOf = (tier: AccessTier, category: RateLimitCategory): RatePlan | null => {
      const applied = mode === 'app' ? tier : mode;
      const windows: CountedWindow[] = [];
      const all = limits[applied].all;
      const own = limits[applied].categories[category];
      if (all) windows.push(windowOf('all', all));
      if (own) windows.push(windowOf(category, own));
      if (windows.length === 0) return null;
      const policyList = windows.map((w) => `${w.limit};w=${w.windowSeconds}`).join(', ');
      const headers = new Map(windows.map((w) => [w, `${w.limit}, ${policyList}`]));
      return { windows, limitHeader: (window) => headers.get(window) ?? `${window.limit}, ${policyList}` };
    };
    const plansOfTier = (tier: AccessTier) =>
      Object.fromEntries(RATE_LIMIT_CATEGORIES.map((category) => [category, planOf(tier, category)])) as Record<RateLimitCategory, RatePlan | null>;
    this.plans = { trial: plansOfTier('trial'), standard: plansOfTier('standard') };
  }

  /** The windows a call of an app of `tier` in `category` counts in; null when nothing limits it. */
  planFor(tier: AccessTier, category: RateLimitCategory): RatePlan | null {
    return this.plans ? this.plans[tier][category] : null;
  }
}
