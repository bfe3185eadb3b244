/**
 * Over HTTP: the `resources` tag (targeting options, interests, ad account
 * countries, delivery metrics, lead form questions, metrics_ready_state), ad
 * previews and the page they point at, audience sizing and bid floors. Every answer
 * is checked against the official spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createBoard, createPin, useServer } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount, adGroupItem, adsPerson, campaignItem, madeEntity } from '../../../test/ads.js';

const server = useServer();

describe('resources', () => {
  test('ad account countries: ISO countries by code with their currency, the same set ad accounts take', async () => {
    const s = server();
    const { body } = await s.api.get('/resources/ad_account_countries');
    assert.ok(body.items.length > 200, `${body.items.length} countries`);
    const codes = body.items.map((c: any) => c.code);
    assert.deepEqual(codes, [...codes].sort());
    assert.deepEqual(body.items.map((c: any) => c.index), codes.map((_: string, i: number) => i + 1));
    assert.deepEqual(body.items.find((c: any) => c.code === 'US'), { code: 'US', name: 'United States', currency: 'US Dollar', index: codes.indexOf('US') + 1 });
    assert.ok(!codes.includes('XK') && !codes.includes('ZZ'), 'no private-use codes');
    const biz = await adsPerson(s);
    for (const code of [codes[0], codes.at(-1)]) assert.equal((await biz.client.post('/ad_accounts', { country: code })).status, 200, code);
  });

  test('targeting options by type; interests with their children; an unknown type or interest refused', async () => {
    const s = server();
    const location = (await s.api.get('/resources/targeting/LOCATION')).body;
    assert.deepEqual(location.find((o: any) => 'FR' in o), { FR: 'France' });
    assert.deepEqual((await s.api.get('/resources/targeting/GENDER')).body, [{ female: 'Female' }, { male: 'Male' }, { unknown: 'Unspecified' }]);
    assert.ok((await s.api.get('/resources/targeting/LOCALE')).body.some((o: any) => o.en === 'English'));
    assert.equal((await s.api.get('/resources/targeting/APPTYPE')).body.length, 6);
    const interests = (await s.api.get('/resources/targeting/INTEREST')).body;
    const food = interests.find((o: any) => Object.values(o)[0] === 'Food and drinks');
    const foodId = Object.keys(food)[0];
    const top = (await s.api.get(`/resources/targeting/interests/${foodId}`)).body;
    assert.deepEqual([top.id, top.name, top.level], [foodId, 'Food and drinks', 1]);
    assert.ok(top.child_interests.length > 0);
    const child = (await s.api.get(`/resources/targeting/interests/${top.child_interests[0]}`)).body;
    assert.equal(child.level, 2);
    assertError(await s.api.get('/resources/targeting/interests/1'), 404, 404);
    assertError(await s.api.get('/resources/targeting/PLANETS'), 400, 1);
    const stranger = await adsPerson(s);
    const acct = await adAccount(s.api);
    assertError(await stranger.client.get('/resources/targeting/AUDIENCE_INCLUDE', { query: { ad_account_id: acct.id } }), 403, 29);
    assert.deepEqual((await s.api.get('/resources/targeting/AUDIENCE_INCLUDE', { query: { ad_account_id: acct.id } })).body, []);
  });

  test('delivery metrics, lead form questions', async () => {
    const s = server();
    const metrics = (await s.api.get('/resources/delivery_metrics', { query: { report_type: 'ASYNC' } })).body.items;
    assert.ok(metrics.some((m: any) => m.name === 'SPEND_IN_MICRO_DOLLAR' && m.category === 'ADS'));
    assert.ok(metrics.some((m: any) => m.name === 'IMPRESSION' && m.category === 'ORGANIC'));
    const questions = (await s.api.get('/resources/lead_form_questions')).body;
    assert.ok(questions.includes('EMAIL') && questions.includes('CUSTOM'));
  });

  test("metrics_ready_state follows the analytics' reporting lag on pinbox's clock; conversions a day later", async () => {
    const s = server();
    await s.pinbox.clock.freeze('2026-06-10T12:00:00Z');
    try {
      const ready = async (date: string) => (await s.api.get('/resources/metrics_ready_state', { query: { date } })).body;
      assert.deepEqual(await ready('2026-06-10'), { non_conversion_metrics_ready: false, conversion_metrics_ready: false });
      assert.deepEqual(await ready('2026-06-08'), { non_conversion_metrics_ready: true, conversion_metrics_ready: false });
      assert.deepEqual(await ready('2026-06-07'), { non_conversion_metrics_ready: true, conversion_metrics_ready: true });
      await s.pinbox.clock.advance('1d');
      assert.deepEqual(await ready('2026-06-08'), { non_conversion_metrics_ready: true, conversion_metrics_ready: true });
      assertError(await s.api.get('/resources/metrics_ready_state', { query: { date: '2026-02-30' } }), 400, 1, 'date');
      assertError(await s.api.get('/resources/metrics_ready_state'), 400, 1, 'date');
    } finally {
      await s.pinbox.clock.unfreeze();
    }
  });
});

describe('ad previews', () => {
  test('a Pin of the business as an ad: a URL where pinbox serves the page, for 7 days', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const board = await createBoard(owner.client);
    const pin = await createPin(owner.client, board.id, { title: 'Greek <salad>', description: 'Cold and crunchy', link: 'https://example.com/greek' });
    const made = await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, { pin_id: pin.id });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.match(made.body.url, /\/ad-preview\/[0-9a-f]{15}\/$/);
    const page = await fetch(made.body.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /Greek &lt;salad&gt;/);
    assert.match(html, /Promoted by <strong>[^<]+<\/strong>/);
    assert.match(html, /href="https:\/\/example.com\/greek"/);
    const src = /<img src="([^"]+)"/.exec(html)?.[1];
    assert.ok(src, html);
    assert.equal((await fetch(new URL(src, made.body.url))).status, 200, 'the Pin image the page shows is served');

    const fromImage = await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, { image_url: 'https://example.com/x.png', title: 'Just an image' });
    assert.match(await (await fetch(fromImage.body.url)).text(), /Just an image/);
    await s.pinbox.clock.advance('7d1m');
    assert.equal((await fetch(made.body.url)).status, 404);
  });

  test('refusals: a Pin without a link, a Pin of someone else, no Pin at all, an analyst', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const other = await adsPerson(s);
    const analyst = await adsPerson(s);
    const acct = await adAccount(owner.client);
    await new ControlClient(s.pinbox.url, s.pinbox.adminKey).ok('POST', `/ad_accounts/${acct.id}/roles`, { user: analyst.username, role: 'ANALYST' });
    const linkless = await createPin(owner.client, (await createBoard(owner.client)).id);
    const theirs = await createPin(other.client, (await createBoard(other.client)).id, { link: 'https://example.com/theirs' });
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, { pin_id: linkless.id }), 400, 1, 'pin_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, { pin_id: theirs.id }), 400, 1, 'pin_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, { title: 'no image' }), 400, 1, 'image_url');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/ad_previews`, {}), 400, 1, 'pin_id');
    assertError(await analyst.client.post(`/ad_accounts/${acct.id}/ad_previews`, { pin_id: theirs.id }), 403, 29);
  });
});

describe('planning', () => {
  test('bid floors are the floors ad groups are held to', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const floors = await owner.client.post(`/ad_accounts/${acct.id}/bid_floor`, {
      bid_floor_specs: [
        { billable_event: 'CLICKTHROUGH', currency: 'USD', countries: ['US'] },
        { billable_event: 'IMPRESSION', currency: 'GBP' },
        { billable_event: 'CLICKTHROUGH', currency: 'JPY' },
      ],
    });
    assert.deepEqual(floors.body, { bid_floors: [100_000, 1_400_000, 0], type: 'bidfloor' });
    const campaign = await madeEntity(owner.client, acct.id, 'campaigns', campaignItem());
    const under = await owner.client.post(`/ad_accounts/${acct.id}/ad_groups`, [adGroupItem(campaign.id, { bid_in_micro_currency: floors.body.bid_floors[0] - 1 })]);
    assert.match(under.body.items[0].exceptions[0].message, /bid_in_micro_currency/);
    await madeEntity(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id, { bid_in_micro_currency: floors.body.bid_floors[0] }));
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bid_floor`, { bid_floor_specs: [{ currency: 'USD' }] }), 400, 1);
  });

  test('audience sizing narrows with the targeting; the age pair is checked; a stranger is refused', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const stranger = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const size = async (body: Record<string, unknown>) => (await owner.client.post(`/ad_accounts/${acct.id}/ad_groups/audience_sizing`, body)).body;
    const everyone = await size({});
    const narrow = await size({ auto_targeting_enabled: false, targeting_spec: { LOCATION: ['US'], GENDER: ['female'], MINIMUM_AGE: '25', MAXIMUM_AGE: '34' } });
    assert.ok(everyone.audience_size_lower_bound < everyone.audience_size_upper_bound);
    assert.ok(narrow.audience_size_upper_bound < everyone.audience_size_lower_bound, JSON.stringify([narrow, everyone]));
    assert.ok(narrow.audience_size_lower_bound > 0);
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/ad_groups/audience_sizing`, { targeting_spec: { MINIMUM_AGE: '25' } }), 400, 1, 'targeting_spec.MINIMUM_AGE');
    assertError(await stranger.client.post(`/ad_accounts/${acct.id}/ad_groups/audience_sizing`, {}), 403, 29);
  });
});
