/**
 * Keyword planning and trends from one seeded model over a real word list (the
 * `popular-english-words` package, words ranked by how common they are in English
 * text): keyword metrics (country_keywords_metrics/get), trending keywords
 * (trending_keywords/list), featured topics (trends_featured_topics/list), related
 * and suggested terms (terms_related/list, terms_suggested/list). The same instance seed (the analytics seed), inputs and
 * day give the same answer; another seed gives another, equally plausible, world.
 *
 * pinbox's model (Pinterest's is its search logs): a word's monthly searches fall
 * with its rank (about 2e9 / (rank + 300) in the US), a phrase's with each word it
 * adds, each country has a seeded share of the US's, and every figure carries a
 * seeded spread of ±40%. Each word belongs to one of the spec's interests, drawn
 * from the seed; a trend's weekly series has the shape of its trend type.
 */
import { words } from 'popular-english-words';
import { invalidField } from '../../kernel/errors.js';
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { hashText, unit } from '../analytics/model.js';
import type { AdAccountService } from './ad-accounts.js';
import { accountParams, splitList } from './parented-batch.js';
import { AD_ACCOUNT_COUNTRIES } from './resources.js';
import { CAMPAIGN_ROLES } from './roles.js';

/** The spec's TrendsSupportedRegion, TrendType and the filters of trending_keywords/list. */
export const TREND_REGIONS = ['US', 'CA', 'DE', 'FR', 'ES', 'IT', 'DE+AT+CH', 'GB+IE', 'IT+ES+PT+GR+MT', 'PL+RO+HU+SK+CZ', 'SE+DK+FI+NO', 'NL+BE+LU', 'AR', 'BR', 'CO', 'MX', 'MX+AR+CO+CL', 'AU+NZ'] as const;
export const TREND_TYPES = ['growing', 'monthly', 'yearly', 'seasonal'] as const;
export const TREND_INTERESTS = [
  'animals', 'architecture', 'art', 'beauty', 'childrens_fashion', 'design', 'diy_and_crafts', 'education', 'electronics', 'entertainment', 'event_planning', 'finance',
  'food_and_drinks', 'gardening', 'health', 'home_decor', 'mens_fashion', 'parenting', 'quotes', 'sport', 'travel', 'vehicles', 'wedding', 'womens_fashion',
] as const;
/** The spec's ProductCategoryRegion and InterestsEnum, which featured topics take. */
export const FEATURED_REGIONS = ['US', 'GB+IE', 'CA'] as const;
export const FEATURED_INTERESTS = [
  'ALL', 'ANIMALS', 'ARCHITECTURE', 'ART', 'BEAUTY', 'DIY_AND_CRAFTS', 'EDUCATION', 'EVENT_PLANNING', 'FASHION', 'FOOD_AND_DRINKS', 'GARDENING', 'HEALTH', 'HOME_DECOR', 'PARENTING', 'TRAVEL', 'WEDDING',
] as const;
export const TREND_GENDERS = ['female', 'male', 'unknown'] as const;
export const TREND_AGES = ['18-24', '25-34', '35-44', '45-49', '50-54', '55-64', '65+'] as const;

/**
 * The vocabulary: the list's words of 4 to 12 letters past its 200 most common
 * (articles, pronouns and the like are no search terms), most popular first.
 */
const VOCABULARY: readonly string[] = words
  .getAll()
  .slice(200)
  .filter((word) => /^[a-z]{4,12}$/.test(word))
  .slice(0, 20_000);
const RANK = new Map(VOCABULARY.map((word, i) => [word, i]));
/** The rank of a word the vocabulary lacks: rarer than any it has. */
const UNKNOWN_RANK = 400_000;

/** Pinterest (KeywordMetrics' example "5M+"): search volume is answered as a floor, not a count. */
const VOLUME_FLOORS: readonly [number, string][] = [
  [5_000_000, '5M+'],
  [1_000_000, '1M+'],
  [500_000, '500K+'],
  [100_000, '100K+'],
  [10_000, '10K+'],
  [1_000, '1K+'],
  [100, '100+'],
];

const WEEK_MS = 7 * 86_400_000;
/** How many trending answers the model keeps (the oldest goes first). */
const ANSWERS_KEPT = 256;
const DAY_MS = 86_400_000;

