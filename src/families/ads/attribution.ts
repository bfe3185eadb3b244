/**
 * Attribution: the conversion events an ad account recorded (the conversions
 * family's `conversionsFor`) credited to the ads a matched person clicked, engaged
 * with or saw inside the attribution windows, and the conversion columns of the ads
 * analytics computed from them.
 *
 * pinbox: the delivery model is aggregate (no per-person clicks), so which ad a
 * matched person acted on, and when, is drawn, deterministically: among the complete
 * hours of the account's delivery inside the click window before the event (the hour
 * the event falls in excluded, so a choice never changes once made), an ad-hour is
 * drawn weighted by its clicks, seeded by the account and the event_id. With no click
 * in the click window, the engagement window is tried weighted by saves, then the view
 * window weighted by impressions (Pinterest's precedence: click, engagement, view).
 * A window of 0 days turns that kind off. Events whose email matched nobody are not
 * attributed. The choice depends only on the account's delivery and the event, never
 * on the query, so the figures add up across levels and a report equals the sync answer.
 */
import { hashText, unit } from '../analytics/model.js';
import { hoursOf, type DeliveryRow } from './delivery.js';

/** One recorded event, as the conversions family gives it. */
export interface ConversionInput {
  eventId: string;
  eventName: string;
  actionSource: string;
  eventTime: number;
  matched: string | null;
  valueMicro: number | null;
}

/** Reads an account's recorded events with event_time in [fromSeconds, toSeconds). */
export type ConversionSource = (adAccountId: string, fromSeconds: number, toSeconds: number) => Promise<ConversionInput[]>;

/** The query's attribution settings; Pinterest's defaults are 30-day click, 30-day engagement, 1-day view, reported at the time of the ad action. */
export interface Attribution {
  clickDays: number;
  engagementDays: number;
  viewDays: number;
  reportTime: 'TIME_OF_AD_ACTION' | 'TIME_OF_CONVERSION';
}
export const DEFAULT_ATTRIBUTION: Attribution = { clickDays: 30, engagementDays: 30, viewDays: 1, reportTime: 'TIME_OF_AD_ACTION' };

/** Reads the attribution settings from a query or a report body (snake_case, Pinterest's names). */
export function attributionOf(input: Record<string, unknown>): Attribution {
  const days = (name: string, fallback: number) => (typeof input[name] === 'number' ? (input[name] as number) : fallback);
  return {
    clickDays: days('click_window_days', DEFAULT_ATTRIBUTION.clickDays),
    engagementDays: days('engagement_window_days', DEFAULT_ATTRIBUTION.engagementDays),
    viewDays: days('view_window_days', DEFAULT_ATTRIBUTION.viewDays),
    reportTime: input.conversion_report_time === 'TIME_OF_CONVERSION' ? 'TIME_OF_CONVERSION' : DEFAULT_ATTRIBUTION.reportTime,
  };
}

/** Pinterest's conversion types in the column names; every other event name counts as UNKNOWN. */
export const CONVERSION_TYPES = ['CHECKOUT', 'ADD_TO_CART', 'PAGE_VISIT', 'SIGNUP', 'LEAD', 'CUSTOM', 'WATCH_VIDEO', 'SEARCH', 'VIEW_CATEGORY', 'UNKNOWN'] as const;
const KINDS = ['CLICK', 'ENGAGEMENT', 'VIEW'] as const;
const CHANNELS = ['WEB', 'INAPP', 'OFFLINE'] as const;
/** The attributed counts kept per bucket: a count and a value for each type, kind and channel. */
export const CONVERSION_SLOTS = CONVERSION_TYPES.length * KINDS.length * CHANNELS.length * 2;
const slotOf = (type: number, kind: number, channel: number, value: 0 | 1) => ((type * KINDS.length + kind) * CHANNELS.length + channel) * 2 + value;

function typeOf(eventName: string): number {
  const i = (CONVERSION_TYPES as readonly string[]).indexOf(eventName.toUpperCase());
  return i >= 0 ? i : CONVERSION_TYPES.length - 1;
}
const channelOf = (source: string) => (source === 'web' ? 0 : source === 'offline' ? 2 : 1);

