/**
 * Ads delivery on pinbox's clock. Every serving ad (ACTIVE in an ACTIVE ad group
 * and campaign, APPROVED, inside its effective schedule, with budget left) accrues
 * impressions, clicks, saves, video views and spend hour by hour. The figures of an
 * hour come from a seeded model (the analytics family's seed and generator: the
 * same seed and ids give the same figures), shaped by the bid, the targeting's
 * breadth and the objective, then cut to the budgets and caps left.
 *
 * Nothing is simulated row by row while nobody looks: an ad account keeps a cursor
 * (the first hour not yet delivered), and before anything reads or changes the
 * account's delivery (analytics, reports, an entity read or write) the hours from the
 * cursor to the last complete hour are computed at once and persisted, one row per
 * ad and day (`ad_delivery`). An entity write catches up first, in its own
 * transaction, so a pause applies from the hour it was made and the figures
 * before it never change afterwards. A lifetime budget or cap spent is written on
 * the ad group or campaign (`budget_spent_at`), which summary_status reads.
 */
import { invalidField, ApiError } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import { dayNumber, dayOfInstant, dayString, hashText, unit, WEEKLY } from '../analytics/model.js';
import { storedSeed } from '../analytics/store.js';
import { BID_FLOORS } from './ad-groups.js';
import type { AdEntity, EntityRecord } from './entity.js';
import { reviewStatusAt } from './review.js';
import type { AudienceTargeting } from './audience-targeting.js';

export const HOUR_MS = 3_600_000;

/** The counts kept per ad and day; every analytics column is one of them or derived from them. */
export const DELIVERY_COUNTERS = ['impressions', 'clicks', 'outbound_clicks', 'saves', 'video_starts', 'video_views', 'video_completes', 'spend'] as const;
export type DeliveryCounter = (typeof DELIVERY_COUNTERS)[number];
export const C = Object.fromEntries(DELIVERY_COUNTERS.map((name, i) => [name, i])) as Record<DeliveryCounter, number>;
const N = DELIVERY_COUNTERS.length;

/** The names the control plane and fixtures fix figures by, and the counter each sets. */
export const FIXABLE_METRICS: Readonly<Record<string, DeliveryCounter>> = {
  IMPRESSION: 'impressions',
  CLICKTHROUGH: 'clicks',
  OUTBOUND_CLICK: 'outbound_clicks',
  SAVE: 'saves',
  VIDEO_START: 'video_starts',
  VIDEO_MRC_VIEW: 'video_views',
  VIDEO_P100_COMPLETE: 'video_completes',
  SPEND_IN_MICRO_DOLLAR: 'spend',
};

/** pinbox: the share of a UTC day's traffic in each hour (quiet at night, peaking in the evening). */
const HOURLY = (() => {
  const raw = [3, 2, 1.5, 1.2, 1, 1.2, 2, 3, 4, 4.5, 5, 5.2, 5.5, 5.4, 5.3, 5.4, 5.8, 6.4, 7.2, 7.8, 7.6, 6.6, 5.2, 4];
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / total);
})();

/** What a bid is worth when none is given (AUTOMATIC_BID): this many times the currency's floor. */
const AUTO_BID_FLOOR_MULTIPLE = 4;
const DEFAULT_FLOORS = BID_FLOORS.USD;

/**
 * Splits `total` into whole parts proportional to `weights` (largest remainder):
 * the parts add up to `total` exactly, and none exceeds its weight when the weights
 * are whole numbers and `total` is at most their sum.
 * @example apportion(10, [1, 1, 1]) // [4, 3, 3]
 */
export function apportion(total: number, weights: ArrayLike<number>): number[] {
  const n = weights.length;
  const out = new Array<number>(n).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  if (n === 0 || total <= 0) return out;
  if (sum <= 0) {
    out[0] = total;
    return out;
  }
  const rest: [number, number][] = [];
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = (total * weights[i]) / sum;
    out[i] = Math.floor(exact);
    given += out[i];
    rest.push([exact - out[i], i]);
  }
  rest.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; given < total; k = (k + 1) % n, given++) out[rest[k][1]]++;
  return out;
}

