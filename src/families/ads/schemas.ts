/** JSON-schema pieces of the ads entities' items, as the spec gives them. */
import { ENTITY_STATUSES } from './status.js';

export { CREATIVE_TYPES } from '../pins/schemas.js';

export const digits = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
export const nullableInteger = { type: ['integer', 'null'] } as const;
export const flag = { type: 'boolean' } as const;
export const nullableFlag = { type: ['boolean', 'null'] } as const;
export const status = { type: 'string', enum: ENTITY_STATUSES } as const;
export const nullableText = { type: ['string', 'null'] } as const;
export const anyObject = { type: ['object', 'null'] } as const;
export const textList = { type: ['array', 'null'], items: { type: 'string' } } as const;

/** Pinterest: third-party tracking URLs, up to 3 an event, 2,000 characters each. */
export const trackingUrls = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: Object.fromEntries(
    ['impression', 'click', 'engagement', 'buyable_button', 'audience_verification'].map((event) => [
      event,
      { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 2000, pattern: '^https?://[^\\s]+$' } },
    ]),
  ),
} as const;

export const OBJECTIVE_TYPES = ['AWARENESS', 'CONSIDERATION', 'WEB_CONVERSION', 'CATALOG_SALES', 'VIDEO_COMPLETION'] as const;
export type ObjectiveType = (typeof OBJECTIVE_TYPES)[number];
export const BILLABLE_EVENTS = ['CLICKTHROUGH', 'IMPRESSION', 'VIDEO_V_50_MRC'] as const;
export const BID_STRATEGIES = ['AUTOMATIC_BID', 'MAX_BID', 'TARGET_AVG'] as const;

/** An item schema: `required` fields, the rest optional; a field the entity does not know is refused, named. */
export function itemSchema(required: readonly string[], properties: Record<string, object>): object {
  return { type: 'object', additionalProperties: false, required, properties };
}

/** Unix seconds of a clock instant in milliseconds. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The fields of `record` among `names` that hold a value. The spec makes some
 * objects "nullable" beside an `allOf` that only an object meets, so an unset one
 * is left out of a response rather than given as null.
 */
export function presentIfSet(record: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => record[name] != null).map((name) => [name, record[name]]));
}
