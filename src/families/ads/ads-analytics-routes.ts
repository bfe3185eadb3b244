/** The sync ads analytics routes (`…/analytics`, `…/targeting_analytics`) of ad accounts, campaigns, ad groups, ads, ad Pins and product groups. */
import { authOf } from '../../kernel/auth.js';
import { invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Clock } from '../../kernel/clock.js';
import type { AdAccountService } from './ad-accounts.js';
import { AdsAnalytics, checkDates, GRANULARITIES, type AnalyticsRequest, type Granularity, type Level } from './ads-analytics.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { attributionOf } from './attribution.js';

/** Pinterest: the attribution windows a query may ask for, in days. */
export const ATTRIBUTION_WINDOW_DAYS = [0, 1, 7, 14, 30, 60] as const;

const idList = (max: number) => ({ type: 'array', minItems: 1, items: { type: 'string', pattern: '^\\d+(,\\d+)*$', maxLength: 20 * max } }) as const;
const namesList = { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z0-9_]+(,[A-Z0-9_]+)*$' } } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

/** The query every analytics route shares (the spec's start/end dates, columns, granularity, attribution). */
export const analyticsQueryProperties = {
  start_date: date,
  end_date: date,
  columns: namesList,
  granularity: { type: 'string', enum: GRANULARITIES },
  click_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
  engagement_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
  view_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
  conversion_report_time: { type: 'string', enum: ['TIME_OF_AD_ACTION', 'TIME_OF_CONVERSION'] },
  reporting_timezone: { type: 'string', enum: ['PINTEREST_TIME_ZONE', 'AD_ACCOUNT_TIME_ZONE'] },
  attribution_types: { type: 'array', maxItems: 2, items: { type: 'string', enum: ['INDIVIDUAL', 'HOUSEHOLD'] } },
  aggregate_report_rows: { type: 'boolean' },
} as const;

type Query = Record<string, string[] | string | number | boolean | undefined> & { start_date: string; end_date: string; columns: string[]; granularity: Granularity };

/** Values given repeated or comma-separated. */
export function listOf(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  return (Array.isArray(values) ? values : [values]).flatMap((value) => value.split(',')).filter((value) => value.length > 0);
}

function limited(field: string, values: string[], max: number): string[] {
  if (values.length > max) throw invalidField(field, `names more than ${max} values`);
  return [...new Set(values)];
}

interface RouteSpec {
  url: string;
  operationId: string;
  level: Level;
  /** Id query parameters: name, its cap, whether required, and what it filters. */
  ids: { param: string; max: number; required: boolean; as: 'ids' | 'campaignIds' | 'pinIds' | 'single' }[];
  targeting?: boolean;
  aggregate?: boolean;
}

const ROUTES: readonly RouteSpec[] = [
  { url: '/ad_accounts/:ad_account_id/analytics', operationId: 'ad_account/analytics', level: 'ADVERTISER', ids: [] },
  { url: '/ad_accounts/:ad_account_id/campaigns/analytics', operationId: 'campaigns/analytics', level: 'CAMPAIGN', ids: [{ param: 'campaign_ids', max: 250, required: true, as: 'ids' }], aggregate: true },
  { url: '/ad_accounts/:ad_account_id/ad_groups/analytics', operationId: 'ad_groups/analytics', level: 'AD_GROUP', ids: [{ param: 'ad_group_ids', max: 250, required: true, as: 'ids' }], aggregate: true },
  {
    url: '/ad_accounts/:ad_account_id/ads/analytics',
    operationId: 'ads/analytics',
    level: 'AD',
    ids: [
      { param: 'ad_ids', max: 250, required: false, as: 'ids' },
      { param: 'campaign_ids', max: 250, required: false, as: 'campaignIds' },
      { param: 'pin_ids', max: 100, required: false, as: 'pinIds' },
    ],
  },
  {
    url: '/ad_accounts/:ad_account_id/pins/analytics',
    operationId: 'ad_pins/analytics',
    level: 'PIN',
    ids: [
      { param: 'campaign_id', max: 1, required: true, as: 'single' },
      { param: 'pin_ids', max: 100, required: true, as: 'ids' },
    ],
  },
  { url: '/ad_accounts/:ad_account_id/targeting_analytics', operationId: 'ad_account_targeting_analytics/get', level: 'ADVERTISER', ids: [], targeting: true },
  { url: '/ad_accounts/:ad_account_id/campaigns/targeting_analytics', operationId: 'campaign_targeting_analytics/get', level: 'CAMPAIGN', ids: [{ param: 'campaign_ids', max: 250, required: true, as: 'ids' }], targeting: true },
  { url: '/ad_accounts/:ad_account_id/ad_groups/targeting_analytics', operationId: 'ad_groups_targeting_analytics/get', level: 'AD_GROUP', ids: [{ param: 'ad_group_ids', max: 250, required: true, as: 'ids' }], targeting: true },
  { url: '/ad_accounts/:ad_account_id/ads/targeting_analytics', operationId: 'ad_targeting_analytics/get', level: 'AD', ids: [{ param: 'ad_ids', max: 250, required: true, as: 'ids' }], targeting: true },
];

