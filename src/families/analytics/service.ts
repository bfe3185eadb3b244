import type { AuthContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Database } from '../../storage/database.js';
import type { BoardStore } from '../boards/store.js';
import type { PinService } from '../pins/service.js';
import type { PinRow } from '../pins/store.js';
import {
  COUNTER_INDEX,
  COUNTERS,
  PIN_FORMATS,
  dayNumber,
  dayOfInstant,
  dayString,
  emptyTotals,
  formatOf,
  metricValue,
  type Counter,
  type Metric,
  type PinFormat,
  type Totals,
} from './model.js';
import { AccountTotals } from './account-totals.js';
import { PinSeries, type Range } from './series.js';
import type { AnalyticsStore, SeriesPinRow } from './store.js';

/** Pinterest: "Cannot be more than 90 days back from today" (`start_date` in the spec); the message is Pinterest's own. */
export const ANALYTICS_LIMITS = { maxDaysBack: 90, maxSpanDays: 90, reportingLagDays: 2, maxPinIds: 100, maxTopPins: 50 } as const;
const LAST_90_DAYS = 'You can only get data from the last 90 days';

/** Pinterest: the metric names of the spec's `query_pin_analytics_metric_types` (standard and video). */
const PIN_METRICS = [
  'IMPRESSION', 'OUTBOUND_CLICK', 'PIN_CLICK', 'SAVE', 'SAVE_RATE', 'TOTAL_COMMENTS', 'TOTAL_REACTIONS', 'USER_FOLLOW', 'PROFILE_VISIT',
  'VIDEO_MRC_VIEW', 'VIDEO_10S_VIEW', 'QUARTILE_95_PERCENT_VIEW', 'VIDEO_V50_WATCH_TIME', 'VIDEO_START', 'VIDEO_AVG_WATCH_TIME',
] as const satisfies readonly Metric[];
/** Pinterest: `query_metric_types` of user_account/analytics and top_pins. */
const ACCOUNT_METRICS = [
  'ENGAGEMENT', 'ENGAGEMENT_RATE', 'IMPRESSION', 'OUTBOUND_CLICK', 'OUTBOUND_CLICK_RATE', 'PIN_CLICK', 'PIN_CLICK_RATE', 'SAVE', 'SAVE_RATE',
] as const satisfies readonly Metric[];
/** Pinterest: `query_video_pin_metric_types` of top_video_pins. */
const VIDEO_METRICS = [
  'IMPRESSION', 'SAVE', 'VIDEO_MRC_VIEW', 'VIDEO_AVG_WATCH_TIME', 'VIDEO_V50_WATCH_TIME', 'QUARTILE_95_PERCENT_VIEW', 'VIDEO_10S_VIEW', 'VIDEO_START', 'OUTBOUND_CLICK',
] as const satisfies readonly Metric[];

/**
 * Pinterest: Pin analytics put comments and reactions in `lifetime_metrics` (the
 * spec's example) and follows and profile visits in the summary only; pinbox
 * keeps that split for every Pin.
 */
const LIFETIME_ONLY = new Set<Metric>(['TOTAL_COMMENTS', 'TOTAL_REACTIONS']);
const SUMMARY_ONLY = new Set<Metric>(['USER_FOLLOW', 'PROFILE_VISIT']);

export const APP_TYPES = ['MOBILE', 'TABLET', 'WEB'] as const;
export type AppType = (typeof APP_TYPES)[number];
/**
 * pinbox divides every figure between apps by fixed shares, rounding down for
 * mobile and tablet and giving web the rest, so the parts add up to the whole.
 */
const APP_SHARES: Record<AppType, number> = { MOBILE: 0.62, TABLET: 0.1, WEB: 0 };

function appShare(t: Totals, app: AppType): Totals {
  const out = emptyTotals();
  for (let i = 0; i < t.length; i++) {
    const mobile = Math.floor(t[i] * APP_SHARES.MOBILE);
    const tablet = Math.floor(t[i] * APP_SHARES.TABLET);
    out[i] = app === 'MOBILE' ? mobile : app === 'TABLET' ? tablet : t[i] - mobile - tablet;
  }
  return out;
}

