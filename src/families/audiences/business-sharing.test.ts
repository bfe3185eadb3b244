/**
 * Audience sharing with and from businesses over HTTP: a business is a BUSINESS user,
 * its ad accounts those it owns, its members the users linked to it (and itself). An
 * ad account shares its audience with a business of the caller's hierarchy; the
 * recipient business lists it and passes it on to its own ad accounts, which may
 * target it; the owner business shares with businesses and with any ad account of
 * the hierarchy; a revoke takes what was passed on with it; a business the caller is
 * no member of is a 400 naming business_id. Every answer is checked against the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer, type TestServer } from '../../../test/harness.js';
import { adAccount, adsPerson, madeEntity } from '../../../test/ads.js';

const server = useServer();

async function audienceOf(client: any, accountId: string): Promise<any> {
  const list = (await client.post(`/ad_accounts/${accountId}/customer_lists`, { name: 'l', records: 'a@b.co' })).body;
  const made = await client.post(`/ad_accounts/${accountId}/audiences`, { name: `a-${list.id}`, audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  return made.body;
}

/** Two businesses one person manages (the first, linked to the second), and an outsider business. */
async function hierarchy(s: TestServer) {
  const biz = await adsPerson(s);
  const biz2 = await adsPerson(s);
  const outsider = await adsPerson(s);
  await s.pinbox.admin.linkBusiness(biz.username, biz2.username);
  return { biz, biz2, outsider };
}

const ids = (response: any) => response.body.items.map((a: any) => a.id);

test('an ad account shares with a business of the hierarchy; the business lists it and passes it to its own ad accounts; a revoke ends both', async () => {
  const s = server();
  const { biz, biz2, outsider } = await hierarchy(s);
  const acct = await adAccount(biz.client);
  const recipientAcct = await adAccount(biz2.client);
  const otherOfBiz = await adAccount(biz.client);
  const audience = await audienceOf(biz.client, acct.id);
  const share = (operation_type: string, recipient_business_ids: string[]) =>
    biz.client.patch(`/ad_accounts/${acct.id}/audiences/businesses/shared`, { audience_id: audience.id, recipient_business_ids, operation_type });

  const answer = await share('SHARE', [biz2.id, biz2.id]);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body, { audience_id: audience.id, recipient_business_ids: [biz2.id], permissions: ['AUDIENCE_MANAGER'] });
  const recipients = await biz.client.get(`/ad_accounts/${acct.id}/audiences/shared/accounts`, { query: { audience_id: audience.id, account_type: 'BUSINESS_ACCOUNT' } });
  assert.deepEqual(recipients.body.items.map((r: any) => [r.account_id, r.account_type]), [[biz2.id, 'BUSINESS_ACCOUNT']]);

  // The recipient business (and any member of it) lists it, with its size and status.
  const received = await biz2.client.get(`/businesses/${biz2.id}/audiences`);
  assert.equal(received.status, 200, JSON.stringify(received.body));
  assert.deepEqual(ids(received), [audience.id]);
  assert.equal(received.body.items[0].ad_account_id, acct.id);
  assert.deepEqual(ids(await biz.client.get(`/businesses/${biz2.id}/audiences`)), [audience.id]);
  assertError(await outsider.client.get(`/businesses/${biz2.id}/audiences`), 400, 1, 'business_id');
  const { token: adsOnly } = await s.pinbox.admin.issueToken({ username: biz2.username, scopes: ['ads:read', 'ads:write'] });
  assert.equal((await s.api.withToken(adsOnly).get(`/businesses/${biz2.id}/audiences`)).status, 401);

  // Outside the hierarchy, or to the owner itself: a 400 naming the field.
  assertError(await share('SHARE', [outsider.id]), 400, 1, 'recipient_business_ids');
  assertError(await share('SHARE', [biz.id]), 400, 1, 'recipient_business_ids');

  // The recipient business passes it to its own ad accounts only, which may target it; it cannot share it with businesses.
  const pass = (accounts: string[], operation_type = 'SHARE') =>
    biz2.client.patch(`/businesses/${biz2.id}/audiences/ad_accounts/shared`, { audience_id: audience.id, recipient_account_ids: accounts, operation_type });
  const passed = await pass([recipientAcct.id]);
  assert.equal(passed.status, 200, JSON.stringify(passed.body));
  assert.deepEqual(passed.body, { audience_id: audience.id, recipient_account_ids: [recipientAcct.id], permissions: ['AUDIENCE_MANAGER'] });
  assert.deepEqual(ids(await biz2.client.get(`/ad_accounts/${recipientAcct.id}/audiences`, { query: { ownership_type: 'RECEIVED' } })), [audience.id]);
  const campaign = await madeEntity(biz2.client, recipientAcct.id, 'campaigns', { name: 'c', objective_type: 'CONSIDERATION' });
  await madeEntity(biz2.client, recipientAcct.id, 'ad_groups', { campaign_id: campaign.id, name: 'g', billable_event: 'CLICKTHROUGH', bid_in_micro_currency: 1_000_000, budget_in_micro_currency: 10_000_000, targeting_spec: { AUDIENCE_INCLUDE: [audience.id] } });
  assertError(await pass([otherOfBiz.id]), 400, 1, 'recipient_account_ids');
  assertError(await biz2.client.patch(`/businesses/${biz2.id}/audiences/businesses/shared`, { audience_id: audience.id, recipient_business_ids: [biz.id], operation_type: 'SHARE' }), 400, 1, 'audience_id');

  // Revoking the business's share takes what it passed on with it.
  const revoked = await share('REVOKE', [biz2.id]);
  assert.equal(revoked.status, 200);
  assert.deepEqual(revoked.body.permissions, []);
  assert.deepEqual(ids(await biz2.client.get(`/businesses/${biz2.id}/audiences`)), []);
  assert.deepEqual(ids(await biz2.client.get(`/ad_accounts/${recipientAcct.id}/audiences`, { query: { ownership_type: 'RECEIVED' } })), []);
  assertError(await pass([recipientAcct.id]), 400, 1, 'audience_id');
});

