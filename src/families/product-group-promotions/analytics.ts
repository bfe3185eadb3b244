/**
 * product_groups/analytics: the figures of product group promotions, from the ads
 * delivery model. pinbox: an ad group's delivery (ads/delivery.ts, summed by ad
 * group and day) is shared among its product group promotions that are `included`
 * and were made by the end of that UTC day (not drafts), by a fixed weight each
 * (drawn from the analytics seed and the promotion's id), with the largest
 * remainder, so an ad group's figures are exactly the sum of its promotions' on
 * every day it has one; a day with none leaves them to the ad group alone.
 */
import type { Database } from '../../storage/database.js';
import { hashText, unit } from '../analytics/model.js';
import { storedSeed } from '../analytics/store.js';
import { countsColumn, periodOf, type AnalyticsRequest } from '../ads/ads-analytics.js';
import { apportion, hoursOf, type Delivery } from '../ads/delivery.js';
import type { AdEntity, EntityRecord } from '../ads/entity.js';
import type { AdAccountRow } from '../ads/roles.js';

const DAY_MS = 86_400_000;
/** pinbox: a promotion's share weight is a whole number in 1..PROMOTION_WEIGHT_MAX. */
const PROMOTION_WEIGHT_MAX = 9;

/** The ad entity columns a product group row may carry, from the promotion's record. */
const ATTRIBUTES: Readonly<Record<string, (record: EntityRecord) => unknown>> = {
  AD_ACCOUNT_ID: (r) => r.ad_account_id,
  ADVERTISER_ID: (r) => r.ad_account_id,
  CAMPAIGN_ID: (r) => r.campaign_id,
  AD_GROUP_ID: (r) => r.ad_group_id,
};

interface Bucket {
  id: string;
  period: number;
  hour: number | null;
  counts: Float64Array;
}

export class PromotionAnalytics {
  constructor(private readonly deps: { db: Database; delivery: Delivery; promotions: AdEntity }) {}

  /**
   * The rows of the promotions `request.ids` names (others' or unknown ids give none;
   * null: every promotion of the account, as a PRODUCT_GROUP report asks), within
   * the campaigns and ad groups a report's filters keep, keyed by upper-case columns.
   */
  async rows(account: AdAccountRow, request: AnalyticsRequest): Promise<Record<string, unknown>[]> {
    const { db, delivery, promotions } = this.deps;
    await delivery.catchUp(account.id);
    const records = request.ids ? await promotions.store.getMany(db, request.ids) : await promotions.store.list(db, account.id, ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'], null, false, null, Number.MAX_SAFE_INTEGER);
    const kept = records.filter(
      (r) => r.ad_account_id === account.id && (!request.campaignIds || request.campaignIds.includes(String(r.campaign_id))) && (!request.adGroupIds || request.adGroupIds.includes(String(r.ad_group_id))),
    );
    const asked = new Map(kept.map((r) => [r.id, r]));
    if (asked.size === 0) return [];
    const groupIds = [...new Set([...asked.values()].map((r) => String(r.ad_group_id)))];
    const siblings = (await db.all<Record<string, unknown>>(`SELECT * FROM ${promotions.table} WHERE ad_group_id IN (${groupIds.map(() => '?').join(', ')}) ORDER BY id`, groupIds)).map((row) =>
      promotions.store.decode(row),
    );
    const seed = (await storedSeed(db)) ?? 0;
    const weightOf = new Map(siblings.map((p) => [p.id, 1 + Math.floor(unit(hashText(`${seed}:product_group_promotion:${p.id}`), 0, 0x9a9) * PROMOTION_WEIGHT_MAX)]));
    const byGroup = new Map<string, EntityRecord[]>();
    for (const p of siblings) {
      if (p.included === false || p.status === 'DRAFT' || p.status === 'DELETED_DRAFT') continue;
      byGroup.set(String(p.ad_group_id), [...(byGroup.get(String(p.ad_group_id)) ?? []), p]);
    }

    const buckets = new Map<string, Bucket>();
    const share = (groupId: string, day: number, hour: number | null, counts: Float64Array) => {
      const sharers = (byGroup.get(groupId) ?? []).filter((p) => p.created_at < (day + 1) * DAY_MS);
      if (sharers.length === 0) return;
      const weights = sharers.map((p) => weightOf.get(p.id)!);
      const split = Array.from(counts, (v) => apportion(v, weights));
      sharers.forEach((p, i) => {
        if (!asked.has(p.id)) return;
        const period = periodOf(day, request.granularity, request.from);
        const key = `${p.id}:${period}:${hour ?? ''}`;
        let bucket = buckets.get(key);
        if (!bucket) buckets.set(key, (bucket = { id: p.id, period, hour, counts: new Float64Array(counts.length) }));
        for (let c = 0; c < counts.length; c++) bucket.counts[c] += split[c][i];
      });
    };
    if (request.granularity === 'HOUR') {
      const hours = new Map<string, { group: string; day: number; hour: number; counts: Float64Array }>();
      for (const row of await delivery.rows(db, account.id, request.from, request.to)) {
        if (!byGroup.has(row.ad_group_id)) continue;
        for (const part of hoursOf(row)) {
          const key = `${row.ad_group_id}:${row.day}:${part.hour}`;
          const sum = hours.get(key) ?? { group: row.ad_group_id, day: row.day, hour: part.hour, counts: new Float64Array(part.counts.length) };
          part.counts.forEach((v, c) => (sum.counts[c] += v));
          hours.set(key, sum);
        }
      }
      for (const sum of hours.values()) share(sum.group, sum.day, sum.hour, sum.counts);
    } else {
      for (const sum of await delivery.sums(db, account.id, request.from, request.to, 'ad_group_id', groupIds)) share(sum.id, sum.day, null, sum.counts);
    }
    return present([...buckets.values()], asked, request);
  }
}

/** Pinterest's rows: PRODUCT_GROUP_ID, DATE for a time-based granularity (pinbox: HOUR beside it), then the columns asked for. */
function present(buckets: Bucket[], records: ReadonlyMap<string, EntityRecord>, request: AnalyticsRequest): Record<string, unknown>[] {
  buckets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.period - b.period || (a.hour ?? 0) - (b.hour ?? 0)));
  const out: Record<string, unknown>[] = [];
  for (const b of buckets) {
    if (!b.counts.some((v) => v > 0)) continue;
    const row: Record<string, unknown> = { PRODUCT_GROUP_ID: b.id };
    if (request.granularity !== 'TOTAL') row.DATE = new Date(b.period * DAY_MS).toISOString().slice(0, 10);
    if (b.hour !== null) row.HOUR = b.hour;
    for (const column of request.columns) {
      const counts = countsColumn(column);
      if (counts) row[column] = counts(b.counts);
      else if (column in ATTRIBUTES) row[column] = String(ATTRIBUTES[column](records.get(b.id)!));
    }
    out.push(row);
  }
  return out;
}
