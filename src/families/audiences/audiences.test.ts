/**
 * Audiences over HTTP: a CUSTOMER_LIST audience takes its size and status from its
 * list's match (INITIALIZING while matching, READY from 100 people, TOO_SMALL
 * below), is renamed and removed; the types pinbox does not build yet, and a list
 * not of the account, are refused naming the field. Every answer is checked against the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson } from '../../../test/ads.js';

const server = useServer();
const population = (count: number) => Array.from({ length: count }, (_, n) => `member-${n}@population.pinbox.test`).join(',');

test('a customer list becomes an audience: INITIALIZING, READY with the matched size, TOO_SMALL after a REMOVE; renamed, listed, removed', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const acct = await adAccount(owner.client);
  const list = (await owner.client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'Buyers', records: population(100) })).body;
  const path = `/ad_accounts/${acct.id}/audiences`;
  const made = await owner.client.post(path, { name: 'Buyers', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.deepEqual([made.body.status, made.body.size, made.body.type], ['INITIALIZING', null, 'audience']);
  await s.pinbox.clock.advance('6m');
  const ready = await owner.client.get(`${path}/${made.body.id}`);
  assert.deepEqual([ready.body.status, ready.body.size], ['READY', 100]);
  await owner.client.patch(`/ad_accounts/${acct.id}/customer_lists/${list.id}`, { operation_type: 'REMOVE', records: 'member-0@population.pinbox.test' });
  await s.pinbox.clock.advance('6m');
  await owner.client.get(`/ad_accounts/${acct.id}/customer_lists/${list.id}`);
  const small = await owner.client.get(`${path}/${made.body.id}`);
  assert.deepEqual([small.body.status, small.body.size], ['TOO_SMALL', 99]);

  const renamed = await owner.client.patch(`${path}/${made.body.id}`, { name: 'Best buyers' });
  assert.equal(renamed.body.name, 'Best buyers');
  assert.deepEqual((await owner.client.get(path)).body.items.map((a: any) => a.id), [made.body.id]);
  assert.deepEqual((await owner.client.get(path, { query: { ownership_type: 'RECEIVED' } })).body.items, []);
  assert.equal((await owner.client.patch(`${path}/${made.body.id}`, { operation_type: 'REMOVE' })).status, 200);
  assertError(await owner.client.get(`${path}/${made.body.id}`), 404, 404);
});

test('refusals: a type pinbox does not build (PERSONA), a missing or foreign customer list, another user', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const acct = await adAccount(owner.client);
  const other = await adAccount(owner.client);
  const foreign = (await owner.client.post(`/ad_accounts/${other.id}/customer_lists`, { name: 'x', records: 'a@b.co' })).body;
  const path = `/ad_accounts/${acct.id}/audiences`;
  assertError(await owner.client.post(path, { name: 'p', audience_type: 'PERSONA', rule: {} }), 400, 1, 'audience_type');
  assertError(await owner.client.post(path, { name: 'c', audience_type: 'CUSTOMER_LIST', rule: {} }), 400, 1, 'rule.customer_list_id');
  assertError(await owner.client.post(path, { name: 'c', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: foreign.id } }), 400, 1, 'rule.customer_list_id');
  assertError(await owner.client.post(path, { name: 'c', audience_type: 'SOMETHING', rule: {} }), 400, 1, 'audience_type');
  const stranger = await adsPerson(s);
  assertError(await stranger.client.get(path), 403, 29);
});
