/**
 * Catalogs in the store's state: a fixture declares catalogs, feeds (a file beside
 * the fixture, ingested as it loads) and items; a snapshot holds them and gives them
 * back after a reset; a user's reset takes theirs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { useServer, unique, Client } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { itemsById } from '../../../test/catalogs.js';

const server = useServer();
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/catalogs/', import.meta.url));

test('a fixture loads a catalog with a feed file and inline items; snapshot, reset and restore carry them; a user reset removes them', async () => {
  const s = server();
  const control = new ControlClient(s.pinbox.url, s.pinbox.adminKey);
  const owner = unique('merchant');
  const fixture = {
    users: [{ username: owner, account_type: 'business' }],
    tokens: [{ user: owner, scopes: ['catalogs:read', 'catalogs:write'], token: `pina_${owner}_catalogs_token_0123456789` }],
    catalogs: [
      {
        name: 'Mugs',
        owner,
        feeds: [{ name: 'mugs feed', file: 'mugs.csv' }],
        items: [{ item_id: 'cup-1', attributes: { title: 'Cup', description: 'A cup', link: 'https://shop.example/cup', image_link: 'https://shop.example/cup.jpg', price: '5 USD', availability: 'in stock' } }],
      },
    ],
  };
  const loaded = await control.request('POST', `/fixtures?base_dir=${encodeURIComponent(FIXTURES)}`, fixture);
  assert.equal(loaded.status, 201, JSON.stringify(loaded.body));
  const [made] = loaded.body.catalogs;
  const client = new Client(s.pinbox.url, fixture.tokens[0].token);
  const check = async () => {
    const items = await itemsById(client, made.id, ['mug-1', 'mug-2', 'mug-3', 'cup-1']);
    assert.deepEqual([...items.keys()].sort(), ['cup-1', 'mug-1', 'mug-2']);
    const [result] = (await client.get(`/catalogs/feeds/${made.feeds[0]}/processing_results`)).body.items;
    assert.deepEqual([result.status, result.product_counts, result.validation_details.errors], ['COMPLETED', { original: 3, ingested: 2 }, { TITLE_MISSING: 1 }]);
  };
  await check();

  const bad = structuredClone(fixture);
  bad.users[0].username = unique('other');
  bad.tokens = [];
  bad.catalogs[0].owner = bad.users[0].username;
  bad.catalogs[0].feeds[0].file = 'missing.csv';
  const refused = await control.request('POST', `/fixtures?base_dir=${encodeURIComponent(FIXTURES)}`, bad);
  assert.equal(refused.status, 400);
  assert.match(refused.body.message, /'catalogs\[0\]\.feeds\[0\]\.file'/);

  const snapshot = (await control.request('GET', '/snapshot')).body;
  assert.ok(snapshot.tables.catalog_items.rows.length >= 3);
  await control.ok('POST', '/reset');
  assert.equal((await control.request('GET', '/snapshot')).body.tables.catalog_items.rows.length, 0);
  await control.ok('PUT', '/snapshot', snapshot);
  await check();

  await control.ok('POST', '/reset', { user: owner });
  assert.deepEqual((await client.get('/catalogs')).body.items, []);
});