export interface DateQuery {
  start_date: string;
  end_date: string;
  app_types?: 'ALL' | AppType;
}

export interface PinAnalyticsQuery extends DateQuery {
  metric_types: string[];
  split_field?: 'NO_SPLIT' | 'APP_TYPE';
}

export interface AccountFilters extends DateQuery {
  from_claimed_content?: 'OTHER' | 'CLAIMED' | 'BOTH';
  pin_format?: string;
  content_type?: 'ALL' | 'PAID' | 'ORGANIC';
  source?: 'ALL' | 'YOUR_PINS' | 'OTHER_PINS';
  metric_types?: string[];
}

export interface AccountAnalyticsQuery extends AccountFilters {
  split_field?: 'NO_SPLIT' | 'APP_TYPE' | 'OWNED_CONTENT' | 'SOURCE' | 'PIN_FORMAT';
}

export interface TopPinsQuery extends AccountFilters {
  sort_by: string;
  num_of_pins?: number;
  created_in_last_n_days?: number;
}

type DataStatus = 'READY' | 'PROCESSING' | 'BEFORE_PIN_CREATED';
interface DailyRow {
  date: string;
  data_status: DataStatus;
  metrics: Record<string, number>;
}
/** One group of figures (`all`, or one value of the split field): counters per day of the range. */
type Series = { days: Totals[]; statuses: DataStatus[] };

/** Reads a comma-separated (or repeated) list of names, each one of `allowed`; a 400 naming the field otherwise. */
function namesOf<T extends string>(field: string, values: readonly string[] | undefined, allowed: readonly T[], fallback?: readonly T[]): T[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.length === 0) {
    if (fallback) return [...fallback];
    throw invalidField(field, 'is required');
  }
  for (const name of names) {
    if (!(allowed as readonly string[]).includes(name)) throw invalidField(field, `has '${name}', which is not one of ${allowed.join(', ')}`);
  }
  return [...new Set(names)] as T[];
}

/**
 * Pin and account analytics from the one model (model.ts, read through PinSeries):
 * Pinterest's rules (dates, lag, metric names, splits, filters, access) and the
 * response shapes. Account figures come from AccountTotals, the sums over Pins.
 */
export class AnalyticsService {
  private readonly series: PinSeries;
  private readonly totals: AccountTotals;

  constructor(
    private readonly deps: { db: Database; store: AnalyticsStore; clock: Clock; pins: PinService; boards: BoardStore },
  ) {
    this.series = new PinSeries({ db: deps.db, store: deps.store });
    this.totals = new AccountTotals({ db: deps.db, store: deps.store, series: this.series });
  }

  /** Sets the instance seed (or reads the one stored, made on first start). */
  useSeed(seed?: number): Promise<number> {
    return this.series.useSeed(seed);
  }

  /** The instance seed, as the model uses it (read once from the store; other families' models key on it too). */
  seed(): Promise<number> {
    return this.series.seed();
  }

  private today(): number {
    return dayOfInstant(this.deps.clock.now());
  }

  /** Pinterest: figures lag behind; pinbox's last two days (today and yesterday) are still PROCESSING. */
  private lastReadyDay(): number {
    return this.today() - ANALYTICS_LIMITS.reportingLagDays;
  }

  /** Checks Pinterest's date rules; each violation is a 400 naming the rule. */
  checkRange(query: { start_date: string; end_date: string }): Range {
    const from = parseDate('start_date', query.start_date);
    const to = parseDate('end_date', query.end_date);
    const today = this.today();
    if (from < today - ANALYTICS_LIMITS.maxDaysBack) {
      throw invalidField('start_date', `is ${query.start_date}, more than ${ANALYTICS_LIMITS.maxDaysBack} days before today (${dayString(today)}): ${LAST_90_DAYS}`);
    }
    if (to < from) throw invalidField('end_date', `is ${query.end_date}, before 'start_date' ${query.start_date}: the end date must not come before the start date`);
    if (to - from > ANALYTICS_LIMITS.maxSpanDays) throw invalidField('end_date', `must not be more than ${ANALYTICS_LIMITS.maxSpanDays} days past 'start_date'`);
    if (to > today) throw invalidField('end_date', `is ${query.end_date}, after today (${dayString(today)}, UTC): there are no figures for days to come`);
    return { from, to };
  }