/** One attributed event: the delivery row's ids, the absolute hour it is reported in, and its slots. */
export interface Attributed {
  row: DeliveryRow;
  day: number;
  hourOfDay: number;
  count: number;
  value: number;
  valueMicro: number;
}

const HOUR_S = 3600;
const DAY_S = 86_400;

/** An account's delivery as ad-hours, sorted by hour, with running sums of clicks, saves and impressions. */
class Candidates {
  readonly hours: number[] = [];
  readonly rows: DeliveryRow[] = [];
  /** prefix[k][i]: the weight of kind k in entries before i. */
  readonly prefix: Float64Array[];

  constructor(delivery: readonly DeliveryRow[], counters: { clicks: number; saves: number; impressions: number }) {
    const entries: { hour: number; row: DeliveryRow; w: [number, number, number] }[] = [];
    for (const row of delivery) {
      for (const part of hoursOf(row)) {
        const w: [number, number, number] = [part.counts[counters.clicks], part.counts[counters.saves], part.counts[counters.impressions]];
        if (w[0] + w[1] + w[2] > 0) entries.push({ hour: row.day * 24 + part.hour, row, w });
      }
    }
    // By hour, then ad id: the same delivery always gives the same order.
    entries.sort((a, b) => a.hour - b.hour || (a.row.ad_id < b.row.ad_id ? -1 : a.row.ad_id > b.row.ad_id ? 1 : 0));
    this.prefix = KINDS.map(() => new Float64Array(entries.length + 1));
    entries.forEach((e, i) => {
      this.hours.push(e.hour);
      this.rows.push(e.row);
      for (let k = 0; k < KINDS.length; k++) this.prefix[k][i + 1] = this.prefix[k][i] + e.w[k];
    });
  }

