/**
 * Over HTTP: advanced auction bid options of catalog items, set and read for the
 * operation user (the token's, or an ad account's owner for its Owner or Admin),
 * with update masks, deletes and a 206 when some items are refused. Every answer is
 * checked against the official spec by the harness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredStatuses, assertError, useServer } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount, adsPerson } from '../../../test/ads.js';

const server = useServer();

test('bid options are upserted by mask, read back, deleted; a bad item alone is refused (206); the account owner\'s options through an Admin; reset and snapshots reach them', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const get = (client = owner.client, items = [{ item_id: 'sku-1', country: 'US', language: 'EN' }, { item_id: 'sku-2', country: 'US', language: 'EN' }], query = {}) =>
    client.post('/advanced_auction/items/get', { catalog_id: '42', items }, { query });
  const none = { bid_in_micro_currency: null, app_type_multipliers: null, placement_multipliers: null };
  assert.deepEqual((await get()).body.items.map((i: any) => i.bid_options), [none, none]);

  const submit = (body: unknown, client = owner.client, query = {}) => client.post('/advanced_auction/items/submit', body, { query });
  const set = await submit({
    catalog_id: '42',
    items: [
      { operation: 'UPSERT', item_id: 'sku-1', country: 'US', language: 'EN', bid_options: { bid_in_micro_currency: 2_000_000, placement_multipliers: { SEARCH: 1.5 } }, update_mask: ['BID', 'PLACEMENT_BID_MULTIPLIER_SET'] },
      { operation: 'UPSERT', item_id: 'sku-2', country: 'US', language: 'EN', bid_options: { app_type_multipliers: { iphone: 11 } }, update_mask: ['APP_TYPE_BID_MULTIPLIER_SET'] },
      { operation: 'UPSERT', item_id: 'sku-3', country: 'US', language: 'EN', bid_options: { bid_in_micro_currency: -1 }, update_mask: ['BID'] },
    ],
  });
  assert.equal(set.status, 206, JSON.stringify(set.body));
  assert.deepEqual(set.body.items.map((i: any) => i.errors.length), [0, 1, 1]);
  assert.match(set.body.items[1].errors[0].message, /between 0 and 10/);
  assert.match(set.body.items[2].errors[0].message, /0 or more/);
  const read = (await get()).body.items.map((i: any) => i.bid_options);
  assert.deepEqual(read, [{ bid_in_micro_currency: 2_000_000, app_type_multipliers: null, placement_multipliers: { SEARCH: 1.5 } }, none]);

  // A masked field without a value becomes null; an unmasked one stays.
  const masked = await submit({ catalog_id: '42', items: [{ operation: 'UPSERT', item_id: 'sku-1', country: 'US', language: 'EN', bid_options: {}, update_mask: ['PLACEMENT_BID_MULTIPLIER_SET'] }] });
  assert.equal(masked.status, 200);
  assert.deepEqual((await get()).body.items[0].bid_options, { bid_in_micro_currency: 2_000_000, app_type_multipliers: null, placement_multipliers: null });
  const deleted = await submit({ catalog_id: '42', items: [{ operation: 'DELETE', item_id: 'sku-1', country: 'US', language: 'EN' }] });
  assert.deepEqual(deleted.body.items[0].errors, []);
  assert.deepEqual((await get()).body.items[0].bid_options, none);

  // An Admin of the owner's ad account reads and writes the owner's options; an Analyst may not; a stranger's own are apart.
  const acct = await adAccount(owner.client);
  await submit({ catalog_id: '42', items: [{ operation: 'UPSERT', item_id: 'sku-9', country: 'FR', language: 'FR', bid_options: { bid_in_micro_currency: 7 }, update_mask: ['BID'] }] });
  const admin = await adsPerson(s);
  const analyst = await adsPerson(s);
  const controls = new ControlClient(s.pinbox.url, s.pinbox.adminKey);
  await controls.ok('POST', `/ad_accounts/${acct.id}/roles`, { user: admin.username, role: 'ADMIN' });
  await controls.ok('POST', `/ad_accounts/${acct.id}/roles`, { user: analyst.username, role: 'ANALYST' });
  const sku9 = [{ item_id: 'sku-9', country: 'FR', language: 'FR' }];
  assert.equal((await get(admin.client, sku9, { ad_account_id: acct.id })).body.items[0].bid_options.bid_in_micro_currency, 7);
  assert.equal((await get(admin.client, sku9)).body.items[0].bid_options.bid_in_micro_currency, null);
  assertError(await get(analyst.client, sku9, { ad_account_id: acct.id }), 403, 29);

  // A user's reset clears the options, a snapshot brings them back.
  const snapshot = await controls.ok('GET', '/snapshot');
  await controls.ok('POST', '/reset', { user: owner.username });
  assert.equal((await get(owner.client, sku9)).body.items[0].bid_options.bid_in_micro_currency, null);
  await controls.ok('PUT', '/snapshot', snapshot);
  assert.equal((await get(owner.client, sku9)).body.items[0].bid_options.bid_in_micro_currency, 7);

  assertError(await submit({ catalog_id: '42', items: [{ operation: 'DELETE', item_id: 'a', country: 'QQ', language: 'EN' }] }), 400, 1, 'items.0.country');
  assertError(await submit({ catalog_id: 'x', items: [] }), 400, 1);
  assertError(await submit({ catalog_id: '42', items: [{ operation: 'MOVE', item_id: 'a', country: 'US', language: 'EN' }] }), 400, 1);
  assertError(await get(owner.client, [{ item_id: 'a', country: 'US' } as any]), 400, 1, 'items.0.language');
  assertError(await s.api.withToken((await s.pinbox.admin.issueToken({ username: owner.username, scopes: ['ads:read'] })).token).post('/advanced_auction/items/get', { catalog_id: '1', items: sku9 }), 401, 3);
});

test('every advanced auction operation was answered here both as it succeeds and as it is refused', () => {
  for (const operationId of ['advanced_auction_items_get/post', 'advanced_auction_items_submit/post']) {
    const statuses = answeredStatuses(operationId);
    assert.ok(statuses.some((status) => status < 300), `${operationId} never answered a success here (${statuses.join(', ') || 'not called'})`);
    assert.ok(statuses.some((status) => status >= 400), `${operationId} never answered a refusal here (${statuses.join(', ') || 'not called'})`);
  }
});