/** How wide an ad group's targeting is, 0..1: each dimension it narrows takes reach away. */
export function targetingBreadth(spec: Record<string, unknown> | null | undefined): number {
  let breadth = 1;
  for (const [key, value] of Object.entries(spec ?? {})) {
    if (!Array.isArray(value) || value.length === 0) continue;
    if (key === 'GEO' || key === 'LOCATION') breadth *= Math.min(1, 0.3 + 0.12 * value.length);
    else if (key === 'AGE_BUCKET') breadth *= Math.min(1, value.length / 7);
    else if (key === 'GENDER') breadth *= Math.min(1, value.length / 2.5);
    else if (key === 'INTEREST' || key === 'AUDIENCE_INCLUDE' || key === 'KEYWORD') breadth *= Math.min(1, 0.35 + 0.08 * value.length);
    else breadth *= 0.85;
  }
  return Math.max(0.05, breadth);
}

/** A whole share of `n` at about `rate`, varied by hour (0.7 to 1.3 times). A plain function: the hour loop calls it millions of times. */
function part(key: number, hour: number, n: number, rate: number, salt: number): number {
  return Math.floor(n * rate * (0.7 + unit(key, hour, salt) * 0.6));
}

/** One ad's traffic profile, drawn once from (seed, ad id) and shaped by its ad group and campaign. */
export class AdProfile {
  readonly key: number;
  private readonly dailyImpressions: number;
  private readonly ctr: number;
  private readonly saveRate: number;
  private readonly video: boolean;
  private readonly billable: string;
  /** Micro-currency per thousand impressions (IMPRESSION) or per click (CLICKTHROUGH) before the hour's clearing. */
  private readonly price: number;

  constructor(seed: number, ad: EntityRecord, group: EntityRecord, campaign: EntityRecord, currency: string) {
    this.key = hashText(`${seed}:ad:${ad.id}`);
    const u = (n: number) => unit(this.key, n, 0xad5);
    const floors = BID_FLOORS[currency] ?? DEFAULT_FLOORS;
    this.billable = String(group.billable_event) === 'CLICKTHROUGH' ? 'CLICKTHROUGH' : 'IMPRESSION';
    const floor = this.billable === 'CLICKTHROUGH' ? floors.CLICKTHROUGH : floors.IMPRESSION;
    const bid = typeof group.bid_in_micro_currency === 'number' ? group.bid_in_micro_currency : floor * AUTO_BID_FLOOR_MULTIPLE;
    // A higher bid wins more auctions, with diminishing returns.
    const bidFactor = Math.min(3, Math.max(0.3, Math.sqrt(bid / (floor * AUTO_BID_FLOOR_MULTIPLE))));
    const objective = String(campaign.objective_type);
    const reach = objective === 'AWARENESS' || objective === 'VIDEO_COMPLETION' ? 1.6 : 1;
    this.dailyImpressions = 400 * Math.exp(u(1) * 2.5) * bidFactor * reach * targetingBreadth(group.targeting_spec as Record<string, unknown>);
    this.ctr = (objective === 'CONSIDERATION' || objective === 'CATALOG_SALES' ? 0.012 : 0.005) * (0.6 + u(2) * 0.9);
    this.saveRate = 0.004 + u(3) * 0.01;
    this.video = objective === 'VIDEO_COMPLETION' || /VIDEO/.test(String(ad.creative_type));
    // Pinterest: a second-price auction; the advertiser pays part of the bid.
    this.price = bid * (0.55 + u(4) * 0.3);
  }

  /** Writes the hour's counts, before any budget, into `out` (whole numbers). */
  hour(hour: number, out: Float64Array): void {
    const day = Math.floor(hour / 24);
    const k = this.key;
    const noise = 0.75 + unit(k, hour, 1) * 0.5;
    const impressions = Math.floor(this.dailyImpressions * HOURLY[hour % 24] * WEEKLY[(day + 4) % 7] * noise);
    out[C.impressions] = impressions;
    out[C.clicks] = part(k, hour, impressions, this.ctr, 2);
    out[C.outbound_clicks] = part(k, hour, out[C.clicks], 0.55, 3);
    out[C.saves] = part(k, hour, impressions, this.saveRate, 4);
    if (this.video) {
      out[C.video_starts] = part(k, hour, impressions, 0.45, 5);
      out[C.video_views] = part(k, hour, out[C.video_starts], 0.55, 6);
      out[C.video_completes] = part(k, hour, out[C.video_views], 0.3, 7);
    } else {
      out[C.video_starts] = out[C.video_views] = out[C.video_completes] = 0;
    }
    const clearing = 0.9 + unit(k, hour, 8) * 0.2;
    out[C.spend] = Math.floor((this.billable === 'CLICKTHROUGH' ? out[C.clicks] * this.price : (impressions * this.price) / 1000) * clearing);
  }
}

