/**
 * The Conversions API over HTTP: conversion tokens, tags, and events checked one by
 * one, a batch recorded whole or not at all, test mode recording nothing, an
 * event_id kept once, the rate limit counted per ad account and app. Every answer
 * is checked against the spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { assertError, useServer, type TestServer } from '../../../test/harness.js';
import { adAccount, adsPerson } from '../../../test/ads.js';
import type { ConversionService } from './service.js';

const server = useServer();

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const nowSeconds = (s: TestServer) => Math.floor(s.pinbox.clock.now() / 1000);

let serial = 0;
function event(s: TestServer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: nowSeconds(s) - 60,
    event_id: `evt-${serial}-${Date.now()}`,
    user_data: { em: [sha256(`member-${serial % 1000}@population.pinbox.test`)] },
    custom_data: { currency: 'USD', value: '12.50' },
    ...extra,
  };
}

/** The rows of conversion_events for one ad account, read from a snapshot of the store. */
async function recorded(s: TestServer, accountId: string): Promise<Record<string, unknown>[]> {
  const table = (await s.pinbox.snapshot()).tables.conversion_events;
  const rows = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
  return rows.filter((row) => row.ad_account_id === accountId);
}

/** The family's read for the ads analytics, reached through the control plane's families. */
function conversionsOf(s: TestServer): ConversionService {
  return (s.pinbox.control as unknown as { deps: { families: { services: { conversions: ConversionService } } } }).deps.families.services.conversions;
}