  /** The first entry index with hour >= h. */
  lowerBound(h: number): number {
    let lo = 0;
    let hi = this.hours.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.hours[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Draws an entry of kind k among [lo, hi) by weight, from r in [0, 1); -1 when they weigh nothing. */
  draw(k: number, lo: number, hi: number, r: number): number {
    const p = this.prefix[k];
    const total = p[hi] - p[lo];
    if (total <= 0) return -1;
    const target = p[lo] + r * total;
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (p[mid + 1] > target) b = mid;
      else a = mid + 1;
    }
    return a;
  }
}

/** The days of delivery and the event times attribution needs for a range of report days. */
export function attributionSpan(fromDay: number, toDay: number, a: Attribution): { deliveryFrom: number; deliveryTo: number; eventsFrom: number; eventsTo: number } {
  const reach = Math.max(a.clickDays, a.engagementDays, a.viewDays);
  const late = a.reportTime === 'TIME_OF_AD_ACTION' ? reach + 1 : 0;
  return { deliveryFrom: fromDay - reach - 1, deliveryTo: toDay + late, eventsFrom: fromDay * DAY_S, eventsTo: (toDay + 1 + late) * DAY_S };
}

/**
 * Attributes events to the delivery given (which must cover every event's windows:
 * see attributionSpan), keeping those reported inside [fromDay, toDay].
 */
export function attribute(
  accountId: string,
  events: readonly ConversionInput[],
  delivery: readonly DeliveryRow[],
  counters: { clicks: number; saves: number; impressions: number },
  a: Attribution,
  fromDay: number,
  toDay: number,
): Attributed[] {
  const candidates = new Candidates(delivery, counters);
  const windows = [a.clickDays, a.engagementDays, a.viewDays];
  const out: Attributed[] = [];
  for (const e of events) {
    if (!e.matched) continue;
    // The complete hours before the event's hour, back to the window's start.
    const hi = candidates.lowerBound(Math.floor(e.eventTime / HOUR_S));
    const seed = hashText(`attribution:${accountId}:${e.eventId}`);
    for (let k = 0; k < KINDS.length; k++) {
      if (windows[k] <= 0) continue;
      const lo = candidates.lowerBound(Math.ceil((e.eventTime - windows[k] * DAY_S) / HOUR_S));
      const i = candidates.draw(k, lo, hi, unit(seed, k, 0xa77));
      if (i < 0) continue;
      const hour = a.reportTime === 'TIME_OF_AD_ACTION' ? candidates.hours[i] : Math.floor(e.eventTime / HOUR_S);
      const day = Math.floor(hour / 24);
      if (day >= fromDay && day <= toDay) {
        const [type, channel] = [typeOf(e.eventName), channelOf(e.actionSource)];
        out.push({ row: candidates.rows[i], day, hourOfDay: hour % 24, count: slotOf(type, k, channel, 0), value: slotOf(type, k, channel, 1), valueMicro: e.valueMicro ?? 0 });
      }
      break;
    }
  }
  return out;
}

/** The slots a conversion count or value column sums, or null when the column is not one. */
function slotsOf(type: string | null, kind: string | null, channel: string | null, value: 0 | 1): number[] {
  const out: number[] = [];
  CONVERSION_TYPES.forEach((t, ti) =>
    KINDS.forEach((k, ki) =>
      CHANNELS.forEach((c, ci) => {
        if ((type === null || type === t) && (kind === null || kind === k) && (channel === null || channel === c)) out.push(slotOf(ti, ki, ci, value));
      }),
    ),
  );
  return out;
}

const TYPE_PATTERN = CONVERSION_TYPES.join('|');
const SUM_PATTERN = new RegExp(`^TOTAL_(?:(WEB|INAPP|OFFLINE)_)?(?:(CLICK|ENGAGEMENT|VIEW)_)?(CONVERSIONS|${TYPE_PATTERN})(_QUANTITY|_VALUE_IN_MICRO_DOLLAR)?$`);
const PER_SPEND_PATTERN = new RegExp(`^(?:(WEB|INAPP|OFFLINE)_)?(${TYPE_PATTERN})_(ROAS|COST_PER_ACTION)$`);
const RATE_PATTERN = new RegExp(`^TOTAL_(${TYPE_PATTERN})_CONVERSION_RATE$`);

/**
 * How a conversion column is computed from a bucket (`offset`: where the conversion
 * slots start in its counts; `spend`, `clicks`: the delivery counters), or null when
 * pinbox does not model it (cross-device splits, web sessions, Pinterest checkout:
 * those answer 0). Pinterest: `_QUANTITY` counts items; pinbox records no item
 * counts, so it is the number of events. ROAS is value over spend; cost per action is
 * spend over events, in dollars; a conversion rate is events over clicks.
 */
export function conversionColumn(column: string, offset: number, spend: number, clicks: number): { additive: boolean; of: (t: Float64Array) => number } | null {
  const sum = (slots: number[]) => (t: Float64Array) => {
    let s = 0;
    for (const i of slots) s += t[offset + i];
    return s;
  };
  const m = SUM_PATTERN.exec(column);
  if (m) {
    const [, channel, kind, type, suffix] = m;
    return { additive: true, of: sum(slotsOf(type === 'CONVERSIONS' ? null : type, kind ?? null, channel ?? null, suffix === '_VALUE_IN_MICRO_DOLLAR' ? 1 : 0)) };
  }
  const p = PER_SPEND_PATTERN.exec(column) ?? (column === 'COST_PER_LEAD' ? [column, undefined, 'LEAD', 'COST_PER_ACTION'] : null);
  if (p) {
    const [, channel, type, what] = p;
    if (what === 'ROAS') {
      const value = sum(slotsOf(type!, null, channel ?? null, 1));
      return { additive: false, of: (t) => (t[spend] > 0 ? value(t) / t[spend] : 0) };
    }
    const count = sum(slotsOf(type!, null, channel ?? null, 0));
    return { additive: false, of: (t) => (count(t) > 0 ? t[spend] / count(t) / 1e6 : 0) };
  }
  const r = RATE_PATTERN.exec(column);
  if (r) {
    const count = sum(slotsOf(r[1], null, null, 0));
    return { additive: false, of: (t) => (t[clicks] > 0 ? count(t) / t[clicks] : 0) };
  }
  return null;
}