  // Pin analytics

  /**
   * A Pin the caller may read analytics of. Pinterest: a Pin owned by the operation
   * user_account or on a group board shared with it; others are a 403.
   */
  private async analyzable(auth: AuthContext, pinId: string): Promise<PinRow> {
    const pin = await this.deps.pins.visible(auth, pinId);
    const member =
      pin.owner_id === auth.userId || pin.board_owner_id === auth.userId || (await this.deps.boards.isCollaborator(pin.board_id, auth.userId));
    if (!member) throw new ApiError('not_permitted', 'Not authorized to access board or Pin.');
    return pin;
  }

  async pinAnalytics(auth: AuthContext, pinId: string, query: PinAnalyticsQuery) {
    const request = this.pinRequest(query);
    const pin = await this.analyzable(auth, pinId);
    return this.pinResponse(pin, request, (await this.series.pinSeries([pin], request.range))[0], await this.lifetime(pin, request));
  }

  async multiPinAnalytics(auth: AuthContext, pinIds: readonly string[], query: PinAnalyticsQuery) {
    const ids = [...new Set(pinIds.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
    if (ids.length === 0) throw invalidField('pin_ids', 'is required');
    if (ids.length > ANALYTICS_LIMITS.maxPinIds) throw invalidField('pin_ids', `has ${ids.length} Pin ids; at most ${ANALYTICS_LIMITS.maxPinIds} are allowed in one request`);
    for (const id of ids) if (!/^\d{1,20}$/.test(id)) throw invalidField('pin_ids', `has '${id}', which is not a Pin id`);
    const request = this.pinRequest(query);
    const pins: PinRow[] = [];
    for (const id of ids) pins.push(await this.analyzable(auth, id));
    const series = await this.series.pinSeries(pins, request.range);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < pins.length; i++) out[pins[i].id] = this.pinResponse(pins[i], request, series[i], await this.lifetime(pins[i], request));
    return out;
  }

  private pinRequest(query: PinAnalyticsQuery) {
    const range = this.checkRange(query);
    const metrics = namesOf('metric_types', query.metric_types, PIN_METRICS);
    return { range, metrics, app: query.app_types ?? 'ALL', split: query.split_field ?? 'NO_SPLIT' };
  }

  /** Lifetime figures: from the Pin's first day to the last READY day. */
  private async lifetime(pin: SeriesPinRow, request: { metrics: Metric[] }): Promise<Totals | null> {
    if (!request.metrics.some((m) => LIFETIME_ONLY.has(m))) return null;
    const range = { from: dayNumber(pin.created_at), to: this.lastReadyDay() };
    const total = emptyTotals();
    if (range.to < range.from) return total;
    for (const day of (await this.series.pinSeries([pin], range))[0]) for (let c = 0; c < total.length; c++) total[c] += day[c];
    return total;
  }

  private pinResponse(pin: PinRow, request: ReturnType<AnalyticsService['pinRequest']>, days: Totals[], lifetime: Totals | null) {
    const created = dayNumber(pin.created_at);
    const statuses = days.map((_, i) => this.statusOf(request.range.from + i, created));
    const groups = this.groups({ days, statuses }, request.split === 'APP_TYPE' ? 'APP_TYPE' : 'NO_SPLIT', request.app);
    const daily = request.metrics.filter((m) => !LIFETIME_ONLY.has(m) && !SUMMARY_ONLY.has(m));
    const summary = request.metrics.filter((m) => !LIFETIME_ONLY.has(m));
    const lifetimeMetrics = request.metrics.filter((m) => LIFETIME_ONLY.has(m));
    const out: Record<string, unknown> = {};
    for (const [name, series] of groups) {
      const group: Record<string, unknown> = {
        daily_metrics: this.dailyRows(series, request.range, daily),
        summary_metrics: summaryOf(series, summary),
      };
      if (lifetime && lifetimeMetrics.length) {
        const share = name === 'all' ? lifetime : appShare(lifetime, name as AppType);
        group.lifetime_metrics = Object.fromEntries(lifetimeMetrics.map((m) => [m, metricValue(m, share)]));
      }
      out[name] = group;
    }
    return out;
  }

  private statusOf(day: number, createdDay: number | null): DataStatus {
    if (createdDay !== null && day < createdDay) return 'BEFORE_PIN_CREATED';
    return day <= this.lastReadyDay() ? 'READY' : 'PROCESSING';
  }

  /** `all`, or one group per value of the split field; `app` keeps one app's share. */
  private groups(series: Series, split: string, app: 'ALL' | AppType = 'ALL'): [string, Series][] {
    const filtered = app === 'ALL' ? series : { ...series, days: series.days.map((t) => appShare(t, app)) };
    if (split === 'APP_TYPE') {
      return APP_TYPES.map((a) => [a, { ...filtered, days: filtered.days.map((t) => appShare(t, a)) }]);
    }
    return [['all', filtered]];
  }

  private dailyRows(series: Series, range: Range, metrics: readonly Metric[]): DailyRow[] {
    return series.days.map((totals, i) => {
      const status = series.statuses[i];
      // Figures still processing (or from before the Pin existed) show as zeros until READY.
      const shown = status === 'READY' ? totals : emptyTotals();
      return { date: dayString(range.from + i), data_status: status, metrics: Object.fromEntries(metrics.map((m) => [m, metricValue(m, shown)])) };
    });
  }

  // Account analytics

  /** The user's counters per day of the range after the account filters (zero where pinbox has no such content). */
  private async accountSeries(userId: string, range: Range, filters: AccountFilters, formats: readonly PinFormat[]): Promise<Series> {
    const readyTo = Math.min(range.to, this.lastReadyDay());
    const totals = readyTo >= range.from ? await this.totals.userTotals(userId, { from: range.from, to: readyTo }) : new Map<string, Totals>();
    // pinbox has no claimed domains, no other accounts' Pins to credit, and no ads: those filters leave nothing.
    const none = filters.from_claimed_content === 'CLAIMED' || filters.content_type === 'PAID' || filters.source === 'OTHER_PINS';
    const days: Totals[] = [];
    const statuses: DataStatus[] = [];
    for (let day = range.from; day <= range.to; day++) {
      const sum = emptyTotals();
      if (!none && day <= readyTo) {
        for (const format of formats) {
          const t = totals.get(`${dayString(day)}|${format}`);
          if (t) for (let c = 0; c < sum.length; c++) sum[c] += t[c];
        }
      }
      days.push(sum);
      statuses.push(this.statusOf(day, null));
    }
    return { days, statuses };
  }

  private formatsOf(pinFormat: string | undefined): PinFormat[] {
    if (pinFormat === undefined || pinFormat === 'ALL') return [...PIN_FORMATS];
    return (PIN_FORMATS as readonly string[]).includes(pinFormat) ? [pinFormat as PinFormat] : [];
  }

  async accountAnalytics(auth: AuthContext, query: AccountAnalyticsQuery) {
    const range = this.checkRange(query);
    const metrics = namesOf('metric_types', query.metric_types, ACCOUNT_METRICS, ACCOUNT_METRICS);
    const split = query.split_field ?? 'NO_SPLIT';
    const app = query.app_types ?? 'ALL';
    let groups: [string, Series][];
    if (split === 'PIN_FORMAT') {
      groups = [];
      for (const format of PIN_FORMATS) {
        const series = await this.accountSeries(auth.userId, range, query, this.formatsOf(query.pin_format).filter((f) => f === format));
        groups.push(...this.groups(series, 'NO_SPLIT', app).map(([, s]): [string, Series] => [format, s]));
      }
    } else {
      const series = await this.accountSeries(auth.userId, range, query, this.formatsOf(query.pin_format));
      groups = this.groups(series, split === 'APP_TYPE' ? 'APP_TYPE' : 'NO_SPLIT', app);
      // Every Pin in pinbox is the user's own and none is from a claimed domain.
      if (split === 'SOURCE') groups = [['YOUR_PINS', groups[0][1]], ['OTHER_PINS', zeroSeries(groups[0][1])]];
      if (split === 'OWNED_CONTENT') groups = [['OTHER', groups[0][1]], ['CLAIMED', zeroSeries(groups[0][1])]];
    }
    return Object.fromEntries(
      groups.map(([name, series]) => [name, { daily_metrics: this.dailyRows(series, range, metrics), summary_metrics: summaryOf(series, metrics) }]),
    );
  }

  /**
   * The user's top Pins over the READY days of the range, by `sort_by`.
   * Pinterest: at most 50 (`num_of_pins`, default 10); `created_in_last_n_days` keeps Pins made in the last 30 days.
   */
  async topPins(auth: AuthContext, query: TopPinsQuery, video: boolean) {
    const range = this.checkRange(query);
    const allowed = video ? VIDEO_METRICS : ACCOUNT_METRICS;
    const metrics = namesOf('metric_types', query.metric_types, allowed, allowed);
    const sortBy = query.sort_by as Metric;
    const count = query.num_of_pins ?? 10;
    const formats = video ? (['ORGANIC_VIDEO'] as PinFormat[]) : this.formatsOf(query.pin_format);
    const none = query.from_claimed_content === 'CLAIMED' || query.content_type === 'PAID' || query.source === 'OTHER_PINS';
    const readyTo = Math.min(range.to, this.lastReadyDay());
    const createdSince = query.created_in_last_n_days ? this.today() - query.created_in_last_n_days : null;
    // Secret Pins show only to tokens that may read them, as in every Pin list.
    const secretOk = auth.scopes.has('pins:read_secret');
    const pins = none
      ? []
      : (await this.deps.store.topCandidates(auth.userId, secretOk)).filter(
          (p) => formats.includes(formatOf(p.creative_type)) && (createdSince === null || dayNumber(p.created_at) >= createdSince),
        );
    const sums = pins.map(emptyTotals);
    if (readyTo >= range.from && pins.length) {
      const span = { from: range.from, to: readyTo };
      const adjustments = await this.deps.store.adjustments({ userId: auth.userId }, dayString(span.from), dayString(span.to));
      await this.series.accumulate(pins, span, adjustments, (i) => sums[i]);
    }
    const app = query.app_types ?? 'ALL';
    const shown = app === 'ALL' ? sums : sums.map((t) => appShare(t, app));
    const order = shown.map((_, i) => i).sort((a, b) => metricValue(sortBy, shown[b]) - metricValue(sortBy, shown[a]) || (pins[a].id < pins[b].id ? 1 : -1));
    const status = readyTo >= range.from ? 'READY' : 'PROCESSING';
    return {
      date_availability: { is_realtime: false, latest_available_timestamp: (this.lastReadyDay() + 1) * 86_400_000 - 1000 },
      pins: order.slice(0, count).map((i) => ({
        pin_id: pins[i].id,
        metrics: Object.fromEntries(metrics.map((m) => [m, metricValue(m, shown[i])])),
        // The spec gives data_status as a map of DataStatus values without naming its keys; pinbox keys it by metric.
        data_status: Object.fromEntries(metrics.map((m) => [m, status])),
      })),
      sort_by: sortBy,
    };
  }

  // Fixing figures (tests, demos)

  /**
   * Fixes a Pin's counters for the given days in place of the model's numbers (null
   * gives the day back to the model); real events that day (saves through the API)
   * still count on top. The owner's account totals follow.
   */
  async setPinMetrics(pinId: string, days: readonly string[], metrics: Record<string, number | null>): Promise<void> {
    if (days.length === 0) throw invalidField('dates', 'must name at least one day');
    const dayNumbers = days.map((d) => parseDate('date', d));
    const entries = Object.entries(metrics);
    if (entries.length === 0) throw invalidField('metrics', 'must name at least one metric');
    for (const [metric, value] of entries) {
      if (!(COUNTERS as readonly string[]).includes(metric)) {
        throw invalidField('metrics', `has '${metric}', which cannot be fixed; fix one of ${COUNTERS.join(', ')} (rates are derived from them)`);
      }
      if (value !== null && !(Number.isInteger(value) && value >= 0)) throw invalidField(`metrics.${metric}`, 'must be a whole number, 0 or more, or null');
    }
    await this.series.seed();
    await this.deps.db.transaction(async (tx) => {
      const pin = await tx.get<SeriesPinRow & { owner_id: string }>('SELECT id, owner_id, created_at, creative_type FROM pins WHERE id = ?', [pinId]);
      if (!pin) throw new ApiError('pin_not_found');
      // Pinterest: days before a Pin existed are BEFORE_PIN_CREATED and show no figures, so fixing one would show nothing.
      const createdDay = dayNumber(pin.created_at.slice(0, 10));
      const early = dayNumbers.findIndex((day) => day < createdDay);
      if (early >= 0) {
        throw invalidField('date', `is ${days[early]}, before the Pin was created (${dayString(createdDay)}): days before a Pin existed show no figures (BEFORE_PIN_CREATED)`);
      }
      for (const day of dayNumbers) {
        const range = { from: day, to: day };
        const before = (await this.series.pinSeries([pin], range, tx))[0][0];
        for (const [metric, value] of entries) await this.deps.store.setOverride(tx, pin.id, dayString(day), metric, value);
        const after = (await this.series.pinSeries([pin], range, tx))[0][0];
        for (const [metric] of entries) {
          const c = COUNTER_INDEX[metric as Counter];
          if (after[c] !== before[c]) await this.deps.store.logDelta(tx, pin.owner_id, pin, dayString(day), metric, after[c] - before[c]);
        }
      }
    });
  }

  /** `pin_metrics` as JSON text for the Pin's owner (or its board's owner); null for anyone else. */
  async pinMetricsJson(pin: PinRow, viewerId: string): Promise<string | null> {
    if (pin.owner_id !== viewerId && pin.board_owner_id !== viewerId) return null;
    return JSON.stringify(await this.pinMetrics(pin));
  }

  /** The `pin_metrics` of a Pin: the last 90 days (today included) and its lifetime, READY days only. */
  async pinMetrics(pin: SeriesPinRow): Promise<Record<string, Record<string, number>>> {
    const created = dayNumber(pin.created_at);
    const last = this.lastReadyDay();
    const total = emptyTotals();
    const recent = emptyTotals();
    if (last >= created) {
      const days = (await this.series.pinSeries([pin], { from: created, to: last }))[0];
      days.forEach((t, i) => {
        for (let c = 0; c < t.length; c++) {
          total[c] += t[c];
          if (created + i > this.today() - ANALYTICS_LIMITS.maxDaysBack) recent[c] += t[c];
        }
      });
    }
    // Pinterest: the shape of the spec's `Pin.pin_metrics` example (clickthrough is outbound clicks).
    const shape = (t: Totals) => ({ pin_click: metricValue('PIN_CLICK', t), impression: metricValue('IMPRESSION', t), clickthrough: metricValue('OUTBOUND_CLICK', t) });
    return {
      '90d': shape(recent),
      lifetime_metrics: { ...shape(total), reaction: metricValue('TOTAL_REACTIONS', total), comment: metricValue('TOTAL_COMMENTS', total) },
    };
  }
}

function parseDate(field: string, value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  if (match) {
    const day = dayNumber(value);
    if (dayString(day) === value) return day;
  }
  throw invalidField(field, `must be a date in the form YYYY-MM-DD (UTC), got '${value}'`);
}

function zeroSeries(series: Series): Series {
  return { ...series, days: series.days.map(emptyTotals) };
}

/** Summary over the READY days: counters summed, rates derived from the sums. */
function summaryOf(series: Series, metrics: readonly Metric[]): Record<string, number> {
  const sum = emptyTotals();
  series.days.forEach((t, i) => {
    if (series.statuses[i] !== 'READY') return;
    for (let c = 0; c < sum.length; c++) sum[c] += t[c];
  });
  return Object.fromEntries(metrics.map((m) => [m, metricValue(m, sum)]));
}
