import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { checkForm } from './forms.js';
import type { LeadAdsService } from './service.js';

/** A lead form of a fixture file: one create item of the API plus the fixture name of its ad account, and a `key` ads name it by. */
export type LeadFormFixture = { ad_account: string; key?: string } & Record<string, unknown>;

export function leadFormFixtures(leadAds: LeadAdsService) {
  return defineFixtureSection({
    key: 'lead_forms',
    item: { type: 'object', required: ['ad_account'], properties: { ad_account: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } } },
    async check(items: readonly LeadFormFixture[], { names }) {
      for (const [i, item] of items.entries()) {
        if (!(await names.known('ad_account', item.ad_account))) throw invalidFixture(`lead_forms[${i}].ad_account`, `names no ad account (${item.ad_account})`);
        if (item.key !== undefined && !names.declare('lead_form', item.key)) throw invalidFixture(`lead_forms[${i}].key`, `${item.key} appears twice`);
        const { ad_account: _account, key: _key, ...form } = item;
        const checked = checkForm(form, null);
        if ('exception' in checked) throw invalidFixture(`lead_forms[${i}]`, checked.exception.message.replace(/^Invalid parameters: /, '').replace(/\.$/, ''));
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { key?: string; id: string }[] = [];
      for (const item of items) {
        const { ad_account: account, key, ...form } = item;
        const checked = checkForm(form, null);
        if ('exception' in checked) throw new Error('checked before');
        const row = await leadAds.insertForm(tx, await names.idOf('ad_account', account, tx), checked.form);
        if (key !== undefined) names.record('lead_form', key, row.id);
        made.push({ ...(key !== undefined ? { key } : {}), id: row.id });
      }
      return made;
    },
  });
}