test('the owner business shares with businesses and with ad accounts of its hierarchy; the received list pages both ways; bad input names its field', async () => {
  const s = server();
  const { biz, biz2, outsider } = await hierarchy(s);
  const acct = await adAccount(biz.client);
  const biz2Acct = await adAccount(biz2.client);
  const outsiderAcct = await adAccount(outsider.client);
  const audiences = [await audienceOf(biz.client, acct.id), await audienceOf(biz.client, acct.id), await audienceOf(biz.client, acct.id)];
  for (const a of audiences) {
    const answer = await biz.client.patch(`/businesses/${biz.id}/audiences/businesses/shared`, { audience_id: a.id, recipient_business_ids: [biz2.id], operation_type: 'SHARE' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  const sorted = audiences.map((a) => a.id).sort();
  const first = await biz2.client.get(`/businesses/${biz2.id}/audiences`, { query: { page_size: 2 } });
  assert.deepEqual(ids(first), sorted.slice(0, 2));
  assert.ok(first.body.bookmark);
  const second = await biz2.client.get(`/businesses/${biz2.id}/audiences`, { query: { page_size: 2, bookmark: first.body.bookmark } });
  assert.deepEqual([ids(second), second.body.bookmark], [sorted.slice(2), null]);
  assert.deepEqual(ids(await biz2.client.get(`/businesses/${biz2.id}/audiences`, { query: { order: 'DESCENDING' } })), [...sorted].reverse());

  // To ad accounts: any of the hierarchy's, not an outsider's nor the audience's own.
  const toAccounts = (recipient_account_ids: string[], extra: Record<string, unknown> = {}) =>
    biz.client.patch(`/businesses/${biz.id}/audiences/ad_accounts/shared`, { audience_id: audiences[0].id, recipient_account_ids, operation_type: 'SHARE', ...extra });
  assert.equal((await toAccounts([biz2Acct.id])).status, 200);
  assert.deepEqual(ids(await biz2.client.get(`/ad_accounts/${biz2Acct.id}/audiences`, { query: { ownership_type: 'RECEIVED' } })), [audiences[0].id]);
  assertError(await toAccounts([outsiderAcct.id]), 400, 1, 'recipient_account_ids');
  assertError(await toAccounts([acct.id]), 400, 1, 'recipient_account_ids');
  assertError(await toAccounts([biz2Acct.id], { operation_type: 'COPY' }), 400, 1, 'operation_type');
  assertError(await toAccounts([biz2Acct.id], { audience_id: '123456789' }), 404, 404);
  assertError(await biz.client.patch(`/businesses/${biz.id}/audiences/businesses/shared`, { audience_id: audiences[0].id, operation_type: 'SHARE' }), 400, 1, 'recipient_business_ids');
  assertError(await biz.client.patch(`/businesses/${biz.id}/audiences/businesses/shared`, { audience_id: audiences[0].id, recipient_business_ids: [outsider.id], operation_type: 'SHARE' }), 400, 1, 'recipient_business_ids');
  // A business the caller is no member of, or an id that is no business.
  assertError(await outsider.client.patch(`/businesses/${biz.id}/audiences/ad_accounts/shared`, { audience_id: audiences[0].id, recipient_account_ids: [outsiderAcct.id], operation_type: 'SHARE' }), 400, 1, 'business_id');
  const pinner = await adsPerson(s, true);
  assertError(await pinner.client.get(`/businesses/${pinner.id}/audiences`), 400, 1, 'business_id');
  const { token: readOnly } = await s.pinbox.admin.issueToken({ username: biz.username, scopes: ['biz_access:read'] });
  assert.equal((await s.api.withToken(readOnly).patch(`/businesses/${biz.id}/audiences/businesses/shared`, { audience_id: audiences[0].id, recipient_business_ids: [biz2.id], operation_type: 'REVOKE' })).status, 401);
});

test('who holds an audience, seen from a business: the owner sees every ad account and business; a recipient only its own ad accounts', async () => {
  const s = server();
  const { biz, biz2, outsider } = await hierarchy(s);
  const acct = await adAccount(biz.client);
  const sister = await adAccount(biz.client);
  const biz2Acct = await adAccount(biz2.client);
  const audience = await audienceOf(biz.client, acct.id);
  assert.equal((await biz.client.patch(`/ad_accounts/${acct.id}/audiences/ad_accounts/shared`, { audience_id: audience.id, recipient_account_ids: [sister.id], operation_type: 'SHARE' })).status, 200);
  assert.equal((await biz.client.patch(`/businesses/${biz.id}/audiences/businesses/shared`, { audience_id: audience.id, recipient_business_ids: [biz2.id], operation_type: 'SHARE' })).status, 200);
  assert.equal((await biz2.client.patch(`/businesses/${biz2.id}/audiences/ad_accounts/shared`, { audience_id: audience.id, recipient_account_ids: [biz2Acct.id], operation_type: 'SHARE' })).status, 200);
  const holders = (client: any, businessId: string, account_type: string, extra: Record<string, unknown> = {}) =>
    client.get(`/businesses/${businessId}/audiences/shared/accounts`, { query: { audience_id: audience.id, account_type, ...extra } });
  const accountIds = (r: any) => r.body.items.map((i: any) => i.account_id);

  const owned = await holders(biz.client, biz.id, 'AD_ACCOUNT');
  assert.equal(owned.status, 200, JSON.stringify(owned.body));
  assert.deepEqual(accountIds(owned), [sister.id, biz2Acct.id].sort());
  assert.ok(owned.body.items.every((i: any) => i.account_type === 'AD_ACCOUNT' && Number.isInteger(i.shared_on_timestamp)));
  const firstPage = await holders(biz.client, biz.id, 'AD_ACCOUNT', { page_size: 1 });
  const rest = await holders(biz.client, biz.id, 'AD_ACCOUNT', { page_size: 1, bookmark: firstPage.body.bookmark });
  assert.deepEqual([...accountIds(firstPage), ...accountIds(rest)], [sister.id, biz2Acct.id].sort());
  assert.deepEqual((await holders(biz.client, biz.id, 'BUSINESS_ACCOUNT')).body.items.map((i: any) => [i.account_id, i.account_type]), [[biz2.id, 'BUSINESS_ACCOUNT']]);

  assert.deepEqual(accountIds(await holders(biz2.client, biz2.id, 'AD_ACCOUNT')), [biz2Acct.id]);
  assert.deepEqual((await holders(biz2.client, biz2.id, 'BUSINESS_ACCOUNT')).body, { items: [], bookmark: null });
  assertError(await holders(outsider.client, outsider.id, 'AD_ACCOUNT'), 400, 1, 'audience_id');
  assertError(await holders(outsider.client, biz.id, 'AD_ACCOUNT'), 400, 1, 'business_id');
  assertError(await holders(biz.client, biz.id, 'EVERYONE'), 400, 1, 'account_type');
});