/** The seeded model; `seed` is read when asked, so a changed or restored seed is seen at once. */
export class PlanningModel {
  /** Answers of trending keywords by (seed, day, query): a day's trends stay put, as Pinterest's daily figures do. */
  private readonly answers = new Map<string, Record<string, unknown>[]>();
  /** Candidates' scores before the audience's spread, by `seed:region`, then keyword. */
  private readonly scoreCache = new Map<string, Map<string, Record<'growing' | 'seasonal' | 'monthly' | 'yearly', number>>>();
  /** The vocabulary's candidate trends of a seed (single words and seeded pairs). */
  private candidateCache: { seed: number; candidates: readonly string[] } | null = null;

  constructor(private readonly seed: () => Promise<number>) {}

  private candidates(seed: number): readonly string[] {
    if (this.candidateCache?.seed !== seed) {
      const candidates: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const word = VOCABULARY[i];
        candidates.push(i % 3 === 0 ? `${word} ${VOCABULARY[Math.floor(this.draw(seed, 'pair', word) * 2000)]}` : word);
      }
      this.candidateCache = { seed, candidates };
    }
    return this.candidateCache.candidates;
  }

  /** A uniform number in [0, 1) for (seed, parts). */
  private draw(seed: number, ...parts: (string | number)[]): number {
    return unit(seed, hashText(parts.join('\u0000')), parts.length);
  }

  /** Monthly searches of a keyword in a country. */
  private volume(seed: number, country: string, keyword: string): number {
    const tokens = keyword.toLowerCase().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return 0;
    const rarest = Math.max(...tokens.map((token) => RANK.get(token) ?? UNKNOWN_RANK));
    const share = country === 'US' ? 1 : 0.03 + 0.37 * this.draw(seed, 'country', country);
    const spread = 0.6 + 0.8 * this.draw(seed, 'volume', country, keyword.toLowerCase());
    return (2e9 / (rarest + 300)) * 0.15 ** (tokens.length - 1) * share * spread;
  }

  async keywordMetrics(country: string, keywords: readonly string[]): Promise<{ keyword: string; metrics: { keyword_query_volume: string } }[]> {
    const seed = await this.seed();
    return keywords.map((keyword) => {
      const volume = this.volume(seed, country, keyword);
      const floor = VOLUME_FLOORS.find(([at]) => volume >= at);
      return { keyword, metrics: { keyword_query_volume: floor ? floor[1] : '<100' } };
    });
  }

  /** The interest a word belongs to, for this seed. */
  private interestOf(seed: number, keyword: string): string {
    const head = keyword.split(' ')[0];
    return TREND_INTERESTS[Math.floor(this.draw(seed, 'interest', head) * TREND_INTERESTS.length)];
  }

  /** The shape parameters of a keyword's series: its growth over the year (growing) and its seasonal peak week. */
  private shapeOf(seed: number, region: string, keyword: string): { growth: number; phase: number } {
    return { growth: 0.5 + 3 * this.draw(seed, 'growth', region, keyword), phase: this.draw(seed, 'phase', keyword) * 52 };
  }

  /**
   * How trendy a keyword is for the type, from its series' shape: its volume
   * (monthly, yearly), its growth (growing), or how its season rises now (seasonal),
   * with a seeded spread of ±10% for the audience.
   */
  private trendScore(seed: number, region: string, type: string, audience: string, keyword: string): number {
    const spread = 0.9 + 0.2 * this.draw(seed, 'rank', region, type, audience, keyword);
    return this.baseScores(seed, region, keyword)[type as 'growing'] * spread;
  }

  /** A candidate's score by trend type before the audience's spread, kept per seed and region (they do not change). */
  private baseScores(seed: number, region: string, keyword: string): Record<'growing' | 'seasonal' | 'monthly' | 'yearly', number> {
    const key = `${seed}:${region}`;
    let scores = this.scoreCache.get(key);
    if (!scores) {
      if (this.scoreCache.size >= TREND_REGIONS.length) this.scoreCache.delete(this.scoreCache.keys().next().value!);
      this.scoreCache.set(key, (scores = new Map()));
    }
    let score = scores.get(keyword);
    if (!score) {
      const { growth, phase } = this.shapeOf(seed, region, keyword);
      const season = (week: number) => 1 + 0.8 * Math.cos(((week - phase) / 52) * 2 * Math.PI);
      const volume = this.volume(seed, region.split('+')[0], keyword);
      score = { growing: growth, seasonal: season(52) / season(39), monthly: volume, yearly: volume };
      scores.set(keyword, score);
    }
    return score;
  }

  /** A keyword's raw weekly searches over `weeks` weeks ending now, shaped by the trend type. */
  private series(seed: number, region: string, type: string, audience: string, keyword: string, weeks: number, ahead = 0): number[] {
    const base = this.volume(seed, region.split('+')[0], keyword);
    const { growth, phase } = this.shapeOf(seed, region, keyword);
    return Array.from({ length: weeks + ahead }, (_, i) => {
      const t = i / Math.max(1, weeks - 1);
      const wobble = 0.85 + 0.3 * this.draw(seed, 'week', region, audience, keyword, i);
      const seasonal = 1 + 0.8 * Math.cos(((i - phase) / 52) * 2 * Math.PI);
      const shape = type === 'growing' ? 1 + growth * t * t : type === 'seasonal' ? seasonal : 1;
      return base * shape * wobble;
    });
  }

  /**
   * Trending keywords: candidates from the vocabulary (and phrases of each
   * `include_keywords` term), kept by the filters, ranked for the trend type by
   * growth (growing), the season's rise (seasonal) or volume (monthly, yearly),
   * with the time series their growth figures are computed from.
   */
  async trending(now: number, query: TrendingQuery): Promise<Record<string, unknown>[]> {
    const seed = await this.seed();
    const key = JSON.stringify([seed, Math.floor(now / DAY_MS), query]);
    const known = this.answers.get(key);
    if (known) return known;
    const answer = this.computeTrending(seed, now, query);
    if (this.answers.size >= ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, answer);
    return answer;
  }

  private computeTrending(seed: number, now: number, query: TrendingQuery): Record<string, unknown>[] {
    const { region, trend_type: type } = query;
    const audience = [...(query.genders ?? []), ...(query.ages ?? [])].sort().join(',');
    const candidates = new Set<string>(this.candidates(seed));
    const included = query.include_keywords?.map((k) => k.toLowerCase().trim()) ?? null;
    for (const term of included ?? []) {
      for (let j = 0; j < 10; j++) candidates.add(`${term} ${VOCABULARY[Math.floor(this.draw(seed, 'include', term, j) * 3000)]}`);
    }
    // Ranked by a closed form of each series' shape, so only the kept trends' series are drawn.
    const scored = [...candidates]
      .filter((keyword) => !query.interests || query.interests.includes(this.interestOf(seed, keyword)))
      .filter((keyword) => !included || included.some((term) => ` ${keyword} `.includes(` ${term} `)))
      .map((keyword) => ({ keyword, score: this.trendScore(seed, region, type, audience, keyword) }))
      .sort((a, b) => b.score - a.score || (a.keyword < b.keyword ? -1 : 1))
      .slice(0, query.limit ?? 50)
      .map(({ keyword }) => {
        const raw = this.series(seed, region, type, audience, keyword, 53, query.include_prediction ? 13 : 0);
        return { keyword, raw, past: raw.slice(0, 53) };
      });
    const groupPeak = Math.max(1, ...scored.map((s) => Math.max(...s.past)));
    // Weeks end on the last Sunday on pinbox's clock.
    const lastSunday = Math.floor(now / DAY_MS) * DAY_MS - (new Date(now).getUTCDay() * DAY_MS);
    const dateOf = (i: number) => new Date(lastSunday - (52 - i) * WEEK_MS).toISOString().slice(0, 10);
    const pct = (now: number, before: number) => Math.max(-10_000, Math.min(10_001, Math.round(((now - before) / Math.max(before, 1e-9)) * 100)));
    return scored.map(({ keyword, raw, past }) => {
      const peak = query.normalize_against_group ? groupPeak : Math.max(1, ...past);
      const scale = (v: number) => Math.min(100, Math.round((v / peak) * 100));
      const sum = (from: number, to: number) => past.slice(from, to).reduce((a, b) => a + b, 0);
      const trend: Record<string, unknown> = {
        keyword,
        pct_growth_wow: pct(past[52], past[51]),
        pct_growth_mom: pct(sum(49, 53), sum(45, 49)),
        pct_growth_yoy: pct(sum(49, 53), sum(0, 4)),
        time_series: Object.fromEntries(past.map((v, i) => [dateOf(i), scale(v)])),
      };
      if (query.include_prediction) {
        trend.has_prediction = true;
        trend.predicted_time_series = Object.fromEntries(raw.slice(53).map((v, i) => [dateOf(53 + i), scale(v)]));
      }
      if (query.include_demographics) trend.demographics = this.demographics(seed, keyword);
      return trend;
    });
  }

  /** Pinterest: shares of search volume by gender and age; a share under 0.05 is answered 0.04. */
  private demographics(seed: number, keyword: string): Record<string, Record<string, number>> {
    const shares = (labels: readonly string[], what: string) => {
      const weights = labels.map((label) => 0.2 + this.draw(seed, what, label, keyword));
      const total = weights.reduce((a, b) => a + b, 0);
      return Object.fromEntries(labels.map((label, i) => {
        const share = Math.round((weights[i] / total) * 100) / 100;
        return [label, share < 0.05 ? 0.04 : share];
      }));
    };
    return { age_distribution: shares(TREND_AGES, 'age'), gender_distribution: shares(['female', 'male', 'unspecified'], 'gender') };
  }

  /**
   * Featured topics: the five fastest-growing keywords of the interest and market
   * (trending keywords of type `growing`), each with its growth, its related
   * searches and its weekly series. pinbox gives no Pins with them (the spec allows none).
   */
  async featured(now: number, region: string, interest: string): Promise<Record<string, unknown>[]> {
    const interests = interest === 'ALL' ? undefined : interest === 'FASHION' ? TREND_INTERESTS.filter((i) => i.endsWith('_fashion')) : [interest.toLowerCase()];
    const trends = await this.trending(now, { region, trend_type: 'growing', interests, limit: 5 });
    const seed = await this.seed();
    const related = await this.related(trends.map((trend) => String(trend.keyword)));
    const topics = trends.map((trend, i) => ({
      title: trend.keyword,
      description: `Searches for "${String(trend.keyword)}" changed ${Number(trend.pct_growth_mom)}% month over month in ${region}.`,
      percent_growth_mom: trend.pct_growth_mom,
      related_interests: [this.interestOf(seed, String(trend.keyword))],
      related_searches: related.related_terms_list[i].related_terms.slice(0, 5),
      time_series: trend.time_series,
      pins: [],
    }));
    return [{ interest, market: region, trends: topics }];
  }

  /**
   * Product-category details: a category's weekly series over the lookback window (as
   * trending keywords' are, of the category's words), its month-over-month changes by
   * engagement type, related searches and the audience that engaged.
   */
  async productCategoryDetails(now: number, query: ProductCategoryQuery & { product_categories: string[]; lookback_window: number }): Promise<Record<string, unknown>[]> {
    const seed = await this.seed();
    const weeks = Math.round(query.lookback_window / 7);
    const lastSunday = Math.floor(now / DAY_MS) * DAY_MS - new Date(now).getUTCDay() * DAY_MS;
    const related = await this.related(query.product_categories.map(categoryTerm));
    return query.product_categories.map((category, i) => {
      const term = categoryTerm(category);
      const past = this.series(seed, query.region, 'growing', query.engagement_type, term, weeks);
      const peak = Math.max(1, ...past);
      const mom = (what: string) => {
        const shifted = this.series(seed, query.region, 'growing', what, term, 9);
        const sum = (from: number, to: number) => shifted.slice(from, to).reduce((a, b) => a + b, 0);
        return Math.round(((sum(5, 9) - sum(1, 5)) / Math.max(sum(1, 5), 1e-9)) * 1000) / 10;
      };
      const demographics = this.demographics(seed, term);
      return {
        product_category: category,
        has_prediction: false,
        time_series: Object.fromEntries(past.map((v, w) => [new Date(lastSunday - (weeks - 1 - w) * WEEK_MS).toISOString().slice(0, 10), Math.min(100, Math.round((v / peak) * 100))])),
        metrics_highlights: { engagement: { pct_change_mom: mom('ENGAGEMENT') }, outbound_clicks: { pct_change_mom: mom('OUTBOUND_CLICK') }, pin_saves: { pct_change_mom: mom('SAVE') } },
        related_searches: related.related_terms_list[i].related_terms.slice(0, 5),
        demographics: { age: demographics.age_distribution, gender: demographics.gender_distribution },
      };
    });
  }

  /**
   * Growing product categories: pinbox has no product taxonomy (see the README), so its
   * categories are the trends model's single-word candidates in upper snake case, each in
   * a seeded vertical, ranked by growth for the engagement type and audience.
   */
  async trendingProductCategories(query: ProductCategoryQuery & { verticals?: string[]; ages?: string[]; genders?: string[] }): Promise<Record<string, unknown>[]> {
    const seed = await this.seed();
    const audience = [query.engagement_type, ...(query.genders ?? []), ...(query.ages ?? [])].sort().join(',');
    const scored = this.candidates(seed)
      .filter((keyword) => !keyword.includes(' '))
      .map((keyword) => ({ keyword, vertical: PRODUCT_VERTICALS[Math.floor(this.draw(seed, 'vertical', keyword) * PRODUCT_VERTICALS.length)] }))
      .filter(({ vertical }) => !query.verticals || query.verticals.includes(vertical))
      .map((c) => ({ ...c, score: this.trendScore(seed, query.region, 'growing', audience, c.keyword), volume: this.volume(seed, query.region.split('+')[0], c.keyword) }))
      .sort((a, b) => b.score - a.score || (a.keyword < b.keyword ? -1 : 1))
      .slice(0, 50);
    const top = Math.max(1e-9, ...scored.map((c) => c.volume));
    return scored.map(({ keyword, vertical, volume }) => {
      const past = this.series(seed, query.region, 'growing', audience, keyword, 9);
      const sum = (from: number, to: number) => past.slice(from, to).reduce((a, b) => a + b, 0);
      return {
        product_category: keyword.toUpperCase(),
        engagement_type: query.engagement_type,
        pct_change_mom: Math.max(-10_000, Math.min(10_001, Math.round(((sum(5, 9) - sum(1, 5)) / Math.max(sum(1, 5), 1e-9)) * 100))),
        percent_relative_volume: Math.round((volume / top) * 100),
        verticals: [vertical],
      };
    });
  }

  /** Up to eight phrases of each term with other words of the vocabulary, seeded. */
  async related(terms: readonly string[]): Promise<{ id: string; related_term_count: number; related_terms_list: { term: string; related_terms: string[] }[] }> {
    const seed = await this.seed();
    const list = terms.map((term) => {
      const clean = term.toLowerCase().trim();
      const related = new Set<string>();
      for (let j = 0; related.size < 8 && j < 32; j++) {
        const word = VOCABULARY[Math.floor(this.draw(seed, 'related', clean, j) * 2000)];
        if (word === clean) continue;
        related.add(this.draw(seed, 'order', clean, j) < 0.6 ? `${clean} ${word}` : `${word} ${clean}`);
      }
      return { term, related_terms: [...related] };
    });
    return { id: `terms-${hashText(`${seed}:${terms.join(',')}`).toString(16)}`, related_term_count: list.reduce((n, item) => n + item.related_terms.length, 0), related_terms_list: list };
  }

  /** The most popular words that begin with the term, then phrases that begin with it, up to `limit`. */
  async suggested(term: string, limit: number): Promise<string[]> {
    const seed = await this.seed();
    const clean = term.toLowerCase().trim();
    const out: string[] = [];
    if (!clean.includes(' ')) for (const word of VOCABULARY) if (out.length < limit && word !== clean && word.startsWith(clean)) out.push(word);
    for (let j = 0; out.length < limit && j < 64; j++) {
      const phrase = `${clean} ${VOCABULARY[Math.floor(this.draw(seed, 'suggest', clean, j) * 1000)]}`;
      if (!out.includes(phrase)) out.push(phrase);
    }
    return out;
  }
}

