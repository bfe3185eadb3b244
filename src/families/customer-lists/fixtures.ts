import { asFixtureError, defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { LIST_TYPES, type CustomerListService, type ListType } from './service.js';

/** A customer list of a fixture file: made and matched at once (no PROCESSING wait), against the users the fixture made too. */
export interface CustomerListFixture {
  ad_account: string;
  name: string;
  list_type?: ListType;
  /** One comma-separated string, as the API takes it, or a list of records. */
  records: string | string[];
}

export function customerListFixtures(lists: CustomerListService) {
  return defineFixtureSection({
    key: 'customer_lists',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['ad_account', 'name', 'records'],
      properties: {
        ad_account: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1, maxLength: 255 },
        list_type: { enum: LIST_TYPES },
        records: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] },
      },
    },
    async check(items: readonly CustomerListFixture[], { names }) {
      for (const [i, item] of items.entries()) {
        if (!(await names.known('ad_account', item.ad_account))) throw invalidFixture(`customer_lists[${i}].ad_account`, `names no ad account (${item.ad_account})`);
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { name: string; id: string; status: string }[] = [];
      for (const item of items) {
        const accountId = await names.idOf('ad_account', item.ad_account, tx);
        const records = Array.isArray(item.records) ? item.records.join(',') : item.records;
        const list = await lists.insert(tx, accountId, { name: item.name, records, list_type: item.list_type }).catch(asFixtureError);
        await lists.matchNow(tx, list.id, true);
        made.push({ name: item.name, id: list.id, status: (await lists.sizeOf(tx, accountId, list.id))!.status });
      }
      return made;
    },
  });
}
