/**
 * Creative-assets catalogs over HTTP: a CREATIVE_ASSETS feed is made, listed, read,
 * ingested and updated, its items read by `creative_assets_ids` and answered by
 * `creative_assets_id`, and every answer meets the spec's schemas (the harness
 * checks each against its discriminated variant).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from '../../../test/harness.js';
import { makeCatalog, merchant, processed, useFeedHost } from '../../../test/catalogs.js';

const server = useServer();
const host = useFeedHost();

describe('creative-assets feeds', () => {
  test('create, get, list, ingest, update and its items answer as the spec says', async () => {
    const shop = await merchant(server());
    const catalog = await makeCatalog(shop.client, 'CREATIVE_ASSETS');
    host().put('/assets.csv', {
      body: 'creative_assets_id,title,description,link,image_link\nca-1,Spring banner,A banner,https://shop.example/s,https://shop.example/s.jpg\nca-2,Summer banner,Another,https://shop.example/t,https://shop.example/t.jpg\n',
    });
    const made = await shop.client.post('/catalogs/feeds', {
      catalog_type: 'CREATIVE_ASSETS',
      catalog_id: catalog.id,
      name: 'assets',
      format: 'CSV',
      location: host().url('/assets.csv'),
      default_country: 'US',
      default_locale: 'en-US',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.catalog_type, 'CREATIVE_ASSETS');
    assert.equal((await shop.client.get(`/catalogs/feeds/${made.body.id}`)).status, 200);
    const listed = await shop.client.get('/catalogs/feeds', { query: { catalog_id: catalog.id } });
    assert.deepEqual(listed.body.items.map((feed: any) => feed.id), [made.body.id]);
    const result = await processed(server(), shop.client, made.body.id);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.equal(result.product_counts.ingested, 2);
    const updated = await shop.client.patch(`/catalogs/feeds/${made.body.id}`, { catalog_type: 'CREATIVE_ASSETS', name: 'assets 2' });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.name, 'assets 2');
    const items = await shop.client.post('/catalogs/items', { country: 'US', language: 'en-US', filters: { catalog_type: 'CREATIVE_ASSETS', catalog_id: catalog.id, creative_assets_ids: ['ca-1'] } });
    assert.equal(items.status, 200, JSON.stringify(items.body));
    assert.deepEqual(items.body.items.map((item: any) => [item.catalog_type, item.creative_assets_id, item.attributes?.title]), [['CREATIVE_ASSETS', 'ca-1', 'Spring banner']]);
    const missing = await shop.client.post('/catalogs/items', { country: 'US', language: 'en-US', filters: { catalog_type: 'CREATIVE_ASSETS', catalog_id: catalog.id, creative_assets_ids: ['nope'] } });
    assert.equal(missing.body.items[0].creative_assets_id, 'nope');
    assert.equal(missing.body.items[0].errors.length, 1);
    assertError(await shop.client.post('/catalogs/items', { country: 'US', language: 'en-US', filters: { catalog_type: 'CREATIVE_ASSETS', catalog_id: catalog.id, item_ids: ['ca-1'] } }), 400, 1, 'filters.item_ids');
    assertError(await shop.client.post('/catalogs/items', { country: 'US', language: 'en-US', filters: { catalog_type: 'CREATIVE_ASSETS', catalog_id: catalog.id } }), 400, 1, 'filters.creative_assets_ids');
  });
});