/** The spec's VerticalProductCategory, ProductCategoriesEngagementType and ProductCategoryDetailLookbackWindow. */
export const PRODUCT_VERTICALS = ['FASHION', 'HOME_DECOR', 'BEAUTY'] as const;
export const PRODUCT_ENGAGEMENT_TYPES = ['ENGAGEMENT', 'OUTBOUND_CLICK', 'SAVE'] as const;
export const PRODUCT_LOOKBACK_WINDOWS = [90, 180, 365, 730] as const;
/**
 * pinbox: a well-formed product category (Pinterest's ProductCategoryEnum names are upper
 * snake case, e.g. AREA_RUGS); pinbox has no taxonomy to check them against (see the README).
 */
export const PRODUCT_CATEGORY_PATTERN = '^[A-Z0-9]+(_[A-Z0-9]+)*$';
/** The search term of a category: its words in lower case (AREA_RUGS: "area rugs"). */
const categoryTerm = (category: string) => category.toLowerCase().split('_').join(' ');

export interface ProductCategoryQuery {
  region: string;
  engagement_type: string;
}

export interface TrendingQuery {
  region: string;
  trend_type: string;
  interests?: string[];
  genders?: string[];
  ages?: string[];
  include_keywords?: string[];
  normalize_against_group?: boolean;
  limit?: number;
  include_prediction?: boolean;
  include_demographics?: boolean;
}