const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** The routes of ads analytics. */
export function adsAnalyticsRoutes(deps: { accounts: AdAccountService; clock: Clock; analytics: AdsAnalytics }): ApiRoute[] {
  const { accounts, clock, analytics } = deps;
  const routes: ApiRoute[] = ROUTES.map((spec) =>
    defineRoute<{ Params: { ad_account_id: string }; Querystring: Query }>({
      method: 'GET',
      url: spec.url,
      operationId: spec.operationId,
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          required: ['start_date', 'end_date', 'columns', 'granularity', ...spec.ids.filter((i) => i.required).map((i) => i.param), ...(spec.targeting ? ['targeting_types'] : [])],
          properties: {
            ...analyticsQueryProperties,
            ...Object.fromEntries(spec.ids.map((i) => [i.param, i.as === 'single' ? { type: 'string', pattern: '^\\d+$', maxLength: 18 } : idList(i.max)])),
            ...(spec.targeting ? { targeting_types: namesList } : {}),
          },
        },
      },
      handler: async (request) => {
        const { account } = await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        const query = request.query;
        const { from, to } = checkDates(query.start_date, query.end_date, query.granularity, 'sync', clock.now());
        const asked: AnalyticsRequest = { level: spec.level, from, to, granularity: query.granularity, columns: limited('columns', listOf(query.columns), 1000), attribution: attributionOf(query) };
        for (const id of spec.ids) {
          const values = id.as === 'single' ? listOf(query[id.param] as string | undefined) : limited(id.param, listOf(query[id.param] as string[] | undefined), id.max);
          if (values.length === 0) continue;
          asked[id.as === 'single' ? 'campaignIds' : id.as] = values;
        }
        // Pinterest: ads analytics needs ad_ids, or both campaign_ids and pin_ids.
        if (spec.level === 'AD' && !spec.targeting && !asked.ids && !(asked.campaignIds && asked.pinIds)) {
          throw invalidField('ad_ids', "is required unless both 'campaign_ids' and 'pin_ids' are given");
        }
        if (spec.aggregate && query.aggregate_report_rows === true) asked.aggregate = true;
        if (!spec.targeting) return analytics.rows(account, asked);
        const types = limited('targeting_types', listOf(query.targeting_types as string[]), 15);
        return { data: await analytics.targetingRows(account, asked, types) };
      },
    }),
  );
  routes.push(
    defineRoute<{ Params: { ad_account_id: string }; Querystring: Query }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/product_groups/analytics',
      operationId: 'product_groups/analytics',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          required: ['start_date', 'end_date', 'columns', 'granularity', 'product_group_ids'],
          properties: { ...analyticsQueryProperties, product_group_ids: idList(250) },
        },
      },
      // pinbox: the ids are product group promotions' (the spec's example id is an ads entity's); their rows come from the family that has them.
      handler: async (request) => {
        const { account } = await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        const query = request.query;
        const { from, to } = checkDates(query.start_date, query.end_date, query.granularity, 'sync', clock.now());
        const ids = limited('product_group_ids', listOf(query.product_group_ids as string[]), 250);
        return analytics.productGroupRows(account, { level: 'AD_GROUP', from, to, granularity: query.granularity, columns: limited('columns', listOf(query.columns), 1000), ids });
      },
    }),
  );
  return routes;
}
