/**
 * Audience sharing between ad accounts over HTTP: an audience is shared with, and
 * revoked from, ad accounts of the same owner (pinbox's business); a recipient lists
 * it as RECEIVED and its ad groups may target it; others are refused naming
 * `recipient_account_ids`. Every answer is checked against the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, madeEntity } from '../../../test/ads.js';

const server = useServer();

test('share with an ad account of the same owner, list and target it there, revoke; strangers refused', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const [acct, sister] = [await adAccount(owner.client), await adAccount(owner.client)];
  const someone = await adsPerson(s);
  const foreign = await adAccount(someone.client);
  const list = (await owner.client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'l', records: 'a@b.co' })).body;
  const audience = (await owner.client.post(`/ad_accounts/${acct.id}/audiences`, { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } })).body;
  const share = (operation_type: string, recipient_account_ids: string[]) =>
    owner.client.patch(`/ad_accounts/${acct.id}/audiences/ad_accounts/shared`, { audience_id: audience.id, recipient_account_ids, operation_type });
  const shared = () => owner.client.get(`/ad_accounts/${acct.id}/audiences/shared/accounts`, { query: { audience_id: audience.id, account_type: 'AD_ACCOUNT' } });
  const received = async () => (await owner.client.get(`/ad_accounts/${sister.id}/audiences`, { query: { ownership_type: 'RECEIVED' } })).body.items.map((a: any) => a.id);

  const campaign = await madeEntity(owner.client, sister.id, 'campaigns', { name: 'c', objective_type: 'CONSIDERATION' });
  const group = { campaign_id: campaign.id, name: 'g', billable_event: 'CLICKTHROUGH', bid_in_micro_currency: 1_000_000, budget_in_micro_currency: 10_000_000, targeting_spec: { AUDIENCE_INCLUDE: [audience.id] } };
  const before = await owner.client.post(`/ad_accounts/${sister.id}/ad_groups`, [group]);
  assert.match(before.body.items[0].exceptions[0].message, /'targeting_spec\.AUDIENCE_INCLUDE'/, 'not shared yet');

  const answer = await share('SHARE', [sister.id, sister.id]);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body, { audience_id: audience.id, recipient_account_ids: [sister.id], permissions: ['AUDIENCE_MANAGER'] });
  const accounts = (await shared()).body;
  assert.deepEqual([accounts.items.map((a: any) => [a.account_id, a.account_name, a.account_type]), accounts.bookmark], [[[sister.id, sister.name, 'AD_ACCOUNT']], null]);
  assert.deepEqual(await received(), [audience.id]);
  await madeEntity(owner.client, sister.id, 'ad_groups', group);

  assertError(await share('SHARE', [foreign.id]), 400, 1, 'recipient_account_ids');
  assertError(await share('SHARE', [acct.id]), 400, 1, 'recipient_account_ids');
  assertError(await owner.client.patch(`/ad_accounts/${acct.id}/audiences/ad_accounts/shared`, { audience_id: '1', recipient_account_ids: [sister.id], operation_type: 'SHARE' }), 404, 404);
  assertError(await someone.client.patch(`/ad_accounts/${acct.id}/audiences/ad_accounts/shared`, { audience_id: audience.id, recipient_account_ids: [sister.id], operation_type: 'SHARE' }), 403, 29);

  assert.equal((await share('REVOKE', [sister.id])).status, 200);
  assert.deepEqual((await shared()).body.items, []);
  assert.deepEqual(await received(), []);
  assert.deepEqual((await owner.client.get(`/ad_accounts/${acct.id}/audiences/shared/accounts`, { query: { audience_id: audience.id, account_type: 'BUSINESS_ACCOUNT' } })).body, { items: [], bookmark: null });
});
