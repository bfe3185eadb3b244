/**
 * Ads analytics: every figure is a sum of the stored delivery rows (delivery.ts), so
 * an ad account's figure is the sum over its campaigns, a campaign's over its ad
 * groups, an ad group's over its ads, for any range and granularity. Derived columns
 * (CTR, CPC, CPM, …) are computed from the sums of the same row, never averaged.
 * Targeting analytics split each ad's daily figures between targeting values exactly
 * (largest remainder), so the parts add up to the whole.
 */
import { invalidField } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../storage/database.js';
import { dayNumber, dayOfInstant, dayString, hashText, unit } from '../analytics/model.js';
import type { AdEntity, EntityRecord } from './entity.js';
import { attribute, attributionSpan, conversionColumn, CONVERSION_SLOTS, DEFAULT_ATTRIBUTION, type Attribution, type ConversionSource } from './attribution.js';
import { apportion, C, DELIVERY_COUNTERS, hoursOf, type Delivery, type DeliveryRow } from './delivery.js';
import { INTERESTS } from './resources.js';
import type { AdAccountRow } from './roles.js';

export const GRANULARITIES = ['TOTAL', 'DAY', 'HOUR', 'WEEK', 'MONTH'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The levels pinbox answers, each with its id column. */
export const LEVEL_ID_COLUMN = { ADVERTISER: 'AD_ACCOUNT_ID', CAMPAIGN: 'CAMPAIGN_ID', AD_GROUP: 'AD_GROUP_ID', AD: 'AD_ID', PIN: 'PIN_ID' } as const;
export type Level = keyof typeof LEVEL_ID_COLUMN;

/**
 * Pinterest's date rules (the spec's `start_date` and the reference §3.1/§3.2):
 * sync analytics reach 90 days back over at most 90 days, async reports 914 and
 * 186; HOUR granularity 8 days back over at most 3 days either way.
 */
export const DATE_LIMITS = {
  sync: { maxDaysBack: 90, maxSpanDays: 90 },
  async: { maxDaysBack: 914, maxSpanDays: 186 },
  hour: { maxDaysBack: 8, maxSpanDays: 3 },
} as const;
const LAST_90_DAYS = 'You can only get data from the last 90 days';

/** Checks a date range against Pinterest's rules; each violation is a 400 naming the field. */
export function checkDates(start: string, end: string, granularity: Granularity, kind: 'sync' | 'async', nowMs: number): { from: number; to: number } {
  const from = parseDay('start_date', start);
  const to = parseDay('end_date', end);
  const today = dayOfInstant(nowMs);
  const limits = granularity === 'HOUR' ? DATE_LIMITS.hour : DATE_LIMITS[kind];
  if (to < from) throw invalidField('end_date', `is ${end}, before 'start_date' ${start}: the end date must not come before the start date`);
  if (from < today - limits.maxDaysBack) {
    const why = kind === 'sync' && granularity !== 'HOUR' ? `: ${LAST_90_DAYS}` : '';
    throw invalidField('start_date', `is ${start}, more than ${limits.maxDaysBack} days before today (${dayString(today)})${granularity === 'HOUR' ? ' for HOUR granularity' : ''}${why}`);
  }
  if (to - from > limits.maxSpanDays) throw invalidField('end_date', `must not be more than ${limits.maxSpanDays} days past 'start_date'${granularity === 'HOUR' ? ' for HOUR granularity' : ''}`);
  if (to > today) throw invalidField('end_date', `is ${end}, after today (${dayString(today)}, UTC): there are no figures for days to come`);
  return { from, to };
}

function parseDay(field: string, value: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayNumber(value) : NaN;
  if (!Number.isFinite(day) || dayString(day) !== value) throw invalidField(field, `must be a date in the form YYYY-MM-DD (UTC), got '${value}'`);
  return day;
}

type Counts = Float64Array;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const engagements = (t: Counts) => t[C.clicks] + t[C.saves];

/**
 * The columns pinbox computes, from the counts of one row. Pinterest: `_1` is paid,
 * `_2` earned (organic activity on a promoted Pin, none in pinbox), TOTAL_ both.
 */
const SUM_COLUMNS: Readonly<Record<string, (t: Counts) => number>> = {
  SPEND_IN_MICRO_DOLLAR: (t) => t[C.spend],
  PAID_IMPRESSION: (t) => t[C.impressions],
  IMPRESSION_1: (t) => t[C.impressions],
  IMPRESSION_1_GROSS: (t) => t[C.impressions],
  TOTAL_IMPRESSION: (t) => t[C.impressions],
  IMPRESSION_2: () => 0,
  CLICKTHROUGH_1: (t) => t[C.clicks],
  CLICKTHROUGH_1_GROSS: (t) => t[C.clicks],
  TOTAL_CLICKTHROUGH: (t) => t[C.clicks],
  CLICKTHROUGH_2: () => 0,
  OUTBOUND_CLICK_1: (t) => t[C.outbound_clicks],
  TOTAL_OUTBOUND_CLICK: (t) => t[C.outbound_clicks],
  OUTBOUND_CLICK_2: () => 0,
  REPIN_1: (t) => t[C.saves],
  TOTAL_REPIN: (t) => t[C.saves],
  REPIN_2: () => 0,
  ENGAGEMENT_1: engagements,
  TOTAL_ENGAGEMENT: engagements,
  ENGAGEMENT_2: () => 0,
  VIDEO_3SEC_VIEWS_1: (t) => t[C.video_starts],
  TOTAL_VIDEO_3SEC_VIEWS: (t) => t[C.video_starts],
  TOTAL_VIDEO_P0_COMBINED: (t) => t[C.video_starts],
  VIDEO_MRC_VIEWS_1: (t) => t[C.video_views],
  TOTAL_VIDEO_MRC_VIEWS: (t) => t[C.video_views],
  TOTAL_VIDEO_P100_COMPLETE: (t) => t[C.video_completes],
  VIDEO_MRC_VIEWS_2: () => 0,
  VIDEO_3SEC_VIEWS_2: () => 0,
};

const DERIVED_COLUMNS: Readonly<Record<string, (t: Counts) => number>> = {
  SPEND_IN_DOLLAR: (t) => t[C.spend] / 1e6,
  CTR: (t) => ratio(t[C.clicks], t[C.impressions]),
  ECTR: (t) => ratio(t[C.clicks], t[C.impressions]),
  CTR_2: () => 0,
  OUTBOUND_CTR_1: (t) => ratio(t[C.outbound_clicks], t[C.impressions]),
  REPIN_RATE: (t) => ratio(t[C.saves], t[C.impressions]),
  TOTAL_REPIN_RATE: (t) => ratio(t[C.saves], t[C.impressions]),
  ENGAGEMENT_RATE: (t) => ratio(engagements(t), t[C.impressions]),
  EENGAGEMENT_RATE: (t) => ratio(engagements(t), t[C.impressions]),
  CPC_IN_MICRO_DOLLAR: (t) => ratio(t[C.spend], t[C.clicks]),
  ECPC_IN_MICRO_DOLLAR: (t) => ratio(t[C.spend], t[C.clicks]),
  ECPC_IN_DOLLAR: (t) => ratio(t[C.spend], t[C.clicks]) / 1e6,
  CPM_IN_MICRO_DOLLAR: (t) => ratio(t[C.spend] * 1000, t[C.impressions]),
  ECPM_IN_MICRO_DOLLAR: (t) => ratio(t[C.spend] * 1000, t[C.impressions]),
  CPM_IN_DOLLAR: (t) => ratio(t[C.spend] * 1000, t[C.impressions]) / 1e6,
  ECPE_IN_DOLLAR: (t) => ratio(t[C.spend], engagements(t)) / 1e6,
  COST_PER_OUTBOUND_CLICK_IN_DOLLAR: (t) => ratio(t[C.spend], t[C.outbound_clicks]) / 1e6,
  PAID_VIDEO_VIEWABLE_RATE: (t) => ratio(t[C.video_views], t[C.impressions]),
};

/** The columns that are sums (the add-up property holds for them). */
export const ADDITIVE_COLUMNS = Object.keys(SUM_COLUMNS);

/** The conversion columns: those attribution computes (attribution.ts), the others 0. */
const CONVERSION_COLUMN = /CONVERSION|CHECKOUT|SIGNUP|LEAD|ADD_TO_CART|PAGE_VISIT|ROAS|CUSTOM|WATCH_VIDEO|SEARCH|VIEW_CATEGORY|UNKNOWN|WEB_SESSION/;

/** Entity attribute columns and the level that has them. */
const ATTRIBUTE_COLUMNS: Readonly<Record<string, { from: 'account' | 'campaign' | 'ad_group' | 'ad'; field: string }>> = {
  AD_ACCOUNT_ID: { from: 'account', field: 'id' },
  ADVERTISER_ID: { from: 'account', field: 'id' },
  CAMPAIGN_ID: { from: 'campaign', field: 'id' },
  CAMPAIGN_NAME: { from: 'campaign', field: 'name' },
  CAMPAIGN_ENTITY_STATUS: { from: 'campaign', field: 'status' },
  CAMPAIGN_OBJECTIVE_TYPE: { from: 'campaign', field: 'objective_type' },
  CAMPAIGN_DAILY_SPEND_CAP: { from: 'campaign', field: 'daily_spend_cap' },
  CAMPAIGN_LIFETIME_SPEND_CAP: { from: 'campaign', field: 'lifetime_spend_cap' },
  AD_GROUP_ID: { from: 'ad_group', field: 'id' },
  AD_GROUP_NAME: { from: 'ad_group', field: 'name' },
  AD_GROUP_ENTITY_STATUS: { from: 'ad_group', field: 'status' },
  AD_GROUP_BUDGET_TYPE: { from: 'ad_group', field: 'budget_type' },
  AD_ID: { from: 'ad', field: 'id' },
  PIN_PROMOTION_ID: { from: 'ad', field: 'id' },
  PIN_ID: { from: 'ad', field: 'pin_id' },
};
const LEVEL_DEPTH: Readonly<Record<Level, number>> = { ADVERTISER: 0, CAMPAIGN: 1, AD_GROUP: 2, AD: 3, PIN: 3 };
const FROM_DEPTH = { account: 0, campaign: 1, ad_group: 2, ad: 3 } as const;

/**
 * Pinterest's targeting breakdowns pinbox splits figures by (AdsAnalyticsTargetingType and the
 * campaign, ad group and ad variants). QUIZ_RESULT, CREATIVE_ENHANCEMENTS and AUDIENCE_MULTIPLIER
 * answer no rows (pinbox has no quizzes, enhancements nor multipliers; see the README).
 */
export const TARGETING_BREAKDOWNS = [
  'APPTYPE', 'GENDER', 'AGE_BUCKET', 'AGE_BUCKET_AND_GENDER', 'LOCATION', 'COUNTRY', 'GEO', 'REGION', 'PLACEMENT', 'TARGETED_INTEREST', 'PINNER_INTEREST', 'AUDIENCE_INCLUDE', 'KEYWORD', 'CREATIVE_TYPE',
] as const;

/** pinbox's audience mix where an ad group does not narrow it: values and their shares. */
const AUDIENCE_MIX: Readonly<Record<string, readonly [string, number][]>> = {
  APPTYPE: [['iphone', 0.34], ['android_mobile', 0.3], ['web', 0.16], ['web_mobile', 0.1], ['ipad', 0.07], ['android_tablet', 0.03]],
  GENDER: [['female', 0.7], ['male', 0.22], ['unknown', 0.08]],
  AGE_BUCKET: [['18-24', 0.2], ['25-34', 0.3], ['35-44', 0.2], ['45-49', 0.08], ['50-54', 0.08], ['55-64', 0.09], ['65+', 0.05]],
  PLACEMENT: [['BROWSE', 0.6], ['SEARCH', 0.32], ['OTHER', 0.08]],
};

/** The top-level interests of pinbox's taxonomy: who saw an ad (PINNER_INTEREST) when its ad group targets none. */
const TOP_INTERESTS = [...INTERESTS.values()].filter((interest) => interest.level === 1).map((interest) => interest.id);

/** An ad group's active, non-negative keywords (what KEYWORD splits by): text and id. */
export interface GroupKeyword {
  id: string;
  value: string;
}

/**
 * The values an ad group's figures split between for a targeting type, with weights; none when it
 * has no such breakdown. `KEYWORD_ID` is pinbox's own: KEYWORD by keyword id, for the KEYWORD report level.
 */
function breakdownOf(type: string, group: EntityRecord, account: AdAccountRow, ad: EntityRecord | undefined, keywords: readonly GroupKeyword[]): [string, number][] {
  const spec = (group.targeting_spec ?? {}) as Record<string, string[] | undefined>;
  const key = hashText(`targeting:${group.id}:${type === 'KEYWORD_ID' ? 'KEYWORD' : type}`);
  const vary = (values: readonly [string, number][]) => values.map(([v, w], i) => [v, w * (0.7 + unit(key, i, 3) * 0.6)] as [string, number]);
  const narrowed = (field: string, mix: readonly [string, number][]) => {
    const chosen = spec[field];
    if (!chosen?.length) return vary(mix);
    return vary(chosen.map((v) => [v, mix.find(([m]) => m === v)?.[1] ?? 1 / chosen.length]));
  };
  const countries = () => (spec.LOCATION?.length ? spec.LOCATION : spec.GEO?.length ? spec.GEO : [account.country]);
  switch (type) {
    case 'APPTYPE':
    case 'GENDER':
    case 'AGE_BUCKET':
      return narrowed(type, AUDIENCE_MIX[type]);
    case 'AGE_BUCKET_AND_GENDER': {
      // pinbox: the value is `<age bucket>:<gender>`, each pair weighted by the product of its parts.
      const ages = narrowed('AGE_BUCKET', AUDIENCE_MIX.AGE_BUCKET);
      const genders = narrowed('GENDER', AUDIENCE_MIX.GENDER);
      return ages.flatMap(([age, a]) => genders.map(([gender, g]) => [`${age}:${gender}`, a * g] as [string, number]));
    }
    case 'PLACEMENT': {
      const placement = String(group.placement_group ?? 'ALL');
      return placement === 'ALL' ? vary(AUDIENCE_MIX.PLACEMENT) : [[placement, 1]];
    }
    case 'LOCATION':
    case 'COUNTRY':
    case 'GEO':
      return vary(countries().map((c) => [c, 1]));
    case 'REGION':
      // pinbox: the regions an ad group targets (GEO's sub-country codes such as US-CA), else its countries as a whole.
      return vary(((spec.GEO ?? []).some((g) => g.includes('-')) ? (spec.GEO ?? []).filter((g) => g.includes('-')) : countries()).map((c) => [c, 1]));
    case 'CREATIVE_TYPE':
      return ad ? [[String(ad.creative_type), 1]] : [];
    case 'TARGETED_INTEREST': {
      const interests = (spec.INTEREST ?? []).filter((id) => INTERESTS.has(id));
      return vary(interests.map((id) => [id, 1]));
    }
    case 'PINNER_INTEREST': {
      // pinbox: the interests of the people reached: those targeted, else every top-level interest.
      const interests = (spec.INTEREST ?? []).filter((id) => INTERESTS.has(id));
      return vary((interests.length ? interests : TOP_INTERESTS).map((id) => [id, 1]));
    }
    case 'AUDIENCE_INCLUDE':
      return vary((spec.AUDIENCE_INCLUDE ?? []).map((id) => [id, 1]));
    case 'KEYWORD':
      return vary(keywords.map((k) => [k.value, 1]));
    case 'KEYWORD_ID':
      return vary(keywords.map((k) => [k.id, 1]));
    default:
      return [];
  }
}

export interface AnalyticsRequest {
  level: Level;
  from: number;
  to: number;
  granularity: Granularity;
  columns: readonly string[];
  /** Ids at the level (campaign ids for CAMPAIGN, …); null: every entity of the account. */
  ids?: readonly string[] | null;
  /** Further filters by ancestors and Pins, and by summary status (reports). */
  campaignIds?: readonly string[] | null;
  adGroupIds?: readonly string[] | null;
  adIds?: readonly string[] | null;
  pinIds?: readonly string[] | null;
  /** One row over every entity asked for, without the id column. */
  aggregate?: boolean;
  /** The attribution windows and report time of the conversion columns (Pinterest's defaults when absent). */
  attribution?: Attribution;
}

export interface TargetingRow {
  targeting_type: string;
  targeting_value: string;
  metrics: Record<string, unknown>;
}

type Tree = { campaigns: Map<string, EntityRecord>; adGroups: Map<string, EntityRecord>; ads: Map<string, EntityRecord>; keywords: Map<string, GroupKeyword[]> };

interface Bucket {
  id: string;
  period: number;
  hour: number | null;
  counts: Counts;
}

/**
 * How one asked column is computed from counts (a sum, a ratio, a conversion
 * column's zero); undefined for attribute columns and the columns pinbox does not model.
 */
export function countsColumn(column: string): ((t: Counts) => number) | undefined {
  if (column in SUM_COLUMNS) return SUM_COLUMNS[column];
  if (column in DERIVED_COLUMNS) return DERIVED_COLUMNS[column];
  if (CONVERSION_COLUMN.test(column)) return () => 0;
  return undefined;
}

/** The period a day belongs to: the range's start for TOTAL, the week's Monday or the month's first day (never before the range). */
export function periodOf(day: number, granularity: Granularity, from: number): number {
  if (granularity === 'TOTAL') return from;
  if (granularity === 'WEEK') return Math.max(from, day - ((day + 3) % 7));
  if (granularity === 'MONTH') return Math.max(from, dayNumber(`${dayString(day).slice(0, 7)}-01`));
  return day;
}

/** Reads the delivery of an account as Pinterest's analytics rows. */
export class AdsAnalytics {
  /**
   * product_groups/analytics: rows of product group promotions, set by the family
   * that has them (product-group-promotions); none until then.
   */
  productGroupRows: (account: AdAccountRow, request: AnalyticsRequest) => Promise<Record<string, unknown>[]> = async () => [];

  constructor(
    private readonly deps: { db: Database; clock: Clock; delivery: Delivery; entities: { campaigns: AdEntity; adGroups: AdEntity; ads: AdEntity } },
  ) {}

  /** Where recorded conversion events come from (the conversions family registers it); none: conversion columns are 0. */
  private conversions: ConversionSource | null = null;

  /** Attributes the events `source` reads into the conversion columns. */
  attributeFrom(source: ConversionSource): void {
    this.conversions = source;
  }

  /** The period a day belongs to: the range's start for TOTAL, the week's Monday or the month's first day (never before the range). */
  private period(day: number, granularity: Granularity, from: number): number {
    return periodOf(day, granularity, from);
  }

  /**
   * The entity records of the account, by id (what attribute columns, Pin filters and
   * breakdowns read); empty when the request needs none of them, to spare the reads.
   */
  private async tree(q: Queryable, accountId: string, request: AnalyticsRequest, targeting: boolean) {
    const needed =
      targeting || request.level === 'PIN' || !!request.pinIds || request.columns.some((c) => c in ATTRIBUTE_COLUMNS && c !== LEVEL_ID_COLUMN[request.level]);
    const keywords = new Map<string, GroupKeyword[]>();
    if (!needed) return { campaigns: new Map<string, EntityRecord>(), adGroups: new Map<string, EntityRecord>(), ads: new Map<string, EntityRecord>(), keywords };
    const statuses = ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'];
    const { campaigns, adGroups, ads } = this.deps.entities;
    const all = (entity: AdEntity) => entity.store.list(q, accountId, statuses, null, false, null, Number.MAX_SAFE_INTEGER);
    const byId = (records: EntityRecord[]) => new Map(records.map((r) => [r.id, r]));
    if (targeting) {
      // Pinterest: negative keywords exclude searches, so only an ad group's active positive keywords take a share.
      const rows = await q.all<{ id: string; parent_id: string; value: string }>(
        "SELECT id, parent_id, value FROM ad_keywords WHERE ad_account_id = ? AND parent_type = 'ad_group' AND status = 'ACTIVE' AND match_type NOT LIKE '%_NEGATIVE' ORDER BY id",
        [accountId],
      );
      for (const row of rows) {
        if (!keywords.has(row.parent_id)) keywords.set(row.parent_id, []);
        keywords.get(row.parent_id)!.push({ id: row.id, value: row.value });
      }
    }
    return { campaigns: byId(await all(campaigns)), adGroups: byId(await all(adGroups)), ads: byId(await all(ads)), keywords };
  }

  /** The rows of a request, flat, keyed by upper-case columns: the sync answer and a report's file. */
  async rows(account: AdAccountRow, request: AnalyticsRequest): Promise<Record<string, unknown>[]> {
    await this.deps.delivery.catchUp(account.id);
    const q = this.deps.db;
    const tree = await this.tree(q, account.id, request, false);
    const buckets = await this.buckets(q, account, request, tree, null);
    const list = buckets.get('') ?? [];
    return this.present(await this.withConversions(q, account, request, tree, list), account, request, tree);
  }

  /**
   * Adds the attributed conversions to the buckets when a conversion column is asked
   * for: each bucket's counts grow by the conversion slots, and an attribution with no
   * bucket yet (a conversion reported on a day its ad did not serve) makes one.
   */
  private async withConversions(q: Queryable, account: AdAccountRow, request: AnalyticsRequest, tree: Tree, list: Bucket[]): Promise<Bucket[]> {
    if (!this.conversions || !request.columns.some((c) => CONVERSION_COLUMN.test(c))) return list;
    const a = request.attribution ?? DEFAULT_ATTRIBUTION;
    const span = attributionSpan(request.from, request.to, a);
    const events = await this.conversions(account.id, span.eventsFrom, span.eventsTo);
    if (events.length === 0) return list;
    const delivery = await this.deps.delivery.rows(q, account.id, span.deliveryFrom, span.deliveryTo);
    const attributed = attribute(account.id, events, delivery, C, a, request.from, request.to);
    const width = DELIVERY_COUNTERS.length + CONVERSION_SLOTS;
    const byKey = new Map<string, Bucket>();
    const out = list.map((b) => {
      const counts = new Float64Array(width);
      counts.set(b.counts);
      const grown: Bucket = { ...b, counts };
      byKey.set(`${b.id}:${b.period}:${b.hour ?? ''}`, grown);
      return grown;
    });
    for (const at of attributed) {
      const id = this.keyOf(request, account, tree, at.row);
      if (id === null) continue;
      const period = this.period(at.day, request.granularity, request.from);
      const hour = request.granularity === 'HOUR' ? at.hourOfDay : null;
      const key = `${id}:${period}:${hour ?? ''}`;
      let bucket = byKey.get(key);
      if (!bucket) {
        bucket = { id, period, hour, counts: new Float64Array(width) };
        byKey.set(key, bucket);
        out.push(bucket);
      }
      bucket.counts[DELIVERY_COUNTERS.length + at.count] += 1;
      bucket.counts[DELIVERY_COUNTERS.length + at.value] += at.valueMicro;
    }
    return out;
  }

  /** The bucket id a delivery row counts under for the request, or null when the request's filters leave it out. */
  private keyOf(request: AnalyticsRequest, account: AdAccountRow, tree: Tree, row: { ad_id: string; campaign_id: string; ad_group_id: string }): string | null {
    const level = request.level;
    const ad = tree.ads.get(row.ad_id);
    if (request.campaignIds && !request.campaignIds.includes(row.campaign_id)) return null;
    if (request.adGroupIds && !request.adGroupIds.includes(row.ad_group_id)) return null;
    if (request.adIds && !request.adIds.includes(row.ad_id)) return null;
    if (request.pinIds && !request.pinIds.includes(String(ad?.pin_id))) return null;
    const id = level === 'ADVERTISER' ? account.id : level === 'CAMPAIGN' ? row.campaign_id : level === 'AD_GROUP' ? row.ad_group_id : level === 'AD' ? row.ad_id : String(ad?.pin_id);
    if (request.ids && !request.ids.includes(id)) return null;
    return request.aggregate ? '' : id;
  }

  /** Targeting analytics: `{targeting_type, targeting_value, metrics}` per entity, period and value. */
  async targetingRows(account: AdAccountRow, request: AnalyticsRequest, types: readonly string[]): Promise<TargetingRow[]> {
    await this.deps.delivery.catchUp(account.id);
    const q = this.deps.db;
    const tree = await this.tree(q, account.id, request, true);
    const out: TargetingRow[] = [];
    for (const type of types) {
      const buckets = await this.buckets(q, account, request, tree, type);
      for (const [value, list] of [...buckets].sort(([a], [b]) => a.localeCompare(b))) {
        for (const metrics of this.present(list, account, request, tree)) out.push({ targeting_type: type, targeting_value: value, metrics });
      }
    }
    return out;
  }

  /**
   * Sums the delivery rows into buckets by entity and period (and targeting value
   * when `type` is given). TOTAL, DAY, WEEK and MONTH at the account, campaign, ad
   * group or ad level without a breakdown are summed by the store; the rest row by row.
   */
  private async buckets(q: Queryable, account: AdAccountRow, request: AnalyticsRequest, tree: Tree, type: string | null): Promise<Map<string, Bucket[]>> {
    const { level, granularity, from, to } = request;
    const keyOf = (row: { ad_id: string; campaign_id: string; ad_group_id: string }) => this.keyOf(request, account, tree, row);
    const out = new Map<string, Map<string, Bucket>>();
    const add = (value: string, id: string, period: number, hour: number | null, counts: ArrayLike<number>) => {
      if (!out.has(value)) out.set(value, new Map());
      const buckets = out.get(value)!;
      const key = `${id}:${period}:${hour ?? ''}`;
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = { id, period, hour, counts: new Float64Array(counts.length) }));
      for (let c = 0; c < counts.length; c++) bucket.counts[c] += counts[c];
    };
    const storeSums = type === null && granularity !== 'HOUR' && level !== 'PIN' && !request.pinIds && !request.adGroupIds && !request.adIds && !(request.campaignIds && level !== 'CAMPAIGN');
    if (storeSums) {
      const key = level === 'ADVERTISER' ? null : level === 'CAMPAIGN' ? 'campaign_id' : level === 'AD_GROUP' ? 'ad_group_id' : 'ad_id';
      const ids = request.ids ?? (level === 'CAMPAIGN' ? request.campaignIds : null) ?? null;
      const sums = await this.deps.delivery.sums(q, account.id, from, to, key, ids);
      if (granularity === 'DAY' && !request.aggregate) {
        // The store answers one sum per id and day, in that order: each is a bucket as it stands.
        return new Map([['', sums.map((sum) => ({ id: key ? sum.id : account.id, period: sum.day, hour: null, counts: sum.counts }))]]);
      }
      for (const sum of sums) add('', request.aggregate ? '' : key ? sum.id : account.id, this.period(sum.day, granularity, from), null, sum.counts);
    } else {
      for (const row of await this.deps.delivery.rows(q, account.id, from, to)) {
        const id = keyOf(row);
        if (id === null) continue;
        const period = this.period(row.day, granularity, from);
        const parts: { hour: number | null; counts: ArrayLike<number> }[] = granularity === 'HOUR' ? hoursOf(row) : [{ hour: null, counts: row.counts }];
        if (type === null) {
          for (const part of parts) add('', id, period, part.hour, part.counts);
          continue;
        }
        const group = tree.adGroups.get(row.ad_group_id);
        const values = group ? breakdownOf(type, group, account, tree.ads.get(row.ad_id), tree.keywords.get(row.ad_group_id) ?? []) : [];
        if (values.length === 0) continue;
        for (const part of parts) {
          const split = Array.from(part.counts, (v) => apportion(v, values.map(([, w]) => w)));
          values.forEach(([value], i) => add(value, id, period, part.hour, split.map((s) => s[i])));
        }
      }
    }
    return new Map([...out].map(([value, buckets]) => [value, [...buckets.values()]]));
  }

  /** Shapes buckets as Pinterest's rows: the id column, DATE for time-based granularity, then the columns asked for. */
  private present(buckets: Bucket[], account: AdAccountRow, request: AnalyticsRequest, tree: Tree): Record<string, unknown>[] {
    const idColumn = LEVEL_ID_COLUMN[request.level];
    const depth = LEVEL_DEPTH[request.level];
    buckets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.period - b.period || (a.hour ?? 0) - (b.hour ?? 0)));
    // What each asked column is, decided once for all rows (a report may have 100,000).
    type Producer = { column: string; counts?: (t: Counts) => number; attribute?: { from: keyof typeof FROM_DEPTH; field: string } };
    const producers: Producer[] = [];
    for (const column of request.columns) {
      if (column in SUM_COLUMNS) producers.push({ column, counts: SUM_COLUMNS[column] });
      else if (column in DERIVED_COLUMNS) producers.push({ column, counts: DERIVED_COLUMNS[column] });
      else if (CONVERSION_COLUMN.test(column)) {
        const computed = conversionColumn(column, DELIVERY_COUNTERS.length, C.spend, C.clicks);
        // Buckets without the conversion slots (targeting analytics, no events) answer 0.
        producers.push({ column, counts: computed ? (t) => (t.length > DELIVERY_COUNTERS.length ? computed.of(t) : 0) : () => 0 });
      }
      else if (column in ATTRIBUTE_COLUMNS && !request.aggregate) {
        const attribute = ATTRIBUTE_COLUMNS[column];
        if (FROM_DEPTH[attribute.from] <= depth && !(request.level === 'PIN' && attribute.from !== 'account')) producers.push({ column, attribute });
      }
      // Pinterest: "empty columns may be omitted"; the columns pinbox does not model are.
    }
    const needsRecords = producers.some((p) => p.attribute);
    const dates = new Map<number, string>();
    const dateOf = (day: number) => dates.get(day) ?? (dates.set(day, dayString(day)), dates.get(day)!);
    const out: Record<string, unknown>[] = [];
    for (const b of buckets) {
      if (!b.counts.some((v) => v > 0)) continue;
      const row: Record<string, unknown> = {};
      if (!request.aggregate) row[idColumn] = b.id;
      if (request.granularity !== 'TOTAL') row.DATE = dateOf(b.period);
      // pinbox: an hourly row says its hour of the day (UTC) beside DATE.
      if (b.hour !== null) row.HOUR = b.hour;
      const records = needsRecords ? this.chain(request.level, b.id, account, tree) : null;
      for (const p of producers) {
        if (p.counts) row[p.column] = p.counts(b.counts);
        else {
          const record = records![p.attribute!.from];
          if (record && record[p.attribute!.field] != null) row[p.column] = String(record[p.attribute!.field]);
        }
      }
      out.push(row);
    }
    return out;
  }

  private chain(level: Level, id: string, account: AdAccountRow, tree: Tree): Record<string, Record<string, unknown> | undefined> {
    const ad = level === 'AD' ? tree.ads.get(id) : undefined;
    const group = level === 'AD_GROUP' ? tree.adGroups.get(id) : ad ? tree.adGroups.get(String(ad.ad_group_id)) : undefined;
    const campaign = level === 'CAMPAIGN' ? tree.campaigns.get(id) : group ? tree.campaigns.get(String(group.campaign_id)) : undefined;
    return { account: account as unknown as Record<string, unknown>, campaign, ad_group: group, ad };
  }
}

