/**
 * The spec's `resources` tag: what ads clients look up before they target, build
 * reports or lead forms. Countries and languages come from `countries-list` and
 * Intl (the ISO data), checked by the same rule ad accounts are; the rest is
 * Pinterest's own vocabulary, cited where it is declared.
 */
import { createHash } from 'node:crypto';
import { countries, languages } from 'countries-list';
import { authOf } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Clock } from '../../kernel/clock.js';
import { COUNTERS } from '../analytics/model.js';
import { dayNumber, dayOfInstant, dayString } from '../analytics/model.js';
import { ANALYTICS_LIMITS } from '../analytics/service.js';
import { countryProblem, type AdAccountService } from './ad-accounts.js';
import { CAMPAIGN_ROLES } from './roles.js';

const CURRENCY_NAMES = new Intl.DisplayNames(['en'], { type: 'currency' });
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

/** Every ISO 3166-1 country an ad account may be in (the rule of ad_accounts/create), by code, with its currency. */
export const AD_ACCOUNT_COUNTRIES: readonly { code: string; name: string; currency: string }[] = Object.entries(countries)
  .filter(([code]) => countryProblem(code) === null)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([code, country]) => ({ code, name: REGION_NAMES.of(code) ?? country.name, currency: country.currency[0] ?? '' }));

/** Pinterest: the targeting types of `targeting_options/get` (PublicTargetingType). */
export const TARGETING_TYPES = ['APPTYPE', 'GENDER', 'LOCALE', 'AGE_BUCKET', 'LOCATION', 'GEO', 'INTEREST', 'KEYWORD', 'AUDIENCE_INCLUDE', 'AUDIENCE_EXCLUDE'] as const;
type TargetingType = (typeof TARGETING_TYPES)[number];

/** Pinterest: TargetingSpecAppType, TargetingSpecGender and TargetingSpecAgeBucket. */
const APP_TYPES: Readonly<Record<string, string>> = {
  android_mobile: 'Android mobile',
  android_tablet: 'Android tablet',
  ipad: 'iPad',
  iphone: 'iPhone',
  web: 'Web',
  web_mobile: 'Mobile web',
};
const GENDERS: Readonly<Record<string, string>> = { female: 'Female', male: 'Male', unknown: 'Unspecified' };
const AGE_BUCKETS = ['18-24', '19+', '20+', '21+', '25-34', '35-44', '45-49', '50-54', '55-64', '65+'];

/**
 * pinbox: a small interest taxonomy in Pinterest's shape (top-level interests and
 * some of their children; Pinterest's full list is a spreadsheet, not an API). Ids
 * are pinbox's, derived from the path of names so they never change.
 */
const INTEREST_TREE: Readonly<Record<string, readonly string[]>> = {
  Animals: ['Dogs', 'Cats'],
  Architecture: [],
  Art: ['Painting', 'Photography'],
  Beauty: ['Hair', 'Makeup', 'Nail art'],
  'DIY and crafts': ['Knitting', 'Woodworking'],
  Design: [],
  Education: [],
  Electronics: [],
  Entertainment: ['Movies', 'Music'],
  'Event planning': [],
  Finance: [],
  'Food and drinks': ['Baking', 'Salads', 'Cocktails'],
  Gardening: [],
  Health: ['Fitness', 'Yoga'],
  'Home decor': ['Kitchen', 'Living room'],
  "Men's fashion": [],
  Parenting: [],
  Sport: [],
  Travel: ['Beaches', 'City breaks'],
  Vehicles: [],
  Wedding: [],
  "Women's fashion": ['Dresses', 'Shoes'],
};

export interface Interest {
  id: string;
  name: string;
  level: number;
  child_interests: string[];
}

const interestId = (path: string) => String(BigInt(`0x${createHash('sha256').update(`pinbox interest ${path}`).digest('hex').slice(0, 12)}`) % 10n ** 12n).padStart(12, '9');

export const INTERESTS: ReadonlyMap<string, Interest> = new Map(
  Object.entries(INTEREST_TREE).flatMap(([name, children]) => {
    const kids = children.map((child) => ({ id: interestId(`${name}/${child}`), name: child, level: 2, child_interests: [] as string[] }));
    const top = { id: interestId(name), name, level: 1, child_interests: kids.map((kid) => kid.id) };
    return [top, ...kids].map((interest) => [interest.id, interest] as const);
  }),
);

