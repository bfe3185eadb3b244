/**
 * Catalogs and feeds over HTTP, with real feed files served by a local host: a good
 * CSV, TSV.gz and XML (RSS and Atom) feed each ingested to the right item count on
 * pinbox's clock; a file with one defect of each kind gives Pinterest's counts and
 * codes, and item issues name the rows; a changed file adds, updates and removes
 * items; the large-decrease guard and the same-signature warning; file-level
 * failures; `ad_account_id` for the catalogs roles; an ingestion survives a restart.
 * Every answer is checked against the spec.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assertError, Client, startTestPinbox, unique, useServer, walk } from '../../../test/harness.js';
import { ControlClient, rawApi } from '../../../test/control.js';
import { adAccount, adsPerson } from '../../../test/ads.js';
import { itemsById, makeCatalog, makeFeed, merchant, processed, product, retailCsv, useFeedHost } from '../../../test/catalogs.js';

const server = useServer();
const host = useFeedHost();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

describe('catalogs', () => {
  test('a business user makes RETAIL, HOTEL and CREATIVE_ASSETS catalogs and lists them, paged; a personal account is refused 654', async () => {
    const s = server();
    const shop = await merchant(s);
    const made = [await makeCatalog(shop.client, 'RETAIL'), await makeCatalog(shop.client, 'HOTEL'), await makeCatalog(shop.client, 'CREATIVE_ASSETS')];
    assert.deepEqual(made.map((c) => c.catalog_type), ['RETAIL', 'HOTEL', 'CREATIVE_ASSETS']);
    const listed = await walk(shop.client, '/catalogs', { page_size: 2 });
    assert.deepEqual(listed.map((c) => c.id), made.map((c) => c.id));
    const other = await merchant(s);
    assert.deepEqual((await other.client.get('/catalogs')).body.items, []);
    const personal = await adsPerson(s, true);
    assertError(await personal.client.post('/catalogs', { catalog_type: 'RETAIL', name: 'x' }), 403, 654);
    assertError(await shop.client.post('/catalogs', { catalog_type: 'SHOES', name: 'x' }), 400, 1, 'catalog_type');
  });

  test("ad_account_id acts for the account's owner for its owner, admin and catalogs manager; an analyst is refused", async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const catalog = await makeCatalog(owner.client);
    for (const role of ['ADMIN', 'CATALOGS_MANAGER', 'ANALYST']) {
      const caller = await adsPerson(s);
      await control().ok('POST', `/ad_accounts/${acct.id}/roles`, { user: caller.username, role });
      const listed = await caller.client.get('/catalogs', { query: { ad_account_id: acct.id } });
      if (role === 'ANALYST') assertError(listed, 403, 29);
      else assert.deepEqual(listed.body.items.map((c: any) => c.id), [catalog.id], role);
    }
  });
});

describe('feeds', () => {
  test('create refuses a missing default_country (501 4181), a duplicate name (422 4170), credentials in the URL, another user\'s catalog (404 678)', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const location = host().url('/never.csv');
    const body = { catalog_type: 'RETAIL', catalog_id: catalog.id, name: unique('feed'), format: 'CSV', location, default_locale: 'en-US' };
    // The checked client refuses every 5xx; this 501 is the spec's own (NotImplemented).
    const refused = await rawApi(shop.client.baseUrl, shop.client.token!, 'POST', '/catalogs/feeds', body);
    assert.deepEqual([refused.status, refused.body.code], [501, 4181]);
    const feed = await makeFeed(shop.client, catalog.id, location, { name: body.name });
    assert.equal(feed.status, 'ACTIVE');
    assertError(await shop.client.post('/catalogs/feeds', { ...body, default_country: 'US' }), 422, 4170);
    assertError(await shop.client.post('/catalogs/feeds', { ...body, name: unique('f'), default_country: 'US', location: 'https://me:secret@shop.example/a.csv' }), 400, 1, 'location');
    assertError(await shop.client.post('/catalogs/feeds', { ...body, name: unique('f'), default_country: 'US', location: 'file:///etc/passwd' }), 400, 1, 'location');
    assertError(await shop.client.post('/catalogs/feeds', { ...body, name: unique('f'), default_country: 'XX' }), 400, 1, 'default_country');
    const other = await merchant(s);
    assertError(await other.client.post('/catalogs/feeds', { ...body, name: unique('f'), default_country: 'US' }), 404, 678);
    assertError(await other.client.get(`/catalogs/feeds/${feed.id}`), 404, 4161);
    const renamed = await shop.client.patch(`/catalogs/feeds/${feed.id}`, { name: 'renamed', status: 'INACTIVE', preferred_processing_schedule: { time: '02:30', timezone: 'Europe/Paris' } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual([renamed.body.name, renamed.body.status, renamed.body.preferred_processing_schedule], ['renamed', 'INACTIVE', { time: '02:30', timezone: 'Europe/Paris' }]);
    assertError(await shop.client.patch(`/catalogs/feeds/${feed.id}`, { preferred_processing_schedule: { time: '02:30', timezone: 'Mars/Olympus' } }), 400, 1, 'preferred_processing_schedule.timezone');
    assert.deepEqual((await walk(shop.client, '/catalogs/feeds', { catalog_id: catalog.id })).map((f) => f.id), [feed.id]);
    assert.equal((await shop.client.delete(`/catalogs/feeds/${feed.id}`)).status, 204);
    assertError(await shop.client.get(`/catalogs/feeds/${feed.id}`), 404, 4161);
  });

  test('a good CSV is PROCESSING until the clock has moved, then COMPLETED with every item, its counters and its items readable', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const rows = [product('a1'), product('a2', { availability: 'out of stock', price: '10USD' }), product('a3', { availability: 'preorder', price: '5', title: 'Chair, "oak"' })];
    host().put('/good.csv', { body: retailCsv(rows) });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/good.csv'));
    const before = await shop.client.get(`/catalogs/feeds/${feed.id}/processing_results`);
    assert.deepEqual(before.body.items.map((r: any) => r.status), ['PROCESSING']);
    assert.equal(before.body.items[0].product_counts, null);
    assert.equal((await itemsById(shop.client, catalog.id, ['a1'])).size, 0, 'nothing is ingested before the clock moves');

    const result = await processed(s, shop.client, feed.id);
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.product_counts, { original: 3, ingested: 3 });
    assert.deepEqual(result.ingestion_details.info, { IN_STOCK: 1, OUT_OF_STOCK: 1, PREORDER: 1 });
    assert.deepEqual(result.validation_details.errors, {});
    const items = await itemsById(shop.client, catalog.id, ['a1', 'a2', 'a3', 'nope']);
    assert.deepEqual([...items.keys()].sort(), ['a1', 'a2', 'a3']);
    assert.equal(items.get('a3').attributes.title, 'Chair, "oak"');
    assert.equal(items.get('a2').attributes.price, '10.00 USD');
    assert.equal(items.get('a3').attributes.price, '5.00 USD');
    const missing = await shop.client.post('/catalogs/items', { country: 'US', language: 'en-US', filters: { catalog_type: 'RETAIL', catalog_id: catalog.id, item_ids: ['nope'] } });
    assert.equal(missing.body.items[0].errors[0].attribute, 'item_id');
    const values = await shop.client.get('/catalogs/available_filter_values', { query: { catalog_id: catalog.id } });
    assert.deepEqual(values.body.filter_values.availability.sort(), ['IN_STOCK', 'OUT_OF_STOCK', 'PREORDER']);
  });

  test('a gzipped TSV and XML feeds (RSS 2.0 and Atom, g: namespace) are ingested to the right item count', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const columns = ['id', 'title', 'description', 'link', 'image_link', 'price', 'availability', 'condition'];
    const tsv = [columns.join('\t'), ...['t1', 't2', 't3', 't4'].map((id) => columns.map((c) => product(id)[c]).join('\t'))].join('\n');
    host().put('/feed.tsv.gz', { body: gzipSync(tsv), headers: { 'content-type': 'application/gzip' } });
    const tsvFeed = await makeFeed(shop.client, catalog.id, host().url('/feed.tsv.gz'), { format: 'TSV' });
    const tsvResult = await processed(s, shop.client, tsvFeed.id);
    assert.deepEqual([tsvResult.status, tsvResult.product_counts], ['COMPLETED', { original: 4, ingested: 4 }]);

    const element = (id: string) =>
      Object.entries(product(id))
        .map(([key, value]) => (key === 'title' || key === 'link' ? `<${key}>${value}</${key}>` : `<g:${key}><![CDATA[${value}]]></g:${key}>`))
        .join('');
    const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>${['r1', 'r2'].map((id) => `<item>${element(id)}</item>`).join('')}</channel></rss>`;
    host().put('/feed.rss', { body: rss, headers: { 'content-type': 'application/rss+xml' } });
    const rssFeed = await makeFeed(shop.client, catalog.id, host().url('/feed.rss'), { format: 'XML' });
    const atomEntry = (id: string) => element(id).replace(`<link>${product(id).link}</link>`, `<link href="${product(id).link}"/>`);
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0"><title>Shop</title>${['x1', 'x2', 'x3'].map((id) => `<entry>${atomEntry(id)}</entry>`).join('')}</feed>`;
    host().put('/feed.atom', { body: atom });
    const atomFeed = await makeFeed(shop.client, catalog.id, host().url('/feed.atom'), { format: 'XML' });
    await s.pinbox.clock.advance('16m');
    for (const [feed, count] of [
      [rssFeed, 2],
      [atomFeed, 3],
    ] as const) {
      const [result] = (await shop.client.get(`/catalogs/feeds/${feed.id}/processing_results`)).body.items;
      assert.deepEqual([result.status, result.product_counts], ['COMPLETED', { original: count, ingested: count }], JSON.stringify(result));
    }
    const items = await itemsById(shop.client, catalog.id, ['t1', 't4', 'r1', 'r2', 'x1', 'x3']);
    assert.equal(items.size, 6);
    assert.equal(items.get('x3').attributes.link, product('x3').link);
    assert.deepEqual(items.get('r1').attributes.image_link, [product('r1').image_link]);
  });

  test('one defect of each kind: the counts and codes are Pinterest\'s, bad rows are not ingested, item issues name the rows', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const columns = ['id', 'title', 'description', 'link', 'image_link', 'price', 'availability', 'condition', 'sale_price', 'gender'];
    const rows: Record<string, string>[] = [
      product('ok1'),
      product('', {}),
      product('d-title', { title: '' }),
      product('d-desc', { description: '' }),
      product('d-link', { link: '' }),
      product('d-image', { image_link: '' }),
      product('d-price', { price: '' }),
      product('d-price-bad', { price: 'twelve dollars' }),
      product('d-currency', { price: '12.00 XYZ' }),
      product('d-avail', { availability: 'sometimes' }),
      product('d-scheme', { link: 'ftp://shop.example/p' }),
      product('d-image-scheme', { image_link: 'javascript:alert(1)' }),
      product('d-long-link', { link: `https://shop.example/${'x'.repeat(600)}` }),
      product('ok1', { title: 'duplicate' }),
      product('w-title', { title: 'T'.repeat(501) }),
      product('w-sale', { sale_price: '99.00 USD' }),
      product('w-condition', { condition: 'mint' }),
      product('w-gender', { gender: 'robot' }),
    ];
    const csv = retailCsv(rows, columns) + 'short,row\n';
    host().put('/defects.csv', { body: csv });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/defects.csv'));
    const result = await processed(s, shop.client, feed.id);
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.product_counts, { original: 19, ingested: 5 });
    assert.deepEqual(result.validation_details.errors, {
      ITEMID_MISSING: 1,
      TITLE_MISSING: 1,
      DESCRIPTION_MISSING: 1,
      PRODUCT_LINK_MISSING: 1,
      IMAGE_LINK_MISSING: 1,
      PRICE_MISSING: 1,
      PRODUCT_PRICE_INVALID: 2,
      AVAILABILITY_INVALID: 1,
      LINK_FORMAT_INVALID: 1,
      IMAGE_LINK_INVALID: 1,
      LINK_LENGTH_TOO_LONG: 1,
      DUPLICATE_PRODUCTS: 1,
      PARSE_LINE_ERROR: 1,
    });
    assert.deepEqual(result.validation_details.warnings, { TITLE_LENGTH_TOO_LONG: 1, SALES_PRICE_TOO_HIGH: 1, OPTIONAL_CONDITION_INVALID: 1, GENDER_INVALID: 1 });
    const items = await itemsById(shop.client, catalog.id, rows.map((r) => r.id).filter(Boolean));
    assert.deepEqual([...items.keys()].sort(), ['ok1', 'w-condition', 'w-gender', 'w-sale', 'w-title']);
    assert.equal(items.get('ok1').attributes.title, 'Product ok1', 'the first row with an id wins; the duplicate is refused');

    const issues = await walk(shop.client, `/catalogs/processing_results/${result.id}/item_issues`, { page_size: 5 });
    const byNumber = new Map(issues.map((issue) => [issue.item_number, issue]));
    assert.deepEqual(byNumber.get(2), { item_number: 2, item_id: 'd-title', errors: { TITLE_MISSING: { attribute_name: 'TITLE', provided_value: null } }, warnings: {} });
    assert.equal(byNumber.get(13).item_id, 'ok1');
    assert.deepEqual(Object.keys(byNumber.get(13).errors), ['DUPLICATE_PRODUCTS']);
    assert.deepEqual(byNumber.get(9).errors.AVAILABILITY_INVALID, { attribute_name: 'AVAILABILITY', provided_value: 'sometimes' });
    assert.deepEqual(Object.keys(byNumber.get(18).errors), ['PARSE_LINE_ERROR']);
    assert.ok(!byNumber.has(0), 'a clean row has no issues');
    const onlyPrices = await shop.client.get(`/catalogs/processing_results/${result.id}/item_issues`, { query: { item_validation_issue: 'PRODUCT_PRICE_INVALID' } });
    assert.deepEqual(onlyPrices.body.items.map((i: any) => i.item_id), ['d-price-bad', 'd-currency']);
    const other = await merchant(s);
    assertError(await other.client.get(`/catalogs/processing_results/${result.id}/item_issues`), 404, 4184);
  });

  test('a second ingest after the file changed adds, updates and removes the right items; an unchanged file gives FETCH_SAME_SIGNATURE', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    host().put('/change.csv', { body: retailCsv([product('k1'), product('k2'), product('k3')]) });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/change.csv'));
    await processed(s, shop.client, feed.id);
    host().put('/change.csv', { body: retailCsv([product('k1'), product('k2', { title: 'New title', price: '30.00 USD' }), product('k4')]) });
    const ingestion = await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    assert.equal(ingestion.status, 200, JSON.stringify(ingestion.body));
    assert.deepEqual([ingestion.body.feed_id, ingestion.body.status], [feed.id, 'PROCESSING']);
    assert.equal((await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`)).body.id, ingestion.body.id, 'one ingestion at a time');
    const second = await processed(s, shop.client, feed.id);
    assert.equal(second.id, ingestion.body.id);
    assert.deepEqual(second.product_counts, { original: 3, ingested: 3 });
    assert.equal(second.validation_details.warnings.FETCH_SAME_SIGNATURE, undefined);
    const items = await itemsById(shop.client, catalog.id, ['k1', 'k2', 'k3', 'k4']);
    assert.deepEqual([...items.keys()].sort(), ['k1', 'k2', 'k4']);
    assert.deepEqual([items.get('k2').attributes.title, items.get('k2').attributes.price], ['New title', '30.00 USD']);

    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    const third = await processed(s, shop.client, feed.id);
    assert.equal(third.validation_details.warnings.FETCH_SAME_SIGNATURE, 1);
    assert.equal((await itemsById(shop.client, catalog.id, ['k1', 'k2', 'k4'])).size, 3);
    const all = await walk(shop.client, `/catalogs/feeds/${feed.id}/processing_results`, { page_size: 1 });
    assert.deepEqual(all.map((r) => r.id), [third.id, second.id, all[2].id], 'newest first');
  });

  test('a file unchanged for 90 days fails with FETCH_INACTIVE_FEED_ERROR, its items kept; a changed file completes again', async () => {
    const s = server();
    const made = await merchant(s);
    // A token that outlives the 91 days the clock moves.
    const shop = { client: s.api.withToken((await s.pinbox.admin.issueToken({ username: made.username, lifetimeMs: 365 * 86_400_000 })).token) };
    const catalog = await makeCatalog(shop.client);
    host().put('/stale.csv', { body: retailCsv([product('s1'), product('s2')]) });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/stale.csv'));
    assert.equal((await processed(s, shop.client, feed.id)).status, 'COMPLETED');
    await control().ok('POST', '/clock/advance', { by: '89d' });
    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    const early = await processed(s, shop.client, feed.id);
    assert.deepEqual([early.status, early.validation_details.warnings.FETCH_SAME_SIGNATURE, early.validation_details.errors.FETCH_INACTIVE_FEED_ERROR], ['COMPLETED', 1, undefined]);
    await control().ok('POST', '/clock/advance', { by: '2d' });
    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    const stale = await processed(s, shop.client, feed.id);
    assert.deepEqual([stale.status, stale.validation_details.errors.FETCH_INACTIVE_FEED_ERROR], ['FAILED', 1], JSON.stringify(stale));
    assert.equal((await itemsById(shop.client, catalog.id, ['s1', 's2'])).size, 2, 'the items stay');
    host().put('/stale.csv', { body: retailCsv([product('s1'), product('s3')]) });
    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    const fresh = await processed(s, shop.client, feed.id);
    assert.deepEqual([fresh.status, fresh.validation_details.errors.FETCH_INACTIVE_FEED_ERROR], ['COMPLETED', undefined]);
    assert.deepEqual([...(await itemsById(shop.client, catalog.id, ['s1', 's2', 's3'])).keys()].sort(), ['s1', 's3']);
  });

  test('a file that drops more than 99% of the items trips LARGE_PRODUCT_COUNT_DECREASE and changes nothing', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const ids = Array.from({ length: 150 }, (_, i) => `big${i}`);
    host().put('/shrink.csv', { body: retailCsv(ids.map((id) => product(id))) });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/shrink.csv'));
    assert.deepEqual((await processed(s, shop.client, feed.id)).product_counts, { original: 150, ingested: 150 });
    host().put('/shrink.csv', { body: retailCsv([product('big0', { title: 'changed' })]) });
    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    const guarded = await processed(s, shop.client, feed.id);
    assert.equal(guarded.status, 'FAILED');
    assert.deepEqual(guarded.ingestion_details.errors, { LARGE_PRODUCT_COUNT_DECREASE: 1 });
    const items = await itemsById(shop.client, catalog.id, ids);
    assert.equal(items.size, 150);
    assert.equal(items.get('big0').attributes.title, 'Product big0');
    // Two of 150 is above 1%: applied.
    host().put('/shrink.csv', { body: retailCsv([product('big0'), product('big1')]) });
    await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
    assert.equal((await processed(s, shop.client, feed.id)).status, 'COMPLETED');
    assert.equal((await itemsById(shop.client, catalog.id, ids)).size, 2);
  });

  test('file-level failures: FETCH_ERROR, REQUIRED_COLUMNS_MISSING, MALFORMED_XML, ENCODING_ERROR fail the ingestion and keep the items', async () => {
    const s = server();
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    const cases: [string, { body: string | Buffer; status?: number }, string, string][] = [
      ['/missing.csv', { body: 'gone', status: 404 }, 'CSV', 'FETCH_ERROR'],
      ['/columns.csv', { body: 'id,title\na,b\n' }, 'CSV', 'REQUIRED_COLUMNS_MISSING'],
      ['/broken.xml', { body: '<rss><channel><item><g:id>1</g:id></item>' }, 'XML', 'MALFORMED_XML'],
      ['/latin1.csv', { body: Buffer.concat([Buffer.from(retailCsv([product('l1')])), Buffer.from([0xff, 0xfe, 0x0a])]) }, 'CSV', 'ENCODING_ERROR'],
    ];
    for (const [path, file, format, code] of cases) {
      host().put(path, file);
      const feed = await makeFeed(shop.client, catalog.id, host().url(path), { format });
      const result = await processed(s, shop.client, feed.id);
      assert.equal(result.status, 'FAILED', path);
      assert.equal(result.validation_details.errors[code], 1, `${path}: ${JSON.stringify(result.validation_details)}`);
    }
    assert.equal((await itemsById(shop.client, catalog.id, ['l1'])).size, 0);
  });

  test('credentials are sent as HTTP Basic; a hotel feed is checked by hotel attributes', async () => {
    const s = server();
    const shop = await merchant(s);
    const hotels = await makeCatalog(shop.client, 'HOTEL');
    const columns = ['hotel_id', 'name', 'description', 'link', 'image_link', 'base_price'];
    const line = (id: string, name: string) => [id, name, 'A hotel', `https://hotel.example/${id}`, `https://hotel.example/${id}.jpg`, '120.00 USD'].join(',');
    host().put('/hotels.csv', { body: [columns.join(','), line('h1', 'Grand'), line('h2', ''), line('h1', 'Again')].join('\n') });
    const feed = await makeFeed(shop.client, hotels.id, host().url('/hotels.csv'), {
      catalog_type: 'HOTEL',
      default_country: undefined,
      credentials: { username: 'feeds', password: 's3cret' },
    });
    assert.deepEqual(feed.credentials, { username: 'feeds', password: 's3cret' });
    const result = await processed(s, shop.client, feed.id);
    assert.deepEqual(result.product_counts, { original: 3, ingested: 1 });
    assert.deepEqual(result.validation_details.errors, { TITLE_MISSING: 1, DUPLICATE_PRODUCTS: 1 });
    assert.ok(host().requests.includes(`/hotels.csv Basic ${Buffer.from('feeds:s3cret').toString('base64')}`));
  });
});

test('an ingestion queued before a restart is run by the restarted pinbox when its time comes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-feed-restart-'));
  const data = join(dir, 'pinbox.db');
  try {
    const first = await startTestPinbox({ data, port: 0 });
    const s = { pinbox: first, api: new Client(first.url, first.token) };
    const shop = await merchant(s);
    const catalog = await makeCatalog(shop.client);
    host().put('/restart.csv', { body: retailCsv([product('z1'), product('z2')]) });
    const feed = await makeFeed(shop.client, catalog.id, host().url('/restart.csv'));
    await first.close();
    const second = await startTestPinbox({ data, port: 0 });
    try {
      const again = shop.client.withToken(shop.client.token);
      const client = new Client(second.url, again.token);
      await second.clock.advance('16m');
      const [result] = (await client.get(`/catalogs/feeds/${feed.id}/processing_results`)).body.items;
      assert.deepEqual([result.status, result.product_counts], ['COMPLETED', { original: 2, ingested: 2 }]);
      assert.equal((await itemsById(client, catalog.id, ['z1', 'z2'])).size, 2);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
