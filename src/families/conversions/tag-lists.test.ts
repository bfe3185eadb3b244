/**
 * The conversion-tag event lists over HTTP: a tag lists the event types its account
 * recorded (page visits, paged by tag; oCPM-eligible types of the last 7 days only),
 * and advertiser-defined events are none. Every answer is checked against the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, conversionEvents } from '../../../test/ads.js';

const server = useServer();

test('page visit and oCPM-eligible tag events follow the recorded events; advertiser-defined events are none', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const acct = await adAccount(owner.client);
  const base = `/ad_accounts/${acct.id}`;
  const tags = [];
  for (const name of ['one', 'two']) tags.push((await owner.client.post(`${base}/conversion_tags`, { name })).body);
  const tagIds = tags.map((t) => t.id).sort();
  assert.deepEqual((await owner.client.get(`${base}/conversion_tags/page_visit`)).body, { items: [], bookmark: null });
  assert.deepEqual((await owner.client.get(`${base}/conversion_tags/ocpm_eligible`)).body, {});

  const now = s.pinbox.clock.now();
  const sent = await owner.client.post(`${base}/events`, { data: [...conversionEvents(now, 2, undefined, { event_name: 'page_visit' }), ...conversionEvents(now, 1), ...conversionEvents(now, 1, undefined, { event_name: 'add_payment_info' })] });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const first = await owner.client.get(`${base}/conversion_tags/page_visit`, { query: { page_size: 1 } });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body.items, [{ ad_account_id: acct.id, conversion_tag_id: tagIds[0], conversion_event: 'PAGE_VISIT', created_time: Math.floor(now / 1000) - 60 }]);
  assert.equal(first.body.bookmark, tagIds[0]);
  const second = await owner.client.get(`${base}/conversion_tags/page_visit`, { query: { page_size: 1, bookmark: first.body.bookmark } });
  assert.deepEqual([second.body.items.map((i: any) => i.conversion_tag_id), second.body.bookmark], [[tagIds[1]], null]);

  const eligible = (await owner.client.get(`${base}/conversion_tags/ocpm_eligible`)).body;
  assert.deepEqual(Object.keys(eligible).sort(), tagIds);
  assert.deepEqual(eligible[tagIds[0]].map((e: any) => e.conversion_event), ['CHECKOUT', 'PAGE_VISIT'], 'add_payment_info is no ConversionTagType');
  await s.pinbox.clock.advance('8d');
  assert.deepEqual((await owner.client.get(`${base}/conversion_tags/ocpm_eligible`)).body, {}, 'no event in the last 7 days');
  assert.equal((await owner.client.get(`${base}/conversion_tags/page_visit`)).body.items.length, 2);

  assert.deepEqual((await owner.client.get(`${base}/advertiser_defined_events`)).body, { items: [] });
  const stranger = await adsPerson(s);
  assertError(await stranger.client.get(`${base}/conversion_tags/ocpm_eligible`), 403, 29);
});
