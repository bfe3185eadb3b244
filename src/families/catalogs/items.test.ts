/**
 * Items over HTTP: items/batch runs on pinbox's clock, item by item (a bad item
 * fails alone, naming the attribute), with CREATE, UPDATE (and update_mask), UPSERT,
 * DELETE and DELETE_DISCONTINUED, and the operations a feed-fed catalog may not use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer, type Client, type TestServer } from '../../../test/harness.js';
import { itemsById, makeCatalog, makeFeed, merchant, processed, product, retailCsv, useFeedHost } from '../../../test/catalogs.js';

const server = useServer();
const host = useFeedHost();

/** An API item's attributes (what a feed row holds, less the id). */
const attributes = (id: string, extra: Record<string, unknown> = {}) => {
  const { id: _id, ...rest } = product(id);
  return { ...rest, ...extra };
};

/** Submits a batch, checks it is PROCESSING, moves the clock and answers it finished. */
async function batch(s: TestServer, client: Client, body: Record<string, unknown>): Promise<any> {
  const submitted = await client.post('/catalogs/items/batch', { country: 'US', language: 'en-US', ...body });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  assert.equal(submitted.body.status, 'PROCESSING');
  assert.ok(submitted.body.items.every((item: any) => item.status === 'PROCESSING'));
  await s.pinbox.clock.advance('61s');
  const done = await client.get(`/catalogs/items/batch/${submitted.body.batch_id}`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return done.body;
}

test('a batch with good and bad items: each good one written, each bad one FAILURE with errors naming the attribute', async () => {
  const s = server();
  const shop = await merchant(s);
  const catalog = await makeCatalog(shop.client);
  const done = await batch(s, shop.client, {
    catalog_type: 'RETAIL',
    catalog_id: catalog.id,
    items: [
      { operation: 'CREATE', item_id: 'b1', attributes: attributes('b1') },
      { operation: 'CREATE', item_id: 'b2', attributes: attributes('b2', { price: 'free' }) },
      { operation: 'CREATE', item_id: 'b3', attributes: attributes('b3', { link: 'ftp://x' }) },
      { operation: 'UPSERT', item_id: 'b4', attributes: attributes('b4', { custom_number_0: 7 }) },
    ],
  });
  assert.equal(done.status, 'COMPLETED');
  assert.match(done.batch_id, /^\d+-[0-9a-f]+$/);
  assert.ok(done.completed_time);
  assert.deepEqual(done.items.map((i: any) => [i.item_id, i.status]), [['b1', 'SUCCESS'], ['b2', 'FAILURE'], ['b3', 'FAILURE'], ['b4', 'SUCCESS']]);
  assert.deepEqual(done.items[1].errors.map((e: any) => [e.attribute, e.message.split(' ')[0]]), [['price', 'PRODUCT_PRICE_INVALID']]);
  assert.deepEqual(done.items[2].errors.map((e: any) => e.attribute), ['item_link']);
  const items = await itemsById(shop.client, catalog.id, ['b1', 'b2', 'b3', 'b4']);
  assert.deepEqual([...items.keys()].sort(), ['b1', 'b4']);
  assert.equal(items.get('b4').attributes.custom_number_0, 7);
});

test('UPDATE with update_mask changes the masked attributes (one given no value is deleted); DELETE_DISCONTINUED marks out of stock; DELETE removes; unknown ids fail', async () => {
  const s = server();
  const shop = await merchant(s);
  const catalog = await makeCatalog(shop.client);
  await batch(s, shop.client, { catalog_id: catalog.id, catalog_type: 'RETAIL', items: ['u1', 'u2', 'u3'].map((id) => ({ operation: 'UPSERT', item_id: id, attributes: attributes(id, { brand: 'Acme' }) })) });
  const done = await batch(s, shop.client, {
    catalog_id: catalog.id,
    catalog_type: 'RETAIL',
    items: [
      { operation: 'UPDATE', item_id: 'u1', attributes: { title: 'Masked in', description: 'not masked' }, update_mask: ['title', 'brand'] },
      { operation: 'DELETE_DISCONTINUED', item_id: 'u2' },
      { operation: 'DELETE', item_id: 'u3' },
      { operation: 'UPDATE', item_id: 'ghost', attributes: { title: 'x' } },
      { operation: 'CREATE', item_id: 'u1', attributes: attributes('u1') },
    ],
  });
  assert.deepEqual(done.items.map((i: any) => i.status), ['SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE', 'FAILURE']);
  assert.equal(done.items[3].errors[0].attribute, 'item_id');
  const items = await itemsById(shop.client, catalog.id, ['u1', 'u2', 'u3']);
  assert.deepEqual([...items.keys()].sort(), ['u1', 'u2']);
  assert.equal(items.get('u1').attributes.title, 'Masked in');
  assert.equal(items.get('u1').attributes.description, 'The product u1');
  assert.equal(items.get('u1').attributes.brand, undefined);
  assert.equal(items.get('u2').attributes.availability, 'out of stock');
});

test('a feed-fed catalog refuses CREATE and UPSERT per item but takes UPDATE; the legacy request form works on the oldest retail catalog; unknown batch 404 4331', async () => {
  const s = server();
  const shop = await merchant(s);
  const catalog = await makeCatalog(shop.client);
  host().put('/fed.csv', { body: retailCsv([product('f1')]) });
  const feed = await makeFeed(shop.client, catalog.id, host().url('/fed.csv'));
  await processed(s, shop.client, feed.id);
  const done = await batch(s, shop.client, {
    operation: 'UPDATE',
    items: [{ item_id: 'f1', attributes: { title: 'From the API' } }],
  });
  assert.deepEqual(done.items.map((i: any) => i.status), ['SUCCESS']);
  const refused = await batch(s, shop.client, {
    catalog_id: catalog.id,
    catalog_type: 'RETAIL',
    items: [
      { operation: 'CREATE', item_id: 'f2', attributes: attributes('f2') },
      { operation: 'UPSERT', item_id: 'f1', attributes: attributes('f1') },
    ],
  });
  assert.equal(refused.status, 'FAILED');
  assert.ok(refused.items.every((i: any) => i.status === 'FAILURE' && i.errors[0].attribute === 'operation'));
  assert.equal((await itemsById(shop.client, catalog.id, ['f1'])).get('f1').attributes.title, 'From the API');
  assertError(await shop.client.get('/catalogs/items/batch/12345-abc'), 404, 4331);
  assertError(await shop.client.post('/catalogs/items/batch', { country: 'US', language: 'en-US', items: [{ item_id: 'x' }] }), 400, 1, 'items[0].operation');
  assertError(await shop.client.post('/catalogs/items/batch', { country: 'US', language: 'en-US', operation: 'CREATE', items: [] }), 400, 1, 'items');
  const other = await merchant(s);
  assertError(await other.client.post('/catalogs/items/batch', { country: 'US', language: 'en-US', operation: 'DELETE', items: [{ item_id: 'f1' }] }), 409, 4182);
});