/** One stored row of delivery: an ad's counts over some hours of one day. */
export interface DeliveryRow {
  ad_id: string;
  ad_group_id: string;
  campaign_id: string;
  day: number;
  first_hour: number;
  /** Impressions of each hour from first_hour on, comma-separated: how the row spreads over hours. */
  hourly: string;
  counts: Float64Array;
}

const ROW_COLUMNS = ['ad_account_id', 'ad_id', 'ad_group_id', 'campaign_id', 'day', 'first_hour', 'fixed', ...DELIVERY_COUNTERS, 'hourly'];
const INSERT_CHUNK = 100;

interface Budget {
  daily: number;
  lifetime: number;
  spentDay: number;
  spentLife: number;
  spentAt: number | null;
}

const left = (b: Budget) => Math.min(b.daily - b.spentDay, b.lifetime - b.spentLife);

/** An ad that may serve in the hours computed, with what the loop keeps of it. */
interface ServingAd {
  ad: EntityRecord;
  profile: AdProfile;
  /** The first instant it serves: after it was made, once approved (Infinity: never, as it stands). */
  liveFrom: number;
  /** Its counts of the hour being computed, before budgets. */
  out: Float64Array;
  segment: Segment | null;
}

/**
 * When an ad may first serve (milliseconds): the hour after it was made, once
 * approved; a pending ad once its review is due (review.ts); never when rejected.
 */
function liveFromOf(ad: EntityRecord): number {
  const made = ad.created_at + 1;
  if (ad.review_status === 'APPROVED') return made;
  if (reviewStatusAt(ad, Number.MAX_SAFE_INTEGER) === 'APPROVED') return Math.max(made, Number(ad.review_due_at));
  return Infinity;
}

interface Segment {
  ad: EntityRecord;
  day: number;
  firstHour: number;
  counts: Float64Array;
  hourly: number[];
}

export interface DeliveryDeps {
  db: Database;
  clock: Clock;
  entities: { campaigns: AdEntity; adGroups: AdEntity; ads: AdEntity };
  /** Whether an ad group's audiences let it serve (an included audience not READY: it does not). */
  audiences?: AudienceTargeting;
}

