import { adAccountQuery } from '../../kernel/schemas.js';
import { ANALYTICS_LIMITS, APP_TYPES } from './service.js';

/**
 * Query strings of the analytics routes. Pinterest: the parameters of the spec's
 * `pins/analytics`, `multi_pins/analytics` and `user_account/analytics*` operations.
 * Dates and metric names are checked by the service, so each rule's 400 says what
 * it is; lists arrive comma-separated (the spec's `explode: false`) or repeated.
 */
const dates = {
  start_date: { type: 'string', maxLength: 32 },
  end_date: { type: 'string', maxLength: 32 },
  app_types: { type: 'string', enum: ['ALL', ...APP_TYPES] },
} as const;
const nameList = { type: 'array', items: { type: 'string', maxLength: 4096 } } as const;

export const pinAnalyticsQuery = {
  type: 'object',
  required: ['start_date', 'end_date', 'metric_types'],
  properties: { ...adAccountQuery, ...dates, metric_types: nameList, split_field: { type: 'string', enum: ['NO_SPLIT', 'APP_TYPE'] } },
} as const;

export const multiPinAnalyticsQuery = {
  type: 'object',
  required: ['pin_ids', 'start_date', 'end_date', 'metric_types'],
  properties: { ...adAccountQuery, ...dates, metric_types: nameList, pin_ids: nameList },
} as const;

const accountFilters = {
  ...adAccountQuery,
  ...dates,
  from_claimed_content: { type: 'string', enum: ['OTHER', 'CLAIMED', 'BOTH'] },
  pin_format: { type: 'string', enum: ['ALL', 'ORGANIC_IMAGE', 'ORGANIC_PRODUCT', 'ORGANIC_VIDEO', 'ADS_STANDARD', 'ADS_PRODUCT', 'ADS_VIDEO', 'ADS_IDEA'] },
  content_type: { type: 'string', enum: ['ALL', 'PAID', 'ORGANIC'] },
  source: { type: 'string', enum: ['ALL', 'YOUR_PINS', 'OTHER_PINS'] },
  metric_types: nameList,
} as const;

export const accountAnalyticsQuery = {
  type: 'object',
  required: ['start_date', 'end_date'],
  properties: { ...accountFilters, split_field: { type: 'string', enum: ['NO_SPLIT', 'APP_TYPE', 'OWNED_CONTENT', 'SOURCE', 'PIN_FORMAT'] } },
} as const;

const topPinsProperties = {
  ...accountFilters,
  num_of_pins: { type: 'integer', minimum: 1, maximum: ANALYTICS_LIMITS.maxTopPins, default: 10 },
  created_in_last_n_days: { type: 'integer', enum: [30] },
} as const;

export const topPinsQuery = {
  type: 'object',
  required: ['start_date', 'end_date', 'sort_by'],
  properties: { ...topPinsProperties, sort_by: { type: 'string', enum: ['ENGAGEMENT', 'IMPRESSION', 'OUTBOUND_CLICK', 'PIN_CLICK', 'SAVE'] } },
} as const;

export const topVideoPinsQuery = {
  type: 'object',
  required: ['start_date', 'end_date', 'sort_by'],
  properties: {
    ...topPinsProperties,
    sort_by: {
      type: 'string',
      enum: ['IMPRESSION', 'SAVE', 'OUTBOUND_CLICK', 'VIDEO_MRC_VIEW', 'VIDEO_AVG_WATCH_TIME', 'VIDEO_V50_WATCH_TIME', 'QUARTILE_95_PERCENT_VIEW', 'VIDEO_10S_VIEW', 'VIDEO_START'],
    },
  },
} as const;