/** Pinterest: LeadFormQuestionType, the question types a lead form may ask. */
export const LEAD_FORM_QUESTION_TYPES = ['CUSTOM', 'FULL_NAME', 'FIRST_NAME', 'LAST_NAME', 'EMAIL', 'PHONE_NUMBER', 'ZIP_CODE', 'GENDER', 'CITY', 'COUNTRY', 'STATE_PROVINCE', 'ADDRESS', 'DATE_OF_BIRTH', 'AGE'];

/** What the organic metrics pinbox models count (the analytics family's counters), as Pinterest's analytics docs define them. */
const ORGANIC_DEFINITIONS: Readonly<Record<(typeof COUNTERS)[number], [string, string]>> = {
  IMPRESSION: ['Impressions', 'The number of times your Pins were on screen.'],
  SAVE: ['Saves', 'The number of times people saved your Pins to a board.'],
  PIN_CLICK: ['Pin clicks', 'The number of clicks on your Pins to content on or off Pinterest.'],
  OUTBOUND_CLICK: ['Outbound clicks', 'The number of clicks to the destination URL of your Pins.'],
  TOTAL_COMMENTS: ['Comments', 'The number of comments on your Pins.'],
  TOTAL_REACTIONS: ['Reactions', 'The number of reactions to your Pins.'],
  USER_FOLLOW: ['Follows', 'The number of people who followed you after seeing your Pins.'],
  PROFILE_VISIT: ['Profile visits', 'The number of visits to your profile from your Pins.'],
  VIDEO_START: ['Video starts', 'The number of times your video Pins started playing.'],
  VIDEO_MRC_VIEW: ['Video views', 'Views of at least 2 seconds with 50% or more of the video in view.'],
  VIDEO_10S_VIEW: ['10 second views', 'Views of at least 10 seconds.'],
  QUARTILE_95_PERCENT_VIEW: ['95% video views', 'Views that reached 95% of the video.'],
  VIDEO_V50_WATCH_TIME: ['Watch time', 'The total time your video Pins were watched, in milliseconds.'],
};

/** Pinterest: the ads delivery columns the reporting (ads part 2) answers, with their Ads Manager names. */
const ADS_DEFINITIONS: Readonly<Record<string, [string, string]>> = {
  CAMPAIGN_ID: ['Campaign ID', 'Unique ID for your campaign'],
  AD_GROUP_ID: ['Ad group ID', 'Unique ID for your ad group'],
  AD_ID: ['Ad ID', 'Unique ID for your ad'],
  SPEND_IN_MICRO_DOLLAR: ['Spend', 'Total spend, in micro-currency of the ad account'],
  IMPRESSION_1: ['Paid impressions', 'The number of times your ads were on screen'],
  CLICKTHROUGH_1: ['Paid Pin clicks', 'The number of clicks on your ads to content on or off Pinterest'],
  CTR: ['CTR', 'Pin clicks divided by impressions'],
  CPC_IN_MICRO_DOLLAR: ['CPC', 'Average cost per Pin click, in micro-currency'],
  CPM_IN_MICRO_DOLLAR: ['CPM', 'Average cost per thousand impressions, in micro-currency'],
  TOTAL_CONVERSIONS: ['Conversions', 'The number of conversions attributed to your ads'],
};

/** pinbox: conversions settle a day after the other figures (attribution windows close later). */
const CONVERSION_EXTRA_LAG_DAYS = 1;