describe('events/create', () => {
  test('a clean batch answers 200 with one processed entry per event and "" messages, and is recorded; an unhashed email is processed with a warning', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const plain = event(s, { user_data: { em: ['  Member-7@Population.PINBOX.test '] } });
    const answer = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [event(s), plain] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.num_events_received, 2);
    assert.equal(answer.body.num_events_processed, 2);
    assert.deepEqual(answer.body.events[0], { status: 'processed', error_message: '', warning_message: '' });
    assert.equal(answer.body.events[1].status, 'processed');
    assert.match(answer.body.events[1].warning_message, /unhashed email/);
    const rows = await recorded(s, acct.id);
    assert.equal(rows.length, 2);
    // The plain email is kept only as the SHA-256 of its normalised form.
    const kept = rows.find((row) => row.event_id === plain.event_id)!;
    assert.equal(kept.email_hash, sha256('member-7@population.pinbox.test'));
    assert.ok(!JSON.stringify(rows).includes('Member-7'));
    assert.equal(kept.value_micro, 12_500_000);
  });

  test('1,000 events with one bad one: 422 code 953, the bad one named in details, nothing of the batch recorded', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const data = Array.from({ length: 1000 }, () => event(s));
    data[417] = event(s, { event_time: nowSeconds(s) - 8 * 86_400 });
    const answer = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data });
    assert.equal(answer.status, 422, JSON.stringify(answer.body).slice(0, 300));
    assert.equal(answer.body.code, 953);
    const { details } = answer.body;
    assert.equal(details.num_events_received, 1000);
    assert.equal(details.num_events_processed, 0);
    assert.equal(details.events.length, 1000);
    assert.match(details.events[417].error_message, /^Invalid event_timestamp parameter\. Given timestamp is in the past\. Current timestamp: \d+, Given event_timestamp: \d+$/);
    assert.match(details.events[0].error_message, /another event of this batch is invalid/);
    assert.deepEqual(await recorded(s, acct.id), []);
    // The same batch without the bad event goes through whole.
    data.splice(417, 1);
    const retried = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.num_events_processed, 999);
    assert.equal((await recorded(s, acct.id)).length, 999);
  });

  test('each rule on an event fails that event with a message naming the field', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ event_name: 'purchase' }, /'event_name'/],
      [{ action_source: 'email' }, /'action_source'/],
      [{ event_time: Date.now() }, /in the future \(it looks like milliseconds/],
      [{ event_time: '1700000000' }, /'event_time'/],
      [{ event_id: '' }, /'event_id'/],
      [{ user_data: { ph: [sha256('15551234567')] } }, /needs 'em', or 'hashed_maids', or both 'client_ip_address' and 'client_user_agent'/],
      [{ user_data: { em: ['not an email'] } }, /'user_data\.em'/],
      [{ user_data: { client_ip_address: '1.2.3.4', client_user_agent: 'ua', fn: ['Ann'] } }, /'user_data\.fn'/],
      [{ custom_data: { value: 12.5 } }, /'custom_data\.value'/],
      [{ colour: 'red' }, /'colour'/],
    ];
    const answer = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: cases.map(([extra]) => event(s, extra)) });
    assert.equal(answer.status, 422);
    cases.forEach(([, message], i) => {
      assert.equal(answer.body.details.events[i].status, 'failed');
      assert.match(answer.body.details.events[i].error_message, message, `case ${i}`);
    });
    // IP and user agent together suffice without an email.
    const ipOnly = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [event(s, { user_data: { client_ip_address: '1.2.3.4', client_user_agent: 'Mozilla/5.0' } })] });
    assert.equal(ipOnly.status, 200);
  });

  test('the request itself: data missing, empty or over 1,000 events is a 400 code 4196 naming data', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    for (const body of [{}, { data: [] }, { data: Array.from({ length: 1001 }, () => event(s)) }, { data: 'x' }]) {
      assertError(await owner.client.post(`/ad_accounts/${acct.id}/events`, body), 400, 4196);
      const response = await owner.client.post(`/ad_accounts/${acct.id}/events`, body);
      assert.match(response.body.message, /'data'/);
    }
  });

  test('test=true validates and answers alike but records nothing; a repeated event_id is recorded once', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const once = event(s);
    const tested = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [once, event(s)] }, { query: { test: true } });
    assert.equal(tested.status, 200);
    assert.equal(tested.body.num_events_processed, 2);
    assert.deepEqual(await recorded(s, acct.id), []);
    const bad = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [event(s, { event_name: 'nope' })] }, { query: { test: true } });
    assert.equal(bad.status, 422);

    const first = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [once, { ...once }] });
    assert.equal(first.status, 200);
    assert.equal(first.body.num_events_processed, 2);
    const again = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [{ ...once, custom_data: { value: '99' } }] });
    assert.equal(again.status, 200);
    const rows = await recorded(s, acct.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].value_micro, 12_500_000, 'the first event with the id is the one kept');
  });

  test('a conversion token sends events (only there), roles are checked, and the ads_conversions count is per ad account and app', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const other = await adAccount(owner.client);
    const issued = await owner.client.post('/oauth/conversion_token');
    assert.equal(issued.status, 200);
    assert.equal(issued.body.token_type, 'conversion');
    const conversion = owner.client.withToken(issued.body.access_token);
    const sent = await conversion.post(`/ad_accounts/${acct.id}/events`, { data: [event(s)] });
    assert.equal(sent.status, 200);
    assertError(await conversion.get('/user_account'), 401, 2);
    assertError(await conversion.get(`/ad_accounts/${acct.id}/conversion_tags`), 401, 2);

    const stranger = await adsPerson(s);
    assertError(await stranger.client.post(`/ad_accounts/${acct.id}/events`, { data: [event(s)] }), 403, 29);
    assertError(await owner.client.post('/ad_accounts/999999999999/events', { data: [event(s)] }), 404, 2626);

    // Two users of one app on one account share the count; another account has its own.
    await s.pinbox.control.grantAdAccountRole(acct.id, stranger.username, 'ADMIN');
    const remaining = async (client: typeof owner.client, accountId: string) =>
      Number((await client.post(`/ad_accounts/${accountId}/events`, { data: [event(s)] }, { query: { test: true } })).headers.get('x-ratelimit-remaining'));
    const a = await remaining(owner.client, acct.id);
    const b = await remaining(owner.client, acct.id);
    assert.equal(b, a - 1);
    const c = await remaining(owner.client, other.id);
    assert.ok(c > b, `another ad account is counted apart (${c} vs ${b})`);
    const d = await remaining(stranger.client, acct.id);
    assert.ok(d < b, `another user of the same app on the account shares its count (${d} vs ${b})`);
  });

  test('conversionsFor gives the recorded events in a time range with the pinbox user their email matched', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const buyer = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const t = nowSeconds(s) - 3600;
    const mine = event(s, { event_time: t, user_data: { em: [sha256(`${buyer.username}@users.pinbox.test`)] } });
    const theirs = event(s, { event_time: t + 10 });
    const nobody = event(s, { event_time: t + 20, user_data: { em: [sha256('nobody@example.com')] } });
    assert.equal((await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: [mine, theirs, nobody] })).status, 200);
    const all = await conversionsOf(s).conversionsFor(acct.id, t, t + 60);
    assert.deepEqual(all.map((c) => [c.eventId, c.userId, c.matched?.split(':')[0] ?? null]), [
      [mine.event_id, buyer.id, 'user'],
      [theirs.event_id, null, 'member'],
      [nobody.event_id, null, null],
    ]);
    assert.equal(all[0].currency, 'USD');
    assert.deepEqual((await conversionsOf(s).conversionsFor(acct.id, t + 5, t + 15)).map((c) => c.eventId), [theirs.event_id]);
  });
});

describe('conversion tags', () => {
  test('made, listed and got with the Pinterest Tag snippet naming the tag; unknown tags 404, a bad body 400 naming the field', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const made = await owner.client.post(`/ad_accounts/${acct.id}/conversion_tags`, { name: 'Checkout tag', aem_enabled: true });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.ad_account_id, acct.id);
    assert.equal(made.body.configs.aem_enabled, true);
    assert.ok(made.body.code_snippet.includes(`pintrk('load', '${made.body.id}')`));
    const listed = await owner.client.get(`/ad_accounts/${acct.id}/conversion_tags`);
    assert.deepEqual(listed.body.items.map((t: any) => t.id), [made.body.id]);
    const got = await owner.client.get(`/ad_accounts/${acct.id}/conversion_tags/${made.body.id}`);
    assert.deepEqual(got.body, made.body);
    assertError(await owner.client.get(`/ad_accounts/${acct.id}/conversion_tags/123`), 404, 404);
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/conversion_tags`, {}), 400, 1, 'name');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/conversion_tags`, { name: 'x', colour: 1 }), 400, 1, 'colour');
  });
});
