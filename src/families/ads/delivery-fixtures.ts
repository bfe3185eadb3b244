import { ApiError } from '../../kernel/errors.js';
import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { FIXABLE_METRICS, type Delivery } from './delivery.js';

/** An ad's figures fixed for some days, as the control plane's setAdMetrics fixes them. */
export interface AdDeliveryFixture {
  ad: string;
  dates: string[];
  metrics: Record<string, number>;
}

/**
 * The fixture's `ad_delivery`: figures fixed for an ad (named by its fixture `key`)
 * on whole days. A spending campaign needs no section: a fixture's ACTIVE campaign,
 * ad group and approved ad deliver as soon as the clock moves.
 */
export function deliveryFixtures(delivery: Delivery) {
  return defineFixtureSection({
    key: 'ad_delivery',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['ad', 'dates', 'metrics'],
      properties: {
        ad: { type: 'string', minLength: 1 },
        dates: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
        metrics: { type: 'object', minProperties: 1, propertyNames: { enum: Object.keys(FIXABLE_METRICS) }, additionalProperties: { type: 'integer', minimum: 0 } },
      },
    },
    async check(items: readonly AdDeliveryFixture[], { names }) {
      for (const [i, item] of items.entries()) if (!names.declared('ad', item.ad)) throw invalidFixture(`ad_delivery[${i}].ad`, 'names no ad of the fixture');
    },
    async write(tx, items: readonly AdDeliveryFixture[], _prepared, { names }) {
      const made: { ad: string; dates: string[] }[] = [];
      for (const [i, item] of items.entries()) {
        const adId = await names.idOf('ad', item.ad, tx);
        try {
          await delivery.fixAdDays(tx, adId, item.dates, item.metrics);
        } catch (error) {
          if (error instanceof ApiError) throw invalidFixture(`ad_delivery[${i}]`, error.message.replace(/^Invalid parameters: /, ''));
          throw error;
        }
        made.push({ ad: adId, dates: item.dates });
      }
      return made;
    },
  });
}
