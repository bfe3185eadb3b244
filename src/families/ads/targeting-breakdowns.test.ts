/**
 * The targeting breakdowns beyond audience and place (KEYWORD, PINNER_INTEREST,
 * AUDIENCE_INCLUDE, REGION, AGE_BUCKET_AND_GENDER) and the KEYWORD report level,
 * over HTTP: each splits an ad group's delivery so the parts sum to its totals,
 * and a KEYWORD report's file equals the KEYWORD targeting analytics.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { type Client, createBoard, createPin, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, madeEntity, sumsByDate } from '../../../test/ads.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 6, 1, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 4242 });

const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const SUMS = ['SPEND_IN_MICRO_DOLLAR', 'IMPRESSION_1', 'CLICKTHROUGH_1', 'REPIN_1', 'TOTAL_ENGAGEMENT'];

const byDate = (rows: any[]) => sumsByDate(rows, SUMS);

describe('keyword, interest, audience, region and age-and-gender breakdowns', () => {
  let client: Client;
  let acct: any;
  const groups: any[] = [];
  let interestId = '';
  let start = '';
  const keywordIds: string[] = [];
  const audienceIds: string[] = [];

  test('an account with keyworded and targeted ad groups delivers', async () => {
    ({ client } = await adsPerson(server()));
    acct = await adAccount(client);
    // Two READY customer-list audiences to include (a list of 100 matched people is READY after its processing time).
    for (const from of [0, 1000]) {
      const records = Array.from({ length: 100 }, (_, n) => `member-${from + n}@population.pinbox.test`).join(',');
      const list = await client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: `list ${from}`, records });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const audience = await client.post(`/ad_accounts/${acct.id}/audiences`, { name: `audience ${from}`, audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.body.id } });
      assert.equal(audience.status, 200, JSON.stringify(audience.body));
      audienceIds.push(audience.body.id);
    }
    await clock.advance('6m');
    start = day(0);
    const interests = await client.get('/resources/targeting/INTEREST');
    assert.equal(interests.status, 200);
    interestId = Object.keys(interests.body[0])[0];
    const campaign = await madeEntity(client, acct.id, 'campaigns', { name: 'kw', objective_type: 'AWARENESS', daily_spend_cap: 40_000_000 });
    const board = await createBoard(client);
    const targetings = [{}, { INTEREST: [interestId], GENDER: ['female'], AGE_BUCKET: ['25-34', '35-44'], AUDIENCE_INCLUDE: audienceIds }];
    for (const [i, targeting] of targetings.entries()) {
      const group = await madeEntity(client, acct.id, 'ad_groups', {
        campaign_id: campaign.id,
        name: `g${i}`,
        billable_event: 'IMPRESSION',
        budget_in_micro_currency: 15_000_000,
        bid_in_micro_currency: 12_000_000,
        targeting_spec: targeting,
      });
      const pin = await createPin(client, board.id, { link: 'https://example.com/p' });
      const ad = await madeEntity(client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://example.com/a' });
      await server().pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
      groups.push(group);
    }
    const made = await client.post(`/ad_accounts/${acct.id}/keywords`, {
      parent_id: groups[0].id,
      keywords: [
        { match_type: 'BROAD', value: 'garden chairs' },
        { match_type: 'EXACT', value: 'patio table' },
        { match_type: 'EXACT_NEGATIVE', value: 'free' },
      ],
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.keywords.length, 3);
    keywordIds.push(...made.body.keywords.filter((k: any) => !k.match_type.endsWith('_NEGATIVE')).map((k: any) => k.id));
    await clock.advance('3d');
  });

  const breakdown = async (types: string, granularity: string, ids: string) => {
    const response = await client.get(`/ad_accounts/${acct.id}/ad_groups/targeting_analytics`, {
      query: { start_date: start, end_date: day(0), ad_group_ids: ids, columns: SUMS.join(','), granularity, targeting_types: types },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.data as any[];
  };

  for (const granularity of ['DAY', 'TOTAL']) {
    test(`${granularity}: each breakdown's parts sum to the ad group's totals`, async () => {
      const ids = groups.map((g) => g.id).join(',');
      const totals = await client.get(`/ad_accounts/${acct.id}/ad_groups/analytics`, { query: { start_date: start, end_date: day(0), ad_group_ids: ids, columns: SUMS.join(','), granularity } });
      assert.equal(totals.status, 200, JSON.stringify(totals.body));
      const types = ['KEYWORD', 'PINNER_INTEREST', 'AUDIENCE_INCLUDE', 'REGION', 'AGE_BUCKET_AND_GENDER'];
      const data = await breakdown(types.join(','), granularity, ids);
      // Which ad group has which breakdown: the first has keywords, the second audiences; both have the rest.
      const has: Record<string, number[]> = { KEYWORD: [0], AUDIENCE_INCLUDE: [1], PINNER_INTEREST: [0, 1], REGION: [0, 1], AGE_BUCKET_AND_GENDER: [0, 1] };
      for (const type of types) {
        for (const [i, group] of groups.entries()) {
          const own = data.filter((d) => d.targeting_type === type && d.metrics.AD_GROUP_ID === group.id);
          if (!has[type].includes(i)) {
            assert.deepEqual(own, [], `${type} of ${group.name} has no rows`);
            continue;
          }
          const groupTotals = byDate((totals.body as any[]).filter((row) => row.AD_GROUP_ID === group.id));
          assert.ok([...groupTotals.values()].some((sums) => sums.SPEND_IN_MICRO_DOLLAR > 0), `${group.name} spent`);
          assert.deepEqual(byDate(own.map((d) => d.metrics)), groupTotals, `${type} of ${group.name}`);
        }
      }
      const values = (type: string, i: number) => [...new Set(data.filter((d) => d.targeting_type === type && d.metrics.AD_GROUP_ID === groups[i].id).map((d) => d.targeting_value))].sort();
      assert.deepEqual(values('KEYWORD', 0), ['garden chairs', 'patio table'], 'the positive keywords, not the negative one');
      assert.deepEqual(values('PINNER_INTEREST', 1), [interestId], 'the targeted interest');
      assert.ok(values('PINNER_INTEREST', 0).length > 1, 'every top-level interest when none is targeted');
      assert.deepEqual(values('AUDIENCE_INCLUDE', 1), [...audienceIds].sort());
      assert.deepEqual(values('AGE_BUCKET_AND_GENDER', 1), ['25-34:female', '35-44:female']);
      assert.deepEqual(values('REGION', 0), [acct.country]);
    });
  }

  test('the account-wide KEYWORD breakdown sums to the keyworded ad group', async () => {
    const response = await client.get(`/ad_accounts/${acct.id}/targeting_analytics`, {
      query: { start_date: start, end_date: day(0), columns: 'SPEND_IN_MICRO_DOLLAR', granularity: 'TOTAL', targeting_types: 'KEYWORD' },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const group = await client.get(`/ad_accounts/${acct.id}/ad_groups/analytics`, {
      query: { start_date: start, end_date: day(0), ad_group_ids: groups[0].id, columns: 'SPEND_IN_MICRO_DOLLAR', granularity: 'TOTAL' },
    });
    const sum = (response.body.data as any[]).reduce((s, d) => s + d.metrics.SPEND_IN_MICRO_DOLLAR, 0);
    assert.ok(sum > 0);
    assert.equal(sum, group.body[0].SPEND_IN_MICRO_DOLLAR);
  });

  test('a KEYWORD report has a row per keyword and day, summing to the KEYWORD analytics', async () => {
    const created = await client.post(`/ad_accounts/${acct.id}/reports`, { start_date: start, end_date: day(0), granularity: 'DAY', level: 'KEYWORD', columns: SUMS });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await clock.advance('10s');
    const done = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: created.body.token } });
    assert.equal(done.body.report_status, 'FINISHED', JSON.stringify(done.body));
    const file = (await (await fetch(done.body.url)).json()) as Record<string, any[]>;
    assert.deepEqual(Object.keys(file).sort(), [...keywordIds].sort(), 'keyed by keyword id');
    for (const [id, rows] of Object.entries(file)) assert.ok(rows.every((row) => row.KEYWORD_ID === id && row.AD_GROUP_ID === groups[0].id && typeof row.DATE === 'string'));
    const data = await breakdown('KEYWORD', 'DAY', groups[0].id);
    assert.deepEqual(byDate(Object.values(file).flat()), byDate(data.map((d) => d.metrics)));
  });
});