/** The routes of the spec's `resources` tag. */
export function resourceRoutes(deps: { accounts: AdAccountService; clock: Clock }): ApiRoute[] {
  const { accounts, clock } = deps;
  const options = (entries: Iterable<[string, string]>) => [...entries].map(([id, name]) => ({ [id]: name }));

  async function targetingOptions(type: TargetingType, userId: string, accountId: string | undefined): Promise<Record<string, string>[]> {
    if (accountId !== undefined) await accounts.require(userId, accountId, CAMPAIGN_ROLES.read);
    switch (type) {
      case 'APPTYPE':
        return options(Object.entries(APP_TYPES));
      case 'GENDER':
        return options(Object.entries(GENDERS));
      case 'AGE_BUCKET':
        return options(AGE_BUCKETS.map((bucket) => [bucket, bucket]));
      case 'LOCALE':
        return options(Object.entries(languages).map(([code, language]) => [code, language.name]));
      case 'LOCATION':
        return options(AD_ACCOUNT_COUNTRIES.map((country) => [country.code, country.name]));
      case 'INTEREST':
        return options([...INTERESTS.values()].map((interest) => [interest.id, interest.name]));
      // pinbox: no region or postal-code list, no keywords and no audiences yet, so none to offer.
      default:
        return [];
    }
  }

  return [
    defineRoute<{ Params: { targeting_type: TargetingType }; Querystring: { ad_account_id?: string } }>({
      method: 'GET',
      url: '/resources/targeting/:targeting_type',
      operationId: 'targeting_options/get',
      scopes: ['ads:read'],
      schema: {
        params: { type: 'object', required: ['targeting_type'], properties: { targeting_type: { enum: TARGETING_TYPES } } },
        querystring: {
          type: 'object',
          properties: {
            client_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
            oauth_signature: { type: 'string' },
            timestamp: { type: 'string', pattern: '^\\d+$' },
            ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
          },
        },
      },
      handler: async (request) => targetingOptions(request.params.targeting_type, authOf(request).userId, request.query.ad_account_id),
    }),
    defineRoute<{ Params: { interest_id: string } }>({
      method: 'GET',
      url: '/resources/targeting/interests/:interest_id',
      operationId: 'interest_targeting_options/get',
      scopes: ['ads:read'],
      schema: { params: { type: 'object', required: ['interest_id'], properties: { interest_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } },
      handler: async (request) => {
        const interest = INTERESTS.get(request.params.interest_id);
        if (!interest) throw new ApiError('ad_entity_not_found', `Interest ${request.params.interest_id} not found.`);
        return interest;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/resources/ad_account_countries',
      operationId: 'ad_account_countries/get',
      scopes: ['ads:read'],
      handler: async () => ({
        items: AD_ACCOUNT_COUNTRIES.map((country, i) => ({
          code: country.code,
          name: country.name,
          currency: country.currency ? CURRENCY_NAMES.of(country.currency) ?? country.currency : '',
          index: i + 1,
        })),
      }),
    }),
    defineRoute<{ Querystring: { report_type?: 'SYNC' | 'ASYNC' } }>({
      method: 'GET',
      url: '/resources/delivery_metrics',
      operationId: 'delivery_metrics/get',
      scopes: ['ads:read', 'pins:read', 'user_accounts:read'],
      schema: { querystring: { type: 'object', properties: { report_type: { enum: ['SYNC', 'ASYNC'] } } } },
      // pinbox: the synchronous and asynchronous reports answer the same columns.
      handler: async () => ({
        items: [
          ...Object.entries(ADS_DEFINITIONS).map(([name, [display, definition]]) => ({ name, display_name: display, definition, category: 'ADS' })),
          ...Object.entries(ORGANIC_DEFINITIONS).map(([name, [display, definition]]) => ({ name, display_name: display, definition, category: 'ORGANIC' })),
        ],
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/resources/lead_form_questions',
      operationId: 'lead_form_questions/get',
      scopes: ['ads:read'],
      // Pinterest documents no body; pinbox answers the question type names.
      handler: async () => LEAD_FORM_QUESTION_TYPES,
    }),
    defineRoute<{ Querystring: { date: string } }>({
      method: 'GET',
      url: '/resources/metrics_ready_state',
      operationId: 'metrics_ready_state/get',
      scopes: ['ads:read'],
      schema: { querystring: { type: 'object', required: ['date'], properties: { date: { type: 'string', pattern: '^(\\d{4})-(\\d{2})-(\\d{2})$' } } } },
      handler: async (request) => {
        const day = dayNumber(request.query.date);
        if (dayString(day) !== request.query.date) throw invalidField('date', `must be a date in the form YYYY-MM-DD (UTC), got '${request.query.date}'`);
        // The analytics family's reporting lag: a day is final once it is this many days behind today.
        const lastReady = dayOfInstant(clock.now()) - ANALYTICS_LIMITS.reportingLagDays;
        return { non_conversion_metrics_ready: day <= lastReady, conversion_metrics_ready: day <= lastReady - CONVERSION_EXTRA_LAG_DAYS };
      },
    }),
  ];
}
