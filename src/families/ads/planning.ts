/**
 * What an advertiser asks before making an ad group: its potential audience
 * (ad_groups/audience_sizing) and the lowest bids (ad_groups_bid_floor/get), the
 * latter from the very floors ad groups are checked against (BID_FLOORS).
 */
import { authOf } from '../../kernel/auth.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { AdAccountService } from './ad-accounts.js';
import { BID_FLOORS } from './ad-groups.js';
import { AD_ACCOUNT_COUNTRIES } from './resources.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { checkAgeRange } from './targeting-spec.js';
import { BILLABLE_EVENTS, CREATIVE_TYPES, OBJECTIVE_TYPES } from './schemas.js';

/**
 * pinbox's audience model (Pinterest's is its historical data): a reach of 500
 * million a month for the whole world, narrowed by each targeting field given in
 * proportion to the share of its values chosen (countries of all countries, 1 of
 * 3 genders, …), each interest or keyword adding 2% of the rest; Performance+
 * auto-targeting widens the result by half. The bounds are ±20%, in thousands.
 */
const MONTHLY_REACH = 500_000_000;
const SHARE_OF: Readonly<Record<string, number>> = { APPTYPE: 6, GENDER: 3, AGE_BUCKET: 10 };

interface SizingBody {
  auto_targeting_enabled?: boolean;
  creative_types?: string[] | null;
  keywords?: { match_type: string | null; value: string }[] | null;
  placement_group?: string;
  product_group_ids?: string[] | null;
  targeting_spec?: Record<string, unknown>;
}

/** The model's monthly reach of a targeting (also a targeting template's `sizing`). */
export function potentialAudience(body: SizingBody): number {
  const spec = body.targeting_spec ?? {};
  let reach = MONTHLY_REACH;
  const chosen = (field: string) => (Array.isArray(spec[field]) ? (spec[field] as unknown[]).length : 0);
  const locations = chosen('LOCATION') + chosen('GEO');
  if (locations > 0) reach *= Math.min(1, locations / AD_ACCOUNT_COUNTRIES.length);
  for (const [field, of] of Object.entries(SHARE_OF)) if (chosen(field) > 0) reach *= Math.min(1, chosen(field) / of);
  if (spec.MINIMUM_AGE !== undefined) {
    const low = Number(spec.MINIMUM_AGE);
    const high = String(spec.MAXIMUM_AGE) === '65+' ? 80 : Number(spec.MAXIMUM_AGE);
    reach *= Math.min(1, Math.max(1, high - low + 1) / 63);
  }
  const interests = chosen('INTEREST') + (body.keywords?.length ?? 0);
  if (interests > 0) reach *= Math.min(1, 0.02 * interests);
  if (body.placement_group && body.placement_group !== 'ALL') reach *= 0.5;
  if (body.auto_targeting_enabled !== false) reach *= 1.5;
  return Math.min(reach, MONTHLY_REACH);
}

const inThousands = (n: number) => Math.max(0, Math.round(n / 1000) * 1000);

const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** The routes of audience sizing and bid floors. */
export function planningRoutes(deps: { accounts: AdAccountService }): ApiRoute[] {
  const { accounts } = deps;
  return [
    defineRoute<{ Params: { ad_account_id: string }; Body: SizingBody }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/ad_groups/audience_sizing',
      operationId: 'ad_groups/audience_sizing',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          properties: {
            auto_targeting_enabled: { type: 'boolean' },
            creative_types: { type: ['array', 'null'], items: { enum: CREATIVE_TYPES } },
            keywords: {
              type: ['array', 'null'],
              items: { type: 'object', required: ['match_type', 'value'], properties: { match_type: { enum: ['BROAD', 'PHRASE', 'EXACT', 'EXACT_NEGATIVE', 'PHRASE_NEGATIVE', null] }, value: { type: 'string', maxLength: 120 } } },
            },
            placement_group: { enum: ['ALL', 'SEARCH', 'BROWSE', 'OTHER'] },
            product_group_ids: { type: ['array', 'null'], items: { type: 'string', pattern: '^\\d+$' } },
            targeting_spec: { type: 'object' },
          },
        },
      },
      handler: async (request) => {
        await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        const spec = request.body.targeting_spec ?? {};
        // As for ad groups.
        checkAgeRange(spec, 'targeting_spec');
        const size = potentialAudience(request.body);
        return { audience_size_lower_bound: inThousands(size * 0.8), audience_size_upper_bound: inThousands(size * 1.2) };
      },
    }),
    defineRoute<{ Params: { ad_account_id: string }; Body: { bid_floor_specs: { billable_event: string; currency: string }[] } }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/bid_floor',
      operationId: 'ad_groups_bid_floor/get',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          required: ['bid_floor_specs'],
          properties: {
            bid_floor_specs: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['billable_event', 'currency'],
                properties: {
                  billable_event: { enum: BILLABLE_EVENTS },
                  currency: { type: 'string', pattern: '^[A-Z]{3}$' },
                  countries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
                  creative_type: { enum: CREATIVE_TYPES },
                  objective_type: { enum: OBJECTIVE_TYPES },
                  optimization_goal_metadata: { type: 'object' },
                },
              },
            },
            targeting_spec: { type: 'object' },
          },
        },
      },
      handler: async (request) => {
        await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        // pinbox: the floor of a currency Pinterest publishes none for is 0, as ad groups in it take any positive bid.
        const floors = request.body.bid_floor_specs.map((spec) => BID_FLOORS[spec.currency]?.[spec.billable_event as 'CLICKTHROUGH'] ?? 0);
        return { bid_floors: floors, type: 'bidfloor' };
      },
    }),
  ];
}