/** A query list given repeated or comma-separated, each value one of `values`. */
const listOf = (values: readonly string[]) => ({ type: 'array', minItems: 1, items: { type: 'string', pattern: `^(${values.map((v) => v.replace(/[+]/g, '\\+')).join('|')})(,(${values.map((v) => v.replace(/[+]/g, '\\+')).join('|')}))*$` } });
const split = (values: readonly string[] | undefined) => (values ? splitList(values) : undefined);

/** The routes of keyword metrics, trending keywords and terms. */
export function trendRoutes(deps: { model: PlanningModel; accounts: AdAccountService; clock: Clock }): ApiRoute[] {
  const { model, accounts, clock } = deps;
  const countries = new Set(AD_ACCOUNT_COUNTRIES.map((country) => country.code));
  return [
    defineRoute<{ Params: { ad_account_id: string }; Querystring: { country_code: string; keywords: string[] } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/keywords/metrics',
      operationId: 'country_keywords_metrics/get',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          required: ['country_code', 'keywords'],
          properties: { country_code: { type: 'string' }, keywords: { type: 'array', minItems: 1, items: { type: 'string' } } },
        },
      },
      handler: async (request) => {
        await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        const { country_code: country } = request.query;
        if (!countries.has(country)) throw invalidField('country_code', 'must be a two-letter country code (ISO 3166-1 alpha-2) of a country ad accounts serve');
        // Pinterest: keywords are comma-separated (explode: false), 1 to 2,000 of them.
        const keywords = split(request.query.keywords)!.map((k) => k.trim()).filter(Boolean);
        if (keywords.length === 0) throw invalidField('keywords', 'names no keyword');
        if (keywords.length > 2000) throw invalidField('keywords', 'names more than 2000 keywords');
        return { data: await model.keywordMetrics(country, keywords) };
      },
    }),
    defineRoute<{ Params: { region: string; trend_type: string }; Querystring: Omit<TrendingQuery, 'region' | 'trend_type'> }>({
      method: 'GET',
      url: '/trends/keywords/:region/top/:trend_type',
      operationId: 'trending_keywords/list',
      scopes: ['user_accounts:read'],
      schema: {
        params: { type: 'object', required: ['region', 'trend_type'], properties: { region: { enum: TREND_REGIONS }, trend_type: { enum: TREND_TYPES } } },
        querystring: {
          type: 'object',
          properties: {
            interests: listOf(TREND_INTERESTS),
            genders: listOf(TREND_GENDERS),
            ages: listOf(TREND_AGES),
            include_keywords: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
            normalize_against_group: { type: 'boolean' },
            limit: { type: 'integer', minimum: 1, maximum: 50 },
            include_prediction: { type: 'boolean' },
            include_demographics: { type: 'boolean' },
          },
        },
      },
      handler: async (request) => {
        const q = request.query;
        const trends = await model.trending(clock.now(), {
          ...q,
          region: request.params.region,
          trend_type: request.params.trend_type,
          interests: split(q.interests),
          genders: split(q.genders),
          ages: split(q.ages),
        });
        return { trends };
      },
    }),
    defineRoute<{ Querystring: { region: string; interest?: string } }>({
      method: 'GET',
      url: '/trends/topics/featured',
      operationId: 'trends_featured_topics/list',
      scopes: ['user_accounts:read'],
      schema: {
        querystring: { type: 'object', required: ['region'], properties: { region: { enum: FEATURED_REGIONS }, interest: { enum: FEATURED_INTERESTS } } },
      },
      handler: async (request) => model.featured(clock.now(), request.query.region, request.query.interest ?? 'ALL'),
    }),
    defineRoute<{ Querystring: { product_categories: string[]; region: string; lookback_window?: number; engagement_type?: string } }>({
      method: 'GET',
      url: '/trends/product_categories/details',
      operationId: 'trends_product_categories_details/list',
      scopes: ['user_accounts:read'],
      schema: {
        querystring: {
          type: 'object',
          required: ['product_categories', 'region'],
          properties: {
            product_categories: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            region: { enum: FEATURED_REGIONS },
            lookback_window: { type: 'integer', enum: PRODUCT_LOOKBACK_WINDOWS },
            engagement_type: { enum: PRODUCT_ENGAGEMENT_TYPES },
          },
        },
      },
      handler: async (request) => {
        const q = request.query;
        const categories = [...new Set(split(q.product_categories)!.map((c) => c.trim()))];
        // Pinterest: 1 to 20 categories (ProductCategoryIds), each a ProductCategoryEnum name.
        if (categories.length > 20) throw invalidField('product_categories', 'names more than 20 product categories');
        const bad = categories.find((c) => c.length > 100 || !new RegExp(PRODUCT_CATEGORY_PATTERN).test(c));
        if (bad !== undefined) throw invalidField('product_categories', `has ${JSON.stringify(bad)}, which is no product category (upper snake case, such as AREA_RUGS)`);
        return model.productCategoryDetails(clock.now(), { product_categories: categories, region: q.region, lookback_window: q.lookback_window ?? 365, engagement_type: q.engagement_type ?? 'ENGAGEMENT' });
      },
    }),
    defineRoute<{ Querystring: { region: string; verticals?: string[]; ages?: string[]; genders?: string[]; engagement_type?: string } }>({
      method: 'GET',
      url: '/trends/product_categories/trending',
      operationId: 'trends_product_categories_trending/list',
      scopes: ['user_accounts:read'],
      schema: {
        querystring: {
          type: 'object',
          required: ['region'],
          properties: {
            region: { enum: FEATURED_REGIONS },
            verticals: listOf(PRODUCT_VERTICALS),
            ages: listOf(TREND_AGES),
            genders: listOf(['MALE', 'FEMALE', 'UNSPECIFIED']),
            engagement_type: { enum: PRODUCT_ENGAGEMENT_TYPES },
          },
        },
      },
      handler: async (request) => {
        const q = request.query;
        return model.trendingProductCategories({ region: q.region, engagement_type: q.engagement_type ?? 'ENGAGEMENT', verticals: split(q.verticals), ages: split(q.ages), genders: split(q.genders) });
      },
    }),
    defineRoute<{ Querystring: { terms: string[] } }>({
      method: 'GET',
      url: '/terms/related',
      operationId: 'terms_related/list',
      scopes: ['ads:read'],
      schema: { querystring: { type: 'object', required: ['terms'], properties: { terms: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 100 } } } } },
      handler: async (request) => model.related(split(request.query.terms)!),
    }),
    defineRoute<{ Querystring: { term: string; limit?: number } }>({
      method: 'GET',
      url: '/terms/suggested',
      operationId: 'terms_suggested/list',
      scopes: ['ads:read'],
      schema: {
        querystring: { type: 'object', required: ['term'], properties: { term: { type: 'string', minLength: 1, maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 10, default: 4 } } },
      },
      handler: async (request) => model.suggested(request.query.term, request.query.limit ?? 4),
    }),
  ];
}
