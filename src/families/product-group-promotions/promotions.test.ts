/**
 * Product group promotions over HTTP: a CATALOG_SALES ad group promotes catalog
 * product groups (refused item by item for an unknown or another's group, a second
 * promotion of one group, an ad group of another objective); list, get and update
 * on the ads mechanism; and the catalogs' 409 4176 / 4162 for deleting a product
 * group or a feed while a promotion of it is ACTIVE; product_groups/analytics
 * whose rows add up to the ad group's at every day and hour, and PRODUCT_GROUP
 * reports made of the same rows. Every answer is checked
 * against the spec by the harness's client.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { assertError, createBoard, createPin, unique, useServer, type Client } from '../../../test/harness.js';
import { adAccount, adGroupItem, adsPerson, campaignItem, madeEntity } from '../../../test/ads.js';
import { makeCatalog, makeFeed, product, retailCsv, useFeedHost } from '../../../test/catalogs.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 6, 1, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 2121 });
const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const SUMS = ['SPEND_IN_MICRO_DOLLAR', 'IMPRESSION_1', 'CLICKTHROUGH_1', 'OUTBOUND_CLICK_1', 'REPIN_1', 'TOTAL_ENGAGEMENT'];
const host = useFeedHost();

interface Shop {
  client: Client;
  accountId: string;
  catalogId: string;
  adGroupId: string;
}

async function productGroup(client: Client, catalogId: string, brand = unique('brand')): Promise<string> {
  const made = await client.post('/catalogs/product_groups', { name: unique('group'), catalog_type: 'RETAIL', catalog_id: catalogId, filters: { any_of: [{ BRAND: { values: [brand] } }] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body.id;
}

async function shoppingShop(): Promise<Shop> {
  const person = await adsPerson(server());
  const account = await adAccount(person.client);
  const campaign = await madeEntity(person.client, account.id, 'campaigns', campaignItem({ objective_type: 'CATALOG_SALES' }));
  const group = await madeEntity(person.client, account.id, 'ad_groups', adGroupItem(campaign.id));
  const catalog = await makeCatalog(person.client);
  return { client: person.client, accountId: account.id, catalogId: catalog.id, adGroupId: group.id };
}

function promote(shop: Shop, items: Record<string, unknown>[], adGroupId = shop.adGroupId) {
  return shop.client.post(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: adGroupId, product_group_promotion: items });
}

describe('product group promotions', () => {
  let shop: Shop;
  before(async () => {
    shop = await shoppingShop();
  });

  test('create promotes the owner\'s product groups item by item; unknown, foreign and repeated groups are refused with their codes', async () => {
    const mine = await productGroup(shop.client, shop.catalogId);
    const stranger = await shoppingShop();
    const theirs = await productGroup(stranger.client, stranger.catalogId);
    const response = await promote(shop, [
      { catalog_product_group_id: mine, bid_in_micro_currency: 2_000_000, tracking_url: 'https://track.example/{id}', slideshow_collections_title: 'Title' },
      { catalog_product_group_id: '999999999' },
      { catalog_product_group_id: theirs },
      { catalog_product_group_id: mine },
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [made, unknown, foreign, repeated] = response.body.items;
    assert.deepEqual(made.exceptions, []);
    assert.equal(made.data.catalog_product_group_id, mine);
    assert.equal(made.data.ad_group_id, shop.adGroupId);
    assert.equal(made.data.status, 'ACTIVE');
    assert.equal(made.data.included, true);
    assert.equal(made.data.creative_type, 'REGULAR');
    assert.equal(made.data.bid_in_micro_currency, 2_000_000);
    assert.equal(made.data.slideshow_collections_title, 'Title');
    assert.match(made.data.catalog_product_group_name, /^group/);
    assert.equal(unknown.data, undefined);
    assert.equal(unknown.exceptions[0].code, 4180);
    assert.equal(foreign.exceptions[0].code, 4180);
    assert.equal(repeated.exceptions[0].code, 400);
    assert.match(repeated.exceptions[0].message, /already promoted/);

    const got = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions/${made.data.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, made.data);
    assertError(await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions/123456789`), 404, 404);
    assertError(await stranger.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions/${made.data.id}`), 403, 29);
  });

  test('only a CATALOG_SALES ad group promotes product groups; bad bodies are 400s naming the field', async () => {
    const consideration = await madeEntity(shop.client, shop.accountId, 'campaigns', campaignItem());
    const other = await madeEntity(shop.client, shop.accountId, 'ad_groups', adGroupItem(consideration.id));
    const group = await productGroup(shop.client, shop.catalogId);
    const refused = await promote(shop, [{ catalog_product_group_id: group }], other.id);
    assert.equal(refused.status, 200);
    assert.equal(refused.body.items[0].exceptions[0].code, 1);
    assert.match(refused.body.items[0].exceptions[0].message, /ad_group_id.*CATALOG_SALES/);

    assertError(await promote(shop, []), 400, 1, 'product_group_promotion');
    const long = await promote(shop, [{ catalog_product_group_id: group, tracking_url: 'x'.repeat(4001) }]);
    assert.equal(long.body.items[0].exceptions[0].code, 1);
    assert.match(long.body.items[0].exceptions[0].message, /tracking_url/);
    assertError(await promote(shop, [{ catalog_product_group_id: group, ad_group_id: '42' }]), 400, 1, 'product_group_promotion[0].ad_group_id');
    assertError(await shop.client.post(`/ad_accounts/${shop.accountId}/product_group_promotions`, { product_group_promotion: [{ catalog_product_group_id: group }] }), 400, 1, 'ad_group_id');
    const listed = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions`, { query: { ad_group_id: other.id } });
    assert.deepEqual(listed.body.items, [], 'nothing refused was written');
  });

  test('list filters by ad group and ids; update pauses and archives, keeps the product group', async () => {
    const groups = [await productGroup(shop.client, shop.catalogId), await productGroup(shop.client, shop.catalogId)];
    const second = await madeEntity(shop.client, shop.accountId, 'ad_groups', adGroupItem((await madeEntity(shop.client, shop.accountId, 'campaigns', campaignItem({ objective_type: 'CATALOG_SALES' }))).id));
    const made = (await promote(shop, groups.map((id) => ({ catalog_product_group_id: id })), second.id)).body.items.map((item: any) => item.data.id);
    const byGroup = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions`, { query: { ad_group_id: second.id } });
    assert.deepEqual(byGroup.body.items.map((item: any) => item.id), made);
    const byId = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions`, { query: { product_group_promotion_ids: made[1], order: 'DESCENDING' } });
    assert.deepEqual(byId.body.items.map((item: any) => item.id), [made[1]]);

    const update = await shop.client.patch(`/ad_accounts/${shop.accountId}/product_group_promotions`, {
      ad_group_id: second.id,
      product_group_promotion: [
        { id: made[0], status: 'PAUSED', included: false },
        { id: made[1], catalog_product_group_id: groups[0] },
        { id: '77777777' },
      ],
    });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    const [paused, moved, missing] = update.body.items;
    assert.equal(paused.data.status, 'PAUSED');
    assert.equal(paused.data.included, false);
    assert.match(moved.exceptions[0].message, /catalog_product_group_id/);
    assert.equal(missing.exceptions[0].code, 2);
    const archived = await shop.client.patch(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: second.id, product_group_promotion: [{ id: made[0], status: 'ARCHIVED' }] });
    assert.equal(archived.body.items[0].data.status, 'ARCHIVED');
    const back = await shop.client.patch(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: second.id, product_group_promotion: [{ id: made[0], status: 'ACTIVE' }] });
    assert.equal(back.body.items[0].exceptions[0].code, 400, 'an archived promotion stays archived');
    const listed = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions`, { query: { ad_group_id: second.id } });
    assert.deepEqual(listed.body.items.map((item: any) => item.id), [made[1]], 'archived ones are not listed by default');
  });

  test('a product group or a feed with an ACTIVE promotion is not deleted (409 4176 / 4162); paused, it is', async () => {
    const group = await productGroup(shop.client, shop.catalogId);
    const [promotion] = (await promote(shop, [{ catalog_product_group_id: group }])).body.items.map((item: any) => item.data.id);
    assertError(await shop.client.delete(`/catalogs/product_groups/${group}`), 409, 4176);
    assertError(await shop.client.delete('/catalogs/product_groups/multiple', { query: { id: group } }), 409, 4176);
    await shop.client.patch(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: shop.adGroupId, product_group_promotion: [{ id: promotion, status: 'PAUSED' }] });
    assert.equal((await shop.client.delete(`/catalogs/product_groups/${group}`)).status, 204);
    assertError(await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions/${promotion}`), 404, 404);

    host().put('/promoted.csv', { body: retailCsv([product('p1')]) });
    const feed = await makeFeed(shop.client, shop.catalogId, host().url('/promoted.csv'));
    const groups = await shop.client.get('/catalogs/product_groups', { query: { feed_id: feed.id } });
    const all = groups.body.items.find((item: any) => item.type === 'ALL_PRODUCTS');
    const [feedPromotion] = (await promote(shop, [{ catalog_product_group_id: all.id }])).body.items.map((item: any) => item.data.id);
    assertError(await shop.client.delete(`/catalogs/feeds/${feed.id}`), 409, 4162);
    assert.equal((await shop.client.get(`/catalogs/feeds/${feed.id}`)).status, 200, 'the refused delete left the feed');
    await shop.client.patch(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: shop.adGroupId, product_group_promotion: [{ id: feedPromotion, status: 'ARCHIVED' }] });
    assert.equal((await shop.client.delete(`/catalogs/feeds/${feed.id}`)).status, 204);
  });

  test('no token is 401; a read-only token cannot promote', async () => {
    assertError(await server().api.withToken(null).get(`/ad_accounts/${shop.accountId}/product_group_promotions`), 401, 2);
    const { token } = await server().pinbox.admin.issueToken({ username: (await server().pinbox.admin.createUser({ username: unique('ro'), accountType: 'BUSINESS' })).username, scopes: ['ads:read'] });
    assertError(await server().api.withToken(token).post(`/ad_accounts/${shop.accountId}/product_group_promotions`, { ad_group_id: shop.adGroupId, product_group_promotion: [{ catalog_product_group_id: '1' }] }), 401, 3);
  });

  test('product_groups/analytics: an ad group\'s delivery is its included promotions\' sum, day by day and hour by hour', async () => {
    const start = day(0);
    const group = await madeEntity(shop.client, shop.accountId, 'ad_groups', adGroupItem((await madeEntity(shop.client, shop.accountId, 'campaigns', campaignItem({ objective_type: 'CATALOG_SALES' }))).id));
    const pin = await createPin(shop.client, (await createBoard(shop.client)).id, { link: 'https://shop.example/p' });
    const ad = await madeEntity(shop.client, shop.accountId, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://shop.example/a' });
    await server().pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
    const groups = [await productGroup(shop.client, shop.catalogId), await productGroup(shop.client, shop.catalogId), await productGroup(shop.client, shop.catalogId)];
    const made = await promote(shop, [{ catalog_product_group_id: groups[0] }, { catalog_product_group_id: groups[1] }, { catalog_product_group_id: groups[2], included: false }], group.id);
    const [first, second, excluded] = made.body.items.map((item: any) => item.data.id);
    await clock.advance('3d');
    const query = (granularity: string, extra: Record<string, string>) => ({ start_date: start, end_date: day(0), granularity, columns: [...SUMS, 'CTR', 'AD_GROUP_ID'].join(','), ...extra });
    const pgPath = `/ad_accounts/${shop.accountId}/product_groups/analytics`;
    const promoted = await shop.client.get(pgPath, { query: query('DAY', { product_group_ids: [first, second, excluded].join(',') }) });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    const byGroup = await shop.client.get(`/ad_accounts/${shop.accountId}/ad_groups/analytics`, { query: query('DAY', { ad_group_ids: group.id }) });
    assert.ok(byGroup.body.length >= 3, `the ad group delivered on each day: ${JSON.stringify(byGroup.body)}`);
    assert.ok(promoted.body.some((row: any) => row.PRODUCT_GROUP_ID === first) && promoted.body.some((row: any) => row.PRODUCT_GROUP_ID === second));
    assert.ok(!promoted.body.some((row: any) => row.PRODUCT_GROUP_ID === excluded), 'an excluded product group takes no share');
    for (const row of promoted.body) assert.equal(row.AD_GROUP_ID, group.id);
    for (const groupRow of byGroup.body) {
      const parts = promoted.body.filter((row: any) => row.DATE === groupRow.DATE);
      for (const column of SUMS) assert.equal(parts.reduce((sum: number, row: any) => sum + row[column], 0), groupRow[column], `${column} on ${groupRow.DATE}`);
      for (const row of parts) assert.equal(row.CTR, row.IMPRESSION_1 > 0 ? row.CLICKTHROUGH_1 / row.IMPRESSION_1 : 0);
    }
    const hourly = await shop.client.get(pgPath, { query: query('HOUR', { start_date: day(-1), end_date: day(-1), product_group_ids: `${first},${second}` }) });
    const groupHourly = await shop.client.get(`/ad_accounts/${shop.accountId}/ad_groups/analytics`, { query: query('HOUR', { start_date: day(-1), end_date: day(-1), ad_group_ids: group.id }) });
    assert.ok(groupHourly.body.length > 0);
    const hourTotal = (rows: any[]) => rows.reduce((sum, row) => sum + row.IMPRESSION_1, 0);
    assert.equal(hourTotal(hourly.body), hourTotal(groupHourly.body));
    const totals = await shop.client.get(pgPath, { query: query('TOTAL', { product_group_ids: first }) });
    assert.equal(totals.body.length, 1);
    assert.equal(totals.body[0].SPEND_IN_MICRO_DOLLAR, promoted.body.filter((row: any) => row.PRODUCT_GROUP_ID === first).reduce((sum: number, row: any) => sum + row.SPEND_IN_MICRO_DOLLAR, 0));
    const report = await shop.client.post(`/ad_accounts/${shop.accountId}/reports`, { start_date: start, end_date: day(0), granularity: 'DAY', level: 'PRODUCT_GROUP', columns: [...SUMS, 'CTR', 'AD_GROUP_ID'] });
    assert.equal(report.status, 200, JSON.stringify(report.body));
    await clock.advance('11s');
    const ready = await shop.client.get(`/ad_accounts/${shop.accountId}/reports`, { query: { token: report.body.token } });
    assert.equal(ready.body.report_status, 'FINISHED');
    const file = JSON.parse(await (await fetch(ready.body.url)).text());
    assert.deepEqual(Object.keys(file).sort(), [first, second].sort(), 'the report has every promotion that delivered, by id');
    for (const id of [first, second]) assert.deepEqual(file[id], promoted.body.filter((row: any) => row.PRODUCT_GROUP_ID === id));
    const stranger = await shoppingShop();
    const theirs = await stranger.client.get(`/ad_accounts/${stranger.accountId}/product_groups/analytics`, { query: query('DAY', { product_group_ids: first }) });
    assert.deepEqual(theirs.body, [], 'another account\'s promotion has no rows there');
  });
});

describe('bulk/upsert and bulk/download of product groups', () => {
  test('an upsert\'s product_groups list promotes item by item; a download gives them back as get answers them', async () => {
    const shop = await shoppingShop();
    const group = await productGroup(shop.client, shop.catalogId);
    assertError(await shop.client.post(`/ad_accounts/${shop.accountId}/bulk/upsert`, { create: { product_groups: [{ ad_group_id: shop.adGroupId, product_group_promotion: [] }] } }), 400, 1, 'create.product_groups.0.product_group_promotion');
    assertError(await shop.client.post(`/ad_accounts/${shop.accountId}/bulk/upsert`, { create: { product_groups: [{ name: 'salad' }] } }), 400, 1, 'create.product_groups.0.ad_group_id');
    const submitted = await shop.client.post(`/ad_accounts/${shop.accountId}/bulk/upsert`, {
      create: { product_groups: [{ ad_group_id: shop.adGroupId, product_group_promotion: [{ catalog_product_group_id: group }, { catalog_product_group_id: '999999999' }] }] },
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    await clock.advance('11s');
    const done = await shop.client.get(`/ad_accounts/${shop.accountId}/bulk/${submitted.body.request_id}`);
    assert.equal(done.body.status, 'SUCCEEDED', JSON.stringify(done.body));
    const file = JSON.parse(await (await fetch(done.body.result_url)).text());
    const [answer] = file.create.product_groups;
    assert.equal(answer.items.length, 2);
    assert.equal(answer.items[0].data.catalog_product_group_id, group);
    assert.equal(answer.items[1].exceptions[0].code, 4180);
    const listed = await shop.client.get(`/ad_accounts/${shop.accountId}/product_group_promotions`);
    assert.deepEqual(listed.body.items.map((item: any) => item.id), [answer.items[0].data.id]);

    const download = await shop.client.post(`/ad_accounts/${shop.accountId}/bulk/download`, { entity_types: ['PRODUCT_GROUP'] });
    await clock.advance('11s');
    const downloaded = await shop.client.get(`/ad_accounts/${shop.accountId}/bulk/${download.body.request_id}`);
    const content = JSON.parse(await (await fetch(downloaded.body.result_url)).text());
    assert.deepEqual(content.product_groups, listed.body.items);
  });
});

describe('promotions (discount offers)', () => {
  let shop: Shop;
  before(async () => {
    shop = await shoppingShop();
  });
  const path = () => `/ad_accounts/${shop.accountId}/promotions`;
  const nowSec = () => Math.floor(clock.now() / 1000);

  test('create answers {promotions: [{data | exception}]} in input order; discount_status follows the clock', async () => {
    const created = await shop.client.post(path(), [
      { promotion_title: 'Black Friday 10% off', promotion_type: 'SITEWIDE', promotion_code: 'bf10', template_values: [{ percent: 10 }], start_time: nowSec() + 86_400, end_time: nowSec() + 3 * 86_400 },
      { promotion_title: 'Free shipping', promotion_type: 'FREE_SHIPPING', promotion_custom_id: 'ship-free' },
      { promotion_title: 'Elsewhere', promotion_type: 'CUSTOM', platform_type: 'MAGENTO' },
      { promotion_title: 'Backwards', promotion_type: 'CUSTOM', start_time: nowSec() + 10, end_time: nowSec() },
      { promotion_title: 'Twin', promotion_type: 'CUSTOM', promotion_custom_id: 'ship-free' },
      { promotion_type: 'CUSTOM' },
    ]);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const [friday, shipping, platform, backwards, twin, untitled] = created.body.promotions;
    assert.equal(friday.data.discount_status, 'SCHEDULED');
    assert.equal(friday.data.promotion_custom_id, friday.data.id, 'the custom id defaults to the id');
    assert.equal(friday.data.platform_type, 'DEFAULT');
    assert.equal(friday.data.status, 'ACTIVE');
    assert.equal(shipping.data.promotion_custom_id, 'ship-free');
    assert.equal(shipping.data.discount_status, 'ACTIVE');
    assert.deepEqual(platform.exception, { code: 400, message: 'Platform type not supported for promotions.' });
    assert.match(backwards.exception.message, /'end_time'/);
    assert.match(twin.exception.message, /'promotion_custom_id'/);
    assert.match(untitled.exception.message, /promotion_title/);
    for (const refused of [platform, backwards, twin, untitled]) assert.equal(refused.data, undefined);

    await clock.advance('2d');
    assert.equal((await shop.client.get(`${path()}/${friday.data.id}`)).body.discount_status, 'ACTIVE');
    await clock.advance('2d');
    assert.equal((await shop.client.get(`${path()}/${friday.data.id}`)).body.discount_status, 'EXPIRED');
    const listed = await shop.client.get(path(), { query: { order: 'ASCENDING' } });
    assert.deepEqual(listed.body.items.map((item: any) => item.id), [friday.data.id, shipping.data.id], 'nothing refused was written');
  });

  test('update pauses and edits item by item; get and delete answer 404 code 4997 for a missing promotion', async () => {
    const [made] = (await shop.client.post(path(), [{ promotion_title: 'Gift', promotion_type: 'GIFT_WITH_PURCHASE' }])).body.promotions;
    const updated = await shop.client.patch(path(), [
      { id: made.data.id, status: 'PAUSED', promotion_title: 'Gift wrapped' },
      { id: '123456789' },
    ]);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.promotions[0].data.discount_status, 'PAUSED');
    assert.equal(updated.body.promotions[0].data.promotion_title, 'Gift wrapped');
    assert.equal(updated.body.promotions[1].exception.code, 2);
    assert.equal((await shop.client.delete(`${path()}/${made.data.id}`)).status, 204);
    assertError(await shop.client.get(`${path()}/${made.data.id}`), 404, 4997);
    assertError(await shop.client.delete(`${path()}/${made.data.id}`), 404, 4997);
    assertError(await shop.client.post(path(), []), 400, 1);
    const stranger = await shoppingShop();
    assertError(await stranger.client.delete(`${path()}/${made.data.id}`), 403, 29);
  });
});
