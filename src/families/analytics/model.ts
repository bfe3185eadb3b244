/**
 * The one model every analytics figure comes from: a daily series per Pin, made by
 * a seeded generator (the same instance seed and Pin id give the same numbers),
 * or figures fixed in its place for tests, plus the real events pinbox sees.
 * Account figures are sums of these per-Pin figures and nothing else.
 */

/**
 * The counts pinbox keeps per Pin and day; every other metric is derived from them.
 * Pinterest: the metric names of `metric_types` in the official spec.
 */
export const COUNTERS = [
  'IMPRESSION',
  'SAVE',
  'PIN_CLICK',
  'OUTBOUND_CLICK',
  'TOTAL_COMMENTS',
  'TOTAL_REACTIONS',
  'USER_FOLLOW',
  'PROFILE_VISIT',
  'VIDEO_START',
  'VIDEO_MRC_VIEW',
  'VIDEO_10S_VIEW',
  'QUARTILE_95_PERCENT_VIEW',
  'VIDEO_V50_WATCH_TIME',
] as const;

export type Counter = (typeof COUNTERS)[number];
export const COUNTER_INDEX: Readonly<Record<Counter, number>> = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<Counter, number>;

/** Metrics computed from the counters of the same period (never summed day by day). */
const DERIVED = ['SAVE_RATE', 'ENGAGEMENT', 'ENGAGEMENT_RATE', 'PIN_CLICK_RATE', 'OUTBOUND_CLICK_RATE', 'VIDEO_AVG_WATCH_TIME'] as const;
export type Derived = (typeof DERIVED)[number];
export type Metric = Counter | Derived;

export type Totals = Float64Array;
export const emptyTotals = (): Totals => new Float64Array(COUNTERS.length);

/** The value of any metric over a period whose counters are `t`. */
export function metricValue(metric: Metric, t: Totals): number {
  const c = (name: Counter) => t[COUNTER_INDEX[name]];
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);
  // Pinterest: engagement is saves, clicks, reactions and comments together (Analytics help, "Engagements").
  const engagement = c('SAVE') + c('PIN_CLICK') + c('OUTBOUND_CLICK') + c('TOTAL_REACTIONS') + c('TOTAL_COMMENTS');
  switch (metric) {
    case 'SAVE_RATE':
      return ratio(c('SAVE'), c('IMPRESSION'));
    case 'ENGAGEMENT':
      return engagement;
    case 'ENGAGEMENT_RATE':
      return ratio(engagement, c('IMPRESSION'));
    case 'PIN_CLICK_RATE':
      return ratio(c('PIN_CLICK'), c('IMPRESSION'));
    case 'OUTBOUND_CLICK_RATE':
      return ratio(c('OUTBOUND_CLICK'), c('IMPRESSION'));
    case 'VIDEO_AVG_WATCH_TIME':
      return c('VIDEO_START') > 0 ? Math.round((c('VIDEO_V50_WATCH_TIME') / c('VIDEO_START')) * 100) / 100 : 0;
    default:
      return c(metric);
  }
}

/** Pinterest's `pin_format` values pinbox has content for; the rest are ads or products (always zero here). */
export type PinFormat = 'ORGANIC_IMAGE' | 'ORGANIC_VIDEO';
export const PIN_FORMATS: readonly PinFormat[] = ['ORGANIC_IMAGE', 'ORGANIC_VIDEO'];

const VIDEO_TYPES = new Set(['VIDEO', 'MAX_VIDEO', 'MAX_WIDTH_VIDEO_COLLECTION']);
export function formatOf(creativeType: string): PinFormat {
  return VIDEO_TYPES.has(creativeType) ? 'ORGANIC_VIDEO' : 'ORGANIC_IMAGE';
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of a `YYYY-MM-DD` date or a Pinterest timestamp. */
export function dayNumber(date: string): number {
  return Math.floor(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS);
}

export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dayOfInstant(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** A 32-bit hash of text (FNV-1a), to key the generator by Pin id and seed. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into a uniform number in [0, 1) (a splitmix-like finalizer). */
export function unit(a: number, b: number, c: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** Traffic by weekday, Sunday first: Pinterest use peaks at weekends. */
export const WEEKLY = [1.22, 0.9, 0.92, 0.95, 0.98, 1.0, 1.18];

/** What the generator needs to know about a Pin; fixed for the Pin's life. */
export interface SeriesPin {
  id: string;
  /** Day number of `created_at`. */
  createdDay: number;
  format: PinFormat;
}

/**
 * A Pin's traffic profile, drawn once from (seed, Pin id): its reach on the first
 * day, how fast interest decays, and what fraction of viewers save and click.
 */
export class PinProfile {
  readonly key: number;
  readonly peak: number;
  readonly halfLife: number;
  readonly saveRate: number;
  readonly clickRate: number;
  readonly outboundRate: number;

  constructor(seed: number, readonly pin: SeriesPin) {
    this.key = hashText(`${seed}:${pin.id}`);
    const u = (n: number) => unit(this.key, n, 0x51ed);
    // Reach is heavy-tailed: most Pins see tens of impressions a day, a few thousands.
    this.peak = Math.round(20 * Math.exp(u(1) * 4.2));
    this.halfLife = 3 + u(2) * 30;
    this.saveRate = 0.01 + u(3) * 0.04;
    this.clickRate = 0.015 + u(4) * 0.05;
    this.outboundRate = 0.003 + u(5) * 0.02;
  }

  /**
   * Adds the Pin's generated counts for `day` into `into` (nothing before the Pin
   * existed). Integers throughout, so sums over Pins and days are exact.
   */
  addDay(day: number, into: Totals): void {
    const age = day - this.pin.createdDay;
    if (age < 0) return;
    const k = this.key;
    const noise = 0.8 + unit(k, day, 1) * 0.4;
    const decay = 0.12 + 0.88 * Math.pow(0.5, age / this.halfLife);
    const impressions = Math.floor(this.peak * decay * WEEKLY[(day + 4) % 7] * noise);
    if (impressions === 0) return;
    const part = (rate: number, salt: number) => Math.floor(impressions * rate * (0.7 + unit(k, day, salt) * 0.6));
    into[0] += impressions;
    into[1] += part(this.saveRate, 2);
    into[2] += part(this.clickRate, 3);
    into[3] += part(this.outboundRate, 4);
    into[4] += part(0.001, 5);
    into[5] += part(0.004, 6);
    into[6] += part(0.0015, 7);
    into[7] += part(0.006, 8);
    if (this.pin.format === 'ORGANIC_VIDEO') {
      const starts = part(0.35, 9);
      const mrc = Math.floor(starts * (0.5 + unit(k, day, 10) * 0.3));
      into[8] += starts;
      into[9] += mrc;
      into[10] += Math.floor(mrc * 0.6);
      into[11] += Math.floor(mrc * 0.25);
      // Total play time in milliseconds: a few seconds per start.
      into[12] += Math.floor(starts * (2000 + unit(k, day, 11) * 6000));
    }
  }
}
