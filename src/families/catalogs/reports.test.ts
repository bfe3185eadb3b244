/**
 * Catalog reports over HTTP: built on pinbox's clock with a served file; one report
 * a day for identical requests (the same token, the same file, even after the data
 * changed); reports/stats; 1104 for a bad token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from '../../../test/harness.js';
import { makeCatalog, makeFeed, merchant, processed, product, retailCsv, useFeedHost } from '../../../test/catalogs.js';

const server = useServer();
const host = useFeedHost();

test('FEED_INGESTION_ISSUES, DISTRIBUTION_ISSUES and ALL_ITEMS: IN_PROGRESS until the clock moves, then a file; identical requests that day get the same report; stats count the codes', async () => {
  const s = server();
  const shop = await merchant(s);
  const catalog = await makeCatalog(shop.client);
  host().put('/report.csv', { body: retailCsv([product('r1'), product('r2', { title: '' }), product('r3', { availability: 'out of stock' }), product('r4', { price: 'x' })]) });
  const feed = await makeFeed(shop.client, catalog.id, host().url('/report.csv'));
  await processed(s, shop.client, feed.id);

  const ask = async (report: Record<string, unknown>) => {
    const made = await shop.client.post('/catalogs/reports', { catalog_type: 'RETAIL', report });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.token as string;
  };
  const issues = await ask({ report_type: 'FEED_INGESTION_ISSUES', feed_id: feed.id });
  assert.deepEqual((await shop.client.get('/catalogs/reports', { query: { token: issues } })).body, { report_status: 'IN_PROGRESS', url: null, size: null });
  await s.pinbox.clock.advance('61s');
  const finished = (await shop.client.get('/catalogs/reports', { query: { token: issues } })).body;
  assert.equal(finished.report_status, 'FINISHED');
  const file = await (await fetch(finished.url)).text();
  assert.equal(Buffer.byteLength(file), finished.size);
  assert.match(file, /^item_number,item_id,code,severity,attribute,provided\n/);
  assert.match(file, /1,r2,TITLE_MISSING,error,TITLE,/);
  assert.match(file, /3,r4,PRODUCT_PRICE_INVALID,error,PRICE,x/);

  const distribution = await ask({ report_type: 'DISTRIBUTION_ISSUES', catalog_id: catalog.id });
  const all = await ask({ report_type: 'ALL_ITEMS', catalog_id: catalog.id });
  await s.pinbox.clock.advance('61s');
  const read = async (token: string) => fetch((await shop.client.get('/catalogs/reports', { query: { token } })).body.url).then((r) => r.text());
  assert.equal(await read(distribution), 'item_id,code_label,ineligible_for_ads,ineligible_for_organic\nr3,OUT_OF_STOCK,true,false\n');
  const allFile = await read(all);
  assert.equal(allFile, 'item_id,availability,price\nr1,IN_STOCK,24.99 USD\nr3,OUT_OF_STOCK,24.99 USD\n');

  // The same request later that day: the same report, though the items changed meanwhile.
  host().put('/report.csv', { body: retailCsv([product('r1'), product('r3'), product('r5')]) });
  await shop.client.post(`/catalogs/feeds/${feed.id}/ingest`);
  await processed(s, shop.client, feed.id);
  assert.equal(await ask({ report_type: 'ALL_ITEMS', catalog_id: catalog.id }), all);
  assert.equal(await read(all), allFile);
  // The next day, a new one.
  await s.pinbox.clock.advance('1d');
  const tomorrow = await ask({ report_type: 'ALL_ITEMS', catalog_id: catalog.id });
  assert.notEqual(tomorrow, all);
  await s.pinbox.clock.advance('61s');
  assert.equal(await read(tomorrow), 'item_id,availability,price\nr1,IN_STOCK,24.99 USD\nr3,IN_STOCK,24.99 USD\nr5,IN_STOCK,24.99 USD\n');

  const stats = await shop.client.get('/catalogs/reports/stats', {
    query: { 'parameters[catalog_type]': 'RETAIL', 'parameters[report][report_type]': 'DISTRIBUTION_ISSUES', 'parameters[report][catalog_id]': catalog.id },
  });
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  assert.deepEqual(stats.body.items, []);
  assertError(await shop.client.get('/catalogs/reports', { query: { token: 'nonsense' } }), 400, 1104);
  assertError(await shop.client.get('/catalogs/reports', { query: { token: '0'.repeat(32) } }), 400, 1104);
  const other = await merchant(s);
  assertError(await other.client.get('/catalogs/reports', { query: { token: all } }), 400, 1104);
  assertError(await other.client.post('/catalogs/reports', { catalog_type: 'RETAIL', report: { report_type: 'FEED_INGESTION_ISSUES', feed_id: feed.id } }), 404, 4161);
});

test('reports/stats counts each code of the newest ingestion, with its severity', async () => {
  const s = server();
  const shop = await merchant(s);
  const catalog = await makeCatalog(shop.client);
  host().put('/stats.csv', { body: retailCsv([product('s1', { title: '' }), product('s2', { title: '' }), product('s3', { condition: 'mint' })]) });
  const feed = await makeFeed(shop.client, catalog.id, host().url('/stats.csv'));
  await processed(s, shop.client, feed.id);
  const stats = await shop.client.get('/catalogs/reports/stats', {
    query: { 'parameters[catalog_type]': 'RETAIL', 'parameters[report][report_type]': 'FEED_INGESTION_ISSUES', 'parameters[report][feed_id]': feed.id },
  });
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  assert.deepEqual(
    stats.body.items.map((row: any) => [row.code_label, row.severity, row.occurrences]),
    [['OPTIONAL_CONDITION_INVALID', 'WARN', 1], ['TITLE_MISSING', 'ERROR', 2]],
  );
  assertError(await shop.client.get('/catalogs/reports/stats', { query: { 'parameters[catalog_type]': 'SHOES' } }), 400, 1, 'parameters.catalog_type');
});
