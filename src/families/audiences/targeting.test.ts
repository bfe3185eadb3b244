/**
 * Ad groups targeting audiences over HTTP, on a frozen clock: AUDIENCE_INCLUDE and
 * AUDIENCE_EXCLUDE name audiences of the account (another id is a 400 naming the
 * key); an ad group including a TOO_SMALL audience delivers nothing, one including a
 * READY audience or excluding a small one delivers, and a list grown to 100 people
 * lets its ad group serve from then on. Every answer is checked against the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, madeEntity, servingAd } from '../../../test/ads.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 8, 1, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 2222 });
const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
/** The one item of a bulk answer, refused: its exception's message. */
function refusal(response: { status: number; body: any }): string {
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const [item] = response.body.items;
  assert.ok(!item.data && item.exceptions?.[0]?.code === 1, JSON.stringify(response.body));
  return item.exceptions[0].message;
}
const population = (from: number, count: number) => Array.from({ length: count }, (_, n) => `member-${from + n}@population.pinbox.test`).join(',');

test('a TOO_SMALL audience delivers nothing; a READY one, or excluding a small one, delivers; 100 people later it serves', async () => {
  const s = server();
  const { client } = await adsPerson(s);
  const acct = await adAccount(client);
  const list = async (records: string) => (await client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'l', records })).body;
  const [small, big] = [await list(population(0, 99)), await list(population(200, 100))];
  const audience = async (listId: string) => (await client.post(`/ad_accounts/${acct.id}/audiences`, { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: listId } })).body;
  const [tooSmall, ready] = [await audience(small.id), await audience(big.id)];
  await clock.advance('6m');
  const start = day(0);

  // Only audiences of the account may be targeted.
  const campaign = await madeEntity(client, acct.id, 'campaigns', { name: 'c', objective_type: 'CONSIDERATION' });
  const group = (spec: Record<string, unknown>) => client.post(`/ad_accounts/${acct.id}/ad_groups`, [{ campaign_id: campaign.id, name: 'g', billable_event: 'CLICKTHROUGH', bid_in_micro_currency: 4_000_000, budget_in_micro_currency: 10_000_000, targeting_spec: spec }]);
  const other = await adAccount(client);
  const foreign = (await client.post(`/ad_accounts/${other.id}/audiences`, { name: 'f', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: (await client.post(`/ad_accounts/${other.id}/customer_lists`, { name: 'x', records: 'a@b.co' })).body.id } })).body;
  for (const [spec, key] of [[{ AUDIENCE_INCLUDE: [foreign.id] }, 'AUDIENCE_INCLUDE'], [{ AUDIENCE_EXCLUDE: ['12345'] }, 'AUDIENCE_EXCLUDE']] as const) {
    assert.match(refusal(await group(spec)), new RegExp(`'targeting_spec\\.${key}'`));
  }

  const excluded = await servingAd(s, client, acct.id, { targeting_spec: { AUDIENCE_EXCLUDE: [tooSmall.id] } });
  const included = await servingAd(s, client, acct.id, { targeting_spec: { AUDIENCE_INCLUDE: [ready.id] } });
  const starved = await servingAd(s, client, acct.id, { targeting_spec: { AUDIENCE_INCLUDE: [tooSmall.id] } });
  await clock.advance('1d');
  const impressions = async (adId: string, from: string) => {
    const rows = await client.get(`/ad_accounts/${acct.id}/ads/analytics`, { query: { ad_ids: adId, start_date: from, end_date: day(0), granularity: 'TOTAL', columns: 'TOTAL_IMPRESSION' } });
    assert.equal(rows.status, 200, JSON.stringify(rows.body));
    return rows.body.reduce((sum: number, r: any) => sum + r.TOTAL_IMPRESSION, 0);
  };
  assert.ok((await impressions(excluded.ad.id, start)) > 0, 'excluding a small audience does not stop delivery');
  assert.ok((await impressions(included.ad.id, start)) > 0, 'a READY audience delivers');
  assert.equal(await impressions(starved.ad.id, start), 0, 'a TOO_SMALL audience delivers nothing');

  // One more matched person: the list and its audience reach 100, and the ad group serves from then on.
  await client.patch(`/ad_accounts/${acct.id}/customer_lists/${small.id}`, { operation_type: 'ADD', records: population(99, 1) });
  await clock.advance('6m');
  assert.equal((await client.get(`/ad_accounts/${acct.id}/audiences/${tooSmall.id}`)).body.status, 'READY');
  const grown = day(0);
  await clock.advance('1d');
  assert.ok((await impressions(starved.ad.id, grown)) > 0, 'READY now, it delivers');
  // An update's targeting is checked the same way.
  assert.match(refusal(await client.patch(`/ad_accounts/${acct.id}/ad_groups`, [{ id: starved.group.id, targeting_spec: { AUDIENCE_INCLUDE: ['999'] } }])), /'targeting_spec\.AUDIENCE_INCLUDE' names 999/);
});
