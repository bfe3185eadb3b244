/**
 * Audience insights (`audience_insights/get`, `audience_insights_scope_and_type/get`).
 * pinbox: the sizes come from the ads delivery of the last 30 days (YOUR_TOTAL_AUDIENCE
 * the impressions, YOUR_ENGAGED_AUDIENCE the clicks and saves: the model is
 * aggregate, so each is one person) and Pinterest's monthly reach
 * (PINTEREST_TOTAL_AUDIENCE); each breakdown is a seeded split of the size into
 * whole people (largest remainder), so a breakdown's parts add up to the size and
 * its ratios to 1, the same for the same account, type and size.
 */
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { apportion, C } from '../ads/delivery.js';
import { dayOfInstant, dayString, hashText, unit } from '../analytics/model.js';
import { AUDIENCE_ROLES, type DeliveryReads } from './service.js';

export const INSIGHT_TYPES = ['YOUR_TOTAL_AUDIENCE', 'YOUR_ENGAGED_AUDIENCE', 'PINTEREST_TOTAL_AUDIENCE'] as const;
type InsightType = (typeof INSIGHT_TYPES)[number];

/** pinbox: Pinterest's monthly active users, rounded (its public figure). */
const PINTEREST_REACH = 522_000_000;
const WINDOW_DAYS = 30;

type Values = readonly (readonly [key: string, name: string, weight: number])[];
const BREAKDOWNS: Readonly<Record<'ages' | 'genders' | 'devices' | 'countries' | 'metros', Values>> = {
  ages: [['18-24', '18-24', 0.2], ['25-34', '25-34', 0.3], ['35-44', '35-44', 0.2], ['45-49', '45-49', 0.08], ['50-54', '50-54', 0.08], ['55-64', '55-64', 0.09], ['65+', '65+', 0.05]],
  genders: [['female', 'Female', 0.7], ['male', 'Male', 0.22], ['unknown', 'Unspecified', 0.08]],
  devices: [['iphone', 'iPhone', 0.34], ['android_mobile', 'Android mobile', 0.3], ['web', 'Web', 0.16], ['web_mobile', 'Mobile web', 0.1], ['ipad', 'iPad', 0.07], ['android_tablet', 'Android tablet', 0.03]],
  countries: [['US', 'United States', 0.55], ['GB', 'United Kingdom', 0.12], ['CA', 'Canada', 0.1], ['DE', 'Germany', 0.08], ['FR', 'France', 0.08], ['BR', 'Brazil', 0.07]],
  metros: [['501', 'New York', 0.3], ['803', 'Los Angeles', 0.25], ['602', 'Chicago', 0.2], ['623', 'Dallas-Ft. Worth', 0.13], ['807', 'San Francisco-Oakland-San Jose', 0.12]],
};
const CATEGORIES: readonly (readonly [id: string, key: string, name: string, subcategories: readonly (readonly [string, string, string])[]])[] = [
  ['935541271955', 'home_decor', 'Home Decor', [['924581335376', 'living_room', 'Living Room'], ['930138787378', 'bedroom', 'Bedroom']]],
  ['918530398158', 'food_and_drinks', 'Food and Drinks', [['952154658806', 'recipes', 'Recipes'], ['932856325148', 'baking', 'Baking']]],
  ['948967005229', 'womens_fashion', "Women's Fashion", [['927155513380', 'dresses', 'Dresses'], ['915706470066', 'shoes', 'Shoes']]],
  ['961238559656', 'diy_and_crafts', 'DIY and Crafts', [['945417254036', 'sewing', 'Sewing'], ['935245215813', 'paper_crafts', 'Paper Crafts']]],
];

/** Whole parts of `size` by seeded weights, as ratios: each part over the size. */
function split(size: number, seed: number, salt: number, weights: readonly number[]): number[] {
  const varied = weights.map((w, i) => w * (0.7 + unit(seed, i, salt) * 0.6));
  return apportion(size, varied).map((part) => (size > 0 ? part / size : 0));
}

export class AudienceInsights {
  constructor(private readonly deps: { clock: Clock; delivery: DeliveryReads }) {}

  async insights(accountId: string, type: InsightType): Promise<Record<string, unknown>> {
    const today = dayOfInstant(this.deps.clock.now());
    let size = PINTEREST_REACH;
    if (type !== 'PINTEREST_TOTAL_AUDIENCE') {
      await this.deps.delivery.catchUp(accountId);
      const sums = await this.deps.delivery.sums(accountId, today - WINDOW_DAYS + 1, today, null, null);
      size = sums.reduce((total, { counts }) => total + (type === 'YOUR_TOTAL_AUDIENCE' ? counts[C.impressions] : counts[C.clicks] + counts[C.saves]), 0);
    }
    const seed = hashText(`audience-insights:${type === 'PINTEREST_TOTAL_AUDIENCE' ? 'pinterest' : accountId}:${type}`);
    const demographics = Object.fromEntries(
      Object.entries(BREAKDOWNS).map(([name, values], b) => {
        const ratios = split(size, seed, b + 1, values.map(([, , w]) => w));
        return [name, values.map(([key, label], i) => ({ key, name: label, ratio: ratios[i] }))];
      }),
    );
    const categoryRatios = split(size, seed, 99, CATEGORIES.map(() => 1));
    const categories = CATEGORIES.map(([id, key, name, subs], i) => {
      const share = Math.round(categoryRatios[i] * size);
      const subRatios = split(share, seed, 100 + i, subs.map(() => 1));
      return {
        id,
        key,
        name,
        ratio: categoryRatios[i],
        index: 1,
        subcategories: subs.map(([subId, subKey, subName], j) => ({ id: subId, key: subKey, name: subName, ratio: size > 0 ? (subRatios[j] * share) / size : 0, index: 1 })),
      };
    });
    return { type, date: dayString(today - 1), size, size_is_upper_bound: false, demographics, categories };
  }
}

export function insightRoutes(deps: { insights: AudienceInsights; accounts: AdAccountService; clock: Clock }): ApiRoute[] {
  const params = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;
  return [
    defineRoute<{ Params: { ad_account_id: string }; Querystring: { audience_insight_type: InsightType } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/audience_insights',
      operationId: 'audience_insights/get',
      scopes: ['ads:read'],
      schema: {
        params,
        querystring: { type: 'object', required: ['audience_insight_type'], properties: { audience_insight_type: { type: 'string', enum: INSIGHT_TYPES } } },
      },
      handler: async (request) => {
        await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, AUDIENCE_ROLES.read);
        return deps.insights.insights(request.params.ad_account_id, request.query.audience_insight_type);
      },
    }),
    defineRoute<{ Params: { ad_account_id: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/insights/audiences',
      operationId: 'audience_insights_scope_and_type/get',
      scopes: ['ads:read'],
      schema: { params },
      // pinbox: the insight types the account can read, each as of yesterday (a day's figures settle overnight).
      handler: async (request) => {
        await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, AUDIENCE_ROLES.read);
        const date = dayString(dayOfInstant(deps.clock.now()) - 1);
        return { items: INSIGHT_TYPES.map((type) => ({ type, scope: type === 'PINTEREST_TOTAL_AUDIENCE' ? 'PINTEREST' : 'AD_ACCOUNT', date })) };
      },
    }),
  ];
}