/** The delivery of every ad account, brought up to pinbox's clock when read or changed. */
export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** The hour delivery is computed up to (exclusive): the current hour is still running. */
  private targetHour(): number {
    return Math.floor(this.deps.clock.now() / HOUR_MS);
  }

  /** Brings the account's delivery up to the clock, in its own transaction. */
  async catchUp(accountId: string): Promise<void> {
    const cursor = await this.deps.db.get<{ through_hour: number }>('SELECT through_hour FROM ad_delivery_cursors WHERE ad_account_id = ?', [accountId]);
    if (cursor && Number(cursor.through_hour) >= this.targetHour()) return;
    await this.deps.db.transaction((tx) => this.catchUpIn(tx, accountId));
  }

  /**
   * Brings the account's delivery up to the clock inside the caller's transaction.
   * The cursor is claimed first (a conditional update), so two processes never
   * deliver the same hours; the second finds nothing left to do.
   */
  async catchUpIn(q: Queryable, accountId: string): Promise<void> {
    const target = this.targetHour();
    let row = await q.get<{ through_hour: number }>('SELECT through_hour FROM ad_delivery_cursors WHERE ad_account_id = ?', [accountId]);
    if (!row) {
      const account = await q.get<{ created_at: number }>('SELECT created_at FROM ad_accounts WHERE id = ?', [accountId]);
      if (!account) return;
      await q.run('INSERT INTO ad_delivery_cursors (ad_account_id, through_hour) VALUES (?, ?) ON CONFLICT (ad_account_id) DO NOTHING', [
        accountId,
        Math.floor(Number(account.created_at) / HOUR_MS),
      ]);
      row = await q.get<{ through_hour: number }>('SELECT through_hour FROM ad_delivery_cursors WHERE ad_account_id = ?', [accountId]);
    }
    const from = Number(row!.through_hour);
    if (from >= target) return;
    const claimed = await q.run('UPDATE ad_delivery_cursors SET through_hour = ? WHERE ad_account_id = ? AND through_hour = ?', [target, accountId, from]);
    if (claimed.changes === 0) return;
    await this.deliver(q, accountId, from, target);
  }

  /** Computes and stores the hours [from, to) of the account's serving ads. */
  private async deliver(q: Queryable, accountId: string, from: number, to: number): Promise<void> {
    const { campaigns, adGroups, ads } = this.deps.entities;
    const adRecords = await ads.store.list(q, accountId, ['ACTIVE'], null, false, null, Number.MAX_SAFE_INTEGER);
    if (adRecords.length === 0) return;
    const groupRecords = await adGroups.store.list(q, accountId, ['ACTIVE'], null, false, null, Number.MAX_SAFE_INTEGER);
    const campaignRecords = await campaigns.store.list(q, accountId, ['ACTIVE'], null, false, null, Number.MAX_SAFE_INTEGER);
    const account = await q.get<{ currency: string }>('SELECT currency FROM ad_accounts WHERE id = ?', [accountId]);
    const seed = (await storedSeed(q)) ?? 0;

    // Pinterest: an audience is usable from 100 people; an ad group including one that is not READY serves nothing while it is so.
    const servingGroups: EntityRecord[] = [];
    for (const g of groupRecords) if (!this.deps.audiences || (await this.deps.audiences.serves(q, accountId, g.targeting_spec as Record<string, unknown>))) servingGroups.push(g);
    const groupsById = new Map(servingGroups.map((g) => [g.id, g]));
    const campaignsById = new Map(campaignRecords.map((c) => [c.id, c]));
    const currency = account?.currency ?? 'USD';
    // The tree of what may serve: campaigns -> ad groups -> ads, all ACTIVE, each ad
    // with its profile, the instant it may first serve, and its running day segment.
    const tree = new Map<string, Map<string, ServingAd[]>>();
    for (const ad of adRecords) {
      const group = groupsById.get(String(ad.ad_group_id));
      const campaign = group && campaignsById.get(String(group.campaign_id));
      if (!group || !campaign) continue;
      const liveFrom = liveFromOf(ad);
      if (liveFrom === Infinity) continue;
      if (!tree.has(campaign.id)) tree.set(campaign.id, new Map());
      const groups = tree.get(campaign.id)!;
      if (!groups.has(group.id)) groups.set(group.id, []);
      groups.get(group.id)!.push({ ad, profile: new AdProfile(seed, ad, group, campaign, currency), liveFrom, out: new Float64Array(N), segment: null });
    }
    if (tree.size === 0) return;

    const fromDay = Math.floor(from / 24);
    const spentLife = await this.spent(q, accountId, null);
    const spentToday = await this.spent(q, accountId, fromDay);
    const budgets = new Map<string, Budget>();
    const budgetOf = (record: EntityRecord, daily: number | null, lifetime: number | null): Budget => {
      let b = budgets.get(record.id);
      if (!b) {
        b = {
          daily: daily ?? Infinity,
          lifetime: lifetime ?? Infinity,
          spentDay: spentToday.get(record.id) ?? 0,
          spentLife: spentLife.get(record.id) ?? 0,
          spentAt: typeof record.budget_spent_at === 'number' ? record.budget_spent_at : null,
        };
        budgets.set(record.id, b);
      }
      return b;
    };
    const segments: Segment[] = [];
    let day = fromDay;

    for (let hour = from; hour < to; hour++) {
      const hourMs = hour * HOUR_MS;
      const hourSec = hourMs / 1000;
      if (Math.floor(hour / 24) !== day) {
        day = Math.floor(hour / 24);
        for (const b of budgets.values()) b.spentDay = 0;
      }
      for (const [campaignId, groups] of tree) {
        const campaign = campaignsById.get(campaignId)!;
        const cb = budgetOf(campaign, campaign.daily_spend_cap as number | null, campaign.lifetime_spend_cap as number | null);
        if (cb.spentAt !== null || !inSchedule(campaign, hourSec) || left(cb) <= 0) continue;
        const serving: { budget: Budget; ads: ServingAd[]; potential: number; allowed: number }[] = [];
        for (const [groupId, groupAds] of groups) {
          const group = groupsById.get(groupId)!;
          const gb = budgetOf(group, group.budget_type === 'DAILY' ? (group.budget_in_micro_currency as number) : null, group.budget_type === 'LIFETIME' ? (group.budget_in_micro_currency as number) : null);
          if (gb.spentAt !== null || !inSchedule(group, hourSec) || left(gb) <= 0) continue;
          const live: ServingAd[] = [];
          let potential = 0;
          for (const serving of groupAds) {
            if (serving.liveFrom > hourMs) continue;
            serving.profile.hour(hour, serving.out);
            potential += serving.out[C.spend];
            live.push(serving);
          }
          if (live.length > 0) serving.push({ budget: gb, ads: live, potential, allowed: Math.min(potential, left(gb)) });
        }
        if (serving.length === 0) continue;
        const wanted = serving.reduce((sum, s) => sum + s.allowed, 0);
        const campaignAllows = Math.min(wanted, left(cb));
        const groupShares = campaignAllows < wanted ? apportion(campaignAllows, serving.map((s) => s.allowed)) : serving.map((s) => s.allowed);
        const slot = hour % 24;
        serving.forEach((s, i) => {
          const share = groupShares[i];
          const full = share >= s.potential;
          const adSpends = full ? null : apportion(share, s.ads.map((a) => a.out[C.spend]));
          let spent = 0;
          s.ads.forEach((a, j) => {
            const out = a.out;
            const adSpend = adSpends ? adSpends[j] : out[C.spend];
            const fraction = full ? 1 : out[C.spend] > 0 ? adSpend / out[C.spend] : s.potential > 0 ? share / s.potential : 0;
            let segment = a.segment;
            if (!segment || segment.day !== day) {
              segment = a.segment = { ad: a.ad, day, firstHour: slot, counts: new Float64Array(N), hourly: new Array<number>(24 - slot).fill(0) };
              segments.push(segment);
            }
            const counts = segment.counts;
            if (full) for (let c = 0; c < N; c++) counts[c] += out[c];
            else for (let c = 0; c < N; c++) counts[c] += c === C.spend ? adSpend : Math.floor(out[c] * fraction);
            segment.hourly[slot - segment.firstHour] += full ? out[C.impressions] : Math.floor(out[C.impressions] * fraction);
            spent += adSpend;
          });
          s.budget.spentDay += spent;
          s.budget.spentLife += spent;
          cb.spentDay += spent;
          cb.spentLife += spent;
          if (s.budget.lifetime !== Infinity && s.budget.spentLife >= s.budget.lifetime) s.budget.spentAt = hourMs + HOUR_MS;
        });
        if (cb.lifetime !== Infinity && cb.spentLife >= cb.lifetime) cb.spentAt = hourMs + HOUR_MS;
      }
    }

    const rows: DeliveryRow[] = [];
    for (const s of segments) {
      if (!s.counts.some((v) => v > 0)) continue;
      rows.push({ ad_id: s.ad.id, ad_group_id: String(s.ad.ad_group_id), campaign_id: String(s.ad.campaign_id), day: s.day, first_hour: s.firstHour, hourly: trimZeros(s.hourly).join(','), counts: s.counts });
    }
    await this.insert(q, accountId, rows, 0);
    for (const [id, b] of budgets) {
      if (b.spentAt === null) continue;
      const table = campaignsById.has(id) ? 'ad_campaigns' : 'ad_groups';
      await q.run(`UPDATE ${table} SET budget_spent_at = ? WHERE id = ? AND budget_spent_at IS NULL`, [b.spentAt, id]);
    }
  }

  /** Spend so far by ad group and by campaign (of one day, or of all time). */
  private async spent(q: Queryable, accountId: string, day: number | null): Promise<Map<string, number>> {
    const rows = await q.all<{ ad_group_id: string; campaign_id: string; spend: number }>(
      `SELECT ad_group_id, campaign_id, SUM(spend) AS spend FROM ad_delivery_days WHERE ad_account_id = ?${day === null ? '' : ' AND day = ?'} GROUP BY ad_group_id, campaign_id`,
      day === null ? [accountId] : [accountId, day],
    );
    const out = new Map<string, number>();
    for (const row of rows) {
      out.set(row.ad_group_id, (out.get(row.ad_group_id) ?? 0) + Number(row.spend));
      out.set(row.campaign_id, (out.get(row.campaign_id) ?? 0) + Number(row.spend));
    }
    return out;
  }

  private async insert(q: Queryable, accountId: string, rows: readonly DeliveryRow[], fixed: 0 | 1): Promise<void> {
    const placeholders = `(${ROW_COLUMNS.map(() => '?').join(', ')})`;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const values: SqlValue[] = [];
      for (const row of chunk) values.push(accountId, row.ad_id, row.ad_group_id, row.campaign_id, row.day, row.first_hour, fixed, ...row.counts, row.hourly);
      await q.run(`INSERT INTO ad_delivery (${ROW_COLUMNS.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')}`, values);
    }
    await this.addToDays(q, accountId, rows, 1);
  }

  /** Adds rows (sign 1) or takes them away (sign -1) in the ad group and day sums. */
  private async addToDays(q: Queryable, accountId: string, rows: readonly DeliveryRow[], sign: 1 | -1): Promise<void> {
    const sums = new Map<string, { group: string; campaign: string; day: number; counts: Float64Array }>();
    for (const row of rows) {
      const key = `${row.ad_group_id}:${row.day}`;
      let sum = sums.get(key);
      if (!sum) sums.set(key, (sum = { group: row.ad_group_id, campaign: row.campaign_id, day: row.day, counts: new Float64Array(N) }));
      for (let c = 0; c < N; c++) sum.counts[c] += sign * row.counts[c];
    }
    const list = [...sums.values()];
    const columns = ['ad_account_id', 'ad_group_id', 'campaign_id', 'day', ...DELIVERY_COUNTERS];
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    // Both engines take ON CONFLICT … DO UPDATE with `excluded` (SQLite since 3.24).
    const update = DELIVERY_COUNTERS.map((name) => `${name} = ad_delivery_days.${name} + excluded.${name}`).join(', ');
    for (let i = 0; i < list.length; i += INSERT_CHUNK) {
      const chunk = list.slice(i, i + INSERT_CHUNK);
      const values: SqlValue[] = [];
      for (const sum of chunk) values.push(accountId, sum.group, sum.campaign, sum.day, ...sum.counts);
      await q.run(`INSERT INTO ad_delivery_days (${columns.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')} ON CONFLICT (ad_group_id, day) DO UPDATE SET ${update}`, values);
    }
  }

  /** The stored rows of the account for the days given, optionally of some ads only. */
  async rows(q: Queryable, accountId: string, fromDay: number, toDay: number): Promise<DeliveryRow[]> {
    const rows = await q.all<Record<string, unknown>>(
      `SELECT ad_id, ad_group_id, campaign_id, day, first_hour, hourly, ${DELIVERY_COUNTERS.join(', ')} FROM ad_delivery WHERE ad_account_id = ? AND day >= ? AND day <= ?`,
      [accountId, fromDay, toDay],
    );
    return rows.map((row) => ({
      ad_id: String(row.ad_id),
      ad_group_id: String(row.ad_group_id),
      campaign_id: String(row.campaign_id),
      day: Number(row.day),
      first_hour: Number(row.first_hour),
      hourly: String(row.hourly),
      counts: countsOf(row),
    }));
  }

  /**
   * Sums in the store by `key` (an id column, or none for the account) and day, one per pair, ordered by id and day:
   * what TOTAL, DAY, WEEK and MONTH analytics read, without moving rows to the process.
   */
  async sums(q: Queryable, accountId: string, fromDay: number, toDay: number, key: 'campaign_id' | 'ad_group_id' | 'ad_id' | null, ids: readonly string[] | null): Promise<{ id: string; day: number; counts: Float64Array }[]> {
    // PostgreSQL takes no empty IN list (SQLite does): no ids, no rows.
    if (key && ids && ids.length === 0) return [];
    const filter = key && ids ? ` AND ${key} IN (${ids.map(() => '?').join(', ')})` : '';
    // Above the ad, the ad group and day sums hold the same figures in far fewer rows.
    const table = key === 'ad_id' ? 'ad_delivery' : 'ad_delivery_days';
    const rows = await q.all<Record<string, unknown>>(
      `SELECT ${key ?? "'' "} AS id, day, ${DELIVERY_COUNTERS.map((name) => `SUM(${name}) AS ${name}`).join(', ')} FROM ${table} WHERE ad_account_id = ? AND day >= ? AND day <= ?${filter} GROUP BY ${key ? `${key}, ` : ''}day ORDER BY ${key ? `${key}, ` : ''}day`,
      [accountId, fromDay, toDay, ...(key && ids ? ids : [])],
    );
    return rows.map((row) => ({ id: String(row.id), day: Number(row.day), counts: countsOf(row) }));
  }

  /**
   * Fixes an ad's figures for whole days (`YYYY-MM-DD`, UTC, today at the latest),
   * as setPinMetrics does for Pins: the day's rows become one row with the given
   * counts (the others kept as delivered). Budgets count the fixed spend, and
   * ad groups, campaigns and the account add it up as any other figure.
   */
  async fixAdDays(q: Queryable, adId: string, dates: readonly string[], metrics: Record<string, number>): Promise<void> {
    if (!Array.isArray(dates) || dates.length === 0 || dates.some((d) => typeof d !== 'string')) throw invalidField('dates', 'must be a list of dates in the form YYYY-MM-DD');
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics) || Object.keys(metrics).length === 0) throw invalidField('metrics', 'must name at least one metric and its value');
    const ad = /^\d{1,20}$/.test(adId) ? (await this.deps.entities.ads.store.getMany(q, [adId]))[0] : undefined;
    if (!ad) throw new ApiError('ad_entity_not_found', `Ad ${adId} not found.`);
    for (const [name, value] of Object.entries(metrics)) {
      if (!(name in FIXABLE_METRICS)) throw invalidField(`metrics.${name}`, `is not one of ${Object.keys(FIXABLE_METRICS).join(', ')}`);
      if (!Number.isInteger(value) || value < 0) throw invalidField(`metrics.${name}`, 'must be a whole number, 0 or more');
    }
    await this.catchUpIn(q, ad.ad_account_id);
    const today = dayOfInstant(this.deps.clock.now());
    for (const date of dates) {
      const day = dayNumber(date);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || dayString(day) !== date) throw invalidField('dates', `has '${date}', which is no date in the form YYYY-MM-DD`);
      if (day > today) throw invalidField('dates', `has ${date}, after today (${dayString(today)}): only days delivered can be fixed`);
      const existing = (await this.rows(q, ad.ad_account_id, day, day)).filter((row) => row.ad_id === adId);
      const counts = new Float64Array(N);
      const hourly = new Array<number>(24).fill(0);
      for (const row of existing) {
        row.counts.forEach((v, c) => (counts[c] += v));
        row.hourly.split(',').forEach((v, h) => (hourly[row.first_hour + h] += Number(v) || 0));
      }
      for (const [name, value] of Object.entries(metrics)) counts[C[FIXABLE_METRICS[name]]] = value;
      await q.run('DELETE FROM ad_delivery WHERE ad_id = ? AND day = ?', [adId, day]);
      await this.addToDays(q, ad.ad_account_id, existing, -1);
      // A fixed day with no impressions before spreads evenly over its hours.
      const weights = hourly.some((v) => v > 0) ? hourly : hourly.map(() => 1);
      await this.insert(q, ad.ad_account_id, [{ ad_id: adId, ad_group_id: String(ad.ad_group_id), campaign_id: String(ad.campaign_id), day, first_hour: 0, hourly: weights.join(','), counts }], 1);
    }
  }
}

/** A stored row's counts (PostgreSQL gives BIGINT sums as text), without a callback per value: reports read 100,000 rows. */
function countsOf(row: Record<string, unknown>): Float64Array {
  const counts = new Float64Array(N);
  for (let c = 0; c < N; c++) counts[c] = Number(row[DELIVERY_COUNTERS[c]]);
  return counts;
}

function inSchedule(record: EntityRecord, hourSec: number): boolean {
  if (typeof record.start_time === 'number' && record.start_time > hourSec) return false;
  if (typeof record.end_time === 'number' && record.end_time <= hourSec) return false;
  return true;
}

function trimZeros(values: number[]): number[] {
  let end = values.length;
  while (end > 1 && values[end - 1] === 0) end--;
  return values.slice(0, end);
}

/** Spreads a row's counts over its hours by its hourly impressions (exactly: the hours add up to the row). */
export function hoursOf(row: DeliveryRow): { hour: number; counts: Float64Array }[] {
  const weights = row.hourly.split(',').map(Number);
  const split = Array.from({ length: N }, (_, c) => apportion(row.counts[c], weights));
  return weights.map((_, h) => ({ hour: row.first_hour + h, counts: Float64Array.from(split, (parts) => parts[h]) }));
}
