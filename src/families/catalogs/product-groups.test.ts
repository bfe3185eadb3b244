/**
 * Product groups over HTTP: for a set of generated filters over generated items
 * (ingested from a feed), `products_by_product_group_filter/list`, a saved group's
 * `products` and its `product_counts` give exactly what a brute-force filter over
 * the same items gives; and the conflict and not-found codes of the reference.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, unique, useServer, type Client } from '../../../test/harness.js';
import { makeCatalog, makeFeed, merchant, processed, retailCsv, useFeedHost } from '../../../test/catalogs.js';

const server = useServer();
const host = useFeedHost();

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(21);
const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const some = <T,>(list: readonly T[], most = 3): T[] => [...new Set(Array.from({ length: 1 + Math.floor(rand() * most) }, () => pick(list)))];

const BRANDS = ['Acme', 'Globex', 'Initech', 'Umbrella'];
const LABELS = ['summer sale', 'winter', 'clearance', 'new season'];
const TYPES = [['Home', 'Furniture', 'Tables'], ['Home', 'Furniture', 'Chairs'], ['Home', 'Decor'], ['Garden', 'Tools', 'Spades'], ['Garden']];
const CATEGORIES = [['Apparel', 'Shoes'], ['Apparel', 'Hats'], ['Electronics']];
const WORDS = ['oak', 'steel', 'red', 'blue', 'vintage', 'compact'];
const AVAILABILITY = ['in stock', 'out of stock', 'preorder'];
const COLUMNS = ['id', 'title', 'description', 'link', 'image_link', 'price', 'availability', 'condition', 'brand', 'gender', 'item_group_id', 'product_type', 'google_product_category', 'custom_label_0', 'custom_label_1', 'custom_number_0', 'video_link'];

interface Generated {
  id: string;
  row: Record<string, string>;
}

function generateItems(n: number): Generated[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `item-${i}`;
    const row: Record<string, string> = {
      id,
      title: `${pick(WORDS)} ${pick(WORDS)} thing ${i}`,
      description: 'A thing',
      link: `https://shop.example/${id}`,
      image_link: `https://shop.example/${id}.jpg`,
      price: `${(1 + Math.floor(rand() * 20000) / 100).toFixed(2)} ${rand() < 0.9 ? 'USD' : 'EUR'}`,
      availability: pick(AVAILABILITY),
      condition: pick(['new', 'used', 'refurbished', '']),
      brand: rand() < 0.8 ? pick(BRANDS) : '',
      gender: pick(['male', 'female', 'unisex', '']),
      item_group_id: `g${i % 7}`,
      product_type: rand() < 0.85 ? pick(TYPES).join(' > ') : '',
      google_product_category: rand() < 0.7 ? pick(CATEGORIES).join(' > ') : '',
      custom_label_0: rand() < 0.7 ? pick(LABELS) : '',
      custom_label_1: rand() < 0.5 ? pick(LABELS) : '',
      custom_number_0: rand() < 0.7 ? String(Math.floor(rand() * 100)) : '',
      video_link: rand() < 0.2 ? `https://shop.example/${id}.mp4` : '',
    };
    return { id, row };
  });
}

// ---- the brute-force filter: the README's reading of the grammar, written independently ----
const low = (s: string) => s.trim().toLowerCase();
function path(value: string): string[] {
  return value ? value.split('>').map(low).filter(Boolean) : [];
}
function matches(item: Record<string, string>, key: string, c: any, groups: Map<string, any>): boolean {
  const has = (value: string, values: string[]) => values.map(low).includes(low(value));
  const price = Number(item.price.split(' ')[0]);
  let hit: boolean;
  if (key === 'MIN_PRICE') hit = c.inclusion === false ? price > c.values : price >= c.values;
  else if (key === 'MAX_PRICE') hit = c.inclusion === false ? price < c.values : price <= c.values;
  else if (key === 'CURRENCY') hit = item.price.split(' ')[1] === c.values;
  else if (key === 'ITEM_ID') hit = has(item.id, c.values);
  else if (key === 'BRAND') hit = item.brand !== '' && has(item.brand, c.values);
  else if (key === 'ITEM_GROUP_ID') hit = has(item.item_group_id, c.values);
  else if (key === 'AVAILABILITY') hit = c.values.map((v: string) => v.replace(/_/g, ' ').toLowerCase()).includes(item.availability);
  else if (key === 'CONDITION') hit = item.condition !== '' && has(item.condition, c.values);
  else if (key === 'GENDER') hit = item.gender !== '' && has(item.gender, c.values);
  else if (key === 'MEDIA_TYPE') hit = c.values.includes(item.video_link ? 'VIDEO' : 'IMAGE');
  else if (key === 'TITLE_KEYWORDS') hit = c.values.some((v: string) => low(item.title).includes(low(v)));
  else if (key.startsWith('CUSTOM_LABEL_')) {
    const value = item[key.toLowerCase()];
    hit = value !== '' && (c.filter_operator_type === 'CONTAINS' ? c.values.some((v: string) => low(value).includes(low(v))) : has(value, c.values));
  } else if (key.startsWith('CUSTOM_NUMBER_')) {
    const raw = item[key.toLowerCase()];
    const n = Number(raw);
    const ops: Record<string, (a: number, b: number) => boolean> = { GREATER_THAN: (a, b) => a > b, GREATER_THAN_OR_EQUALS: (a, b) => a >= b, LESS_THAN: (a, b) => a < b, LESS_THAN_OR_EQUALS: (a, b) => a <= b };
    hit = raw !== '' && ops[c.operator](n, c.value);
  } else if (key.startsWith('PRODUCT_TYPE_') || key.startsWith('GOOGLE_PRODUCT_CATEGORY_')) {
    const levels = path(item[key.startsWith('PRODUCT_TYPE_') ? 'product_type' : 'google_product_category']);
    hit = c.values.some((wanted: string[]) => wanted.every((level, i) => levels[i] === low(level)));
  } else if (key === 'PRODUCT_GROUP') hit = c.values.some((id: string) => evaluate(item, groups.get(id), groups));
  else throw new Error(`no brute force for ${key}`);
  return c.negated ? !hit : hit;
}
function evaluate(item: Record<string, string>, filters: any, groups: Map<string, any>): boolean {
  const all = 'all_of' in filters;
  const elements: any[] = all ? filters.all_of : filters.any_of;
  const results = elements.map((element) => {
    const [[key, c]] = Object.entries(element);
    return matches(item, key, c, groups);
  });
  return all ? results.every(Boolean) : results.some(Boolean);
}

function randomElement(): Record<string, unknown> {
  const negated = rand() < 0.25;
  const kind = pick(['price', 'currency', 'brand', 'availability', 'condition', 'gender', 'media', 'keywords', 'label', 'number', 'type', 'category', 'group', 'item']);
  switch (kind) {
    case 'price':
      return { [pick(['MIN_PRICE', 'MAX_PRICE'])]: { values: Math.floor(rand() * 200), inclusion: rand() < 0.5, negated } };
    case 'currency':
      return { CURRENCY: { values: pick(['USD', 'EUR']) } };
    case 'brand':
      return { BRAND: { values: some(BRANDS).map((b) => (rand() < 0.5 ? b.toUpperCase() : b)), negated } };
    case 'availability':
      return { AVAILABILITY: { values: some(['IN_STOCK', 'OUT_OF_STOCK', 'PREORDER'], 2), negated } };
    case 'condition':
      return { CONDITION: { values: some(['NEW', 'USED', 'REFURBISHED'], 2), negated } };
    case 'gender':
      return { GENDER: { values: some(['MALE', 'FEMALE', 'UNISEX'], 2), negated } };
    case 'media':
      return { MEDIA_TYPE: { values: [pick(['IMAGE', 'VIDEO'])], negated } };
    case 'keywords':
      return { TITLE_KEYWORDS: { values: some(WORDS, 2), negated } };
    case 'label':
      return { [pick(['CUSTOM_LABEL_0', 'CUSTOM_LABEL_1'])]: rand() < 0.5 ? { values: some(LABELS, 2), negated } : { values: [pick(['sale', 'win', 'season'])], filter_operator_type: 'CONTAINS', negated } };
    case 'number':
      return { CUSTOM_NUMBER_0: { operator: pick(['GREATER_THAN', 'GREATER_THAN_OR_EQUALS', 'LESS_THAN', 'LESS_THAN_OR_EQUALS']), value: Math.floor(rand() * 100), negated } };
    case 'type': {
      const level = Math.floor(rand() * 3);
      const paths = some(TYPES.filter((t) => t.length > level), 2).map((t) => t.slice(0, level + 1).map((l) => (rand() < 0.5 ? l.toLowerCase() : l)));
      return { [`PRODUCT_TYPE_${level}`]: { values: paths, negated } };
    }
    case 'category': {
      const level = Math.floor(rand() * 2);
      return { [`GOOGLE_PRODUCT_CATEGORY_${level}`]: { values: some(CATEGORIES.filter((t) => t.length > level), 2).map((t) => t.slice(0, level + 1)), negated } };
    }
    case 'item':
      return { ITEM_ID: { values: Array.from({ length: 5 }, () => `item-${Math.floor(rand() * 400)}`), negated } };
    default:
      return { ITEM_GROUP_ID: { values: some(['g0', 'g1', 'g2', 'g3', 'G4'], 2), negated } };
  }
}
const randomFilters = () => ({ [rand() < 0.5 ? 'all_of' : 'any_of']: Array.from({ length: 1 + Math.floor(rand() * 3) }, randomElement) });

async function allProducts(client: Client, path: string, method: 'GET' | 'POST', body?: unknown): Promise<string[]> {
  const ids: string[] = [];
  let bookmark: string | undefined;
  for (;;) {
    const query = { page_size: 250, bookmark };
    const response = method === 'GET' ? await client.get(path, { query }) : await client.post(path, body, { query });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    ids.push(...response.body.items.map((p: any) => p.metadata.item_id));
    if (!response.body.bookmark) return ids.sort();
    bookmark = response.body.bookmark;
  }
}

describe('product groups', () => {
  const items = generateItems(400);
  const rows = new Map(items.map((item) => [item.id, item.row]));
  let shop: { client: Client };
  let catalog: any;
  let feed: any;
  before(async () => {
    const s = server();
    shop = await merchant(s);
    catalog = await makeCatalog(shop.client);
    host().put('/groups.csv', { body: retailCsv(items.map((i) => i.row), COLUMNS) });
    feed = await makeFeed(shop.client, catalog.id, host().url('/groups.csv'));
    const result = await processed(s, shop.client, feed.id);
    assert.deepEqual(result.product_counts, { original: 400, ingested: 400 });
  });

  const brute = (filters: any, groups = new Map<string, any>()) => items.filter((item) => evaluate(item.row, filters, groups)).map((item) => item.id).sort();

  test('40 generated filters: get_by_product_group_filters lists exactly the items a brute-force filter keeps', async () => {
    for (let i = 0; i < 40; i++) {
      const filters = randomFilters();
      const listed = await allProducts(shop.client, '/catalogs/products/get_by_product_group_filters', 'POST', { feed_id: feed.id, filters });
      assert.deepEqual(listed, brute(filters), `filters ${JSON.stringify(filters)}`);
    }
  });

  test('saved groups: products and product_counts match the brute force; a PRODUCT_GROUP reference and a negated one too', async () => {
    const saved = new Map<string, any>();
    for (let i = 0; i < 8; i++) {
      const filters = randomFilters();
      const made = await shop.client.post('/catalogs/product_groups', { name: unique('group'), catalog_type: 'RETAIL', catalog_id: catalog.id, filters });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.type, 'MERCHANT_CREATED');
      saved.set(made.body.id, filters);
      const expected = brute(filters);
      assert.deepEqual(await allProducts(shop.client, `/catalogs/product_groups/${made.body.id}/products`, 'GET'), expected, JSON.stringify(filters));
      const counts = await shop.client.get(`/catalogs/product_groups/${made.body.id}/product_counts`);
      const byAvailability = (a: string) => expected.filter((id) => rows.get(id)!.availability === a).length;
      assert.deepEqual(counts.body, {
        catalog_type: 'RETAIL',
        total: expected.length,
        in_stock: byAvailability('in stock'),
        out_of_stock: byAvailability('out of stock'),
        preorder: byAvailability('preorder'),
        videos: expected.filter((id) => rows.get(id)!.video_link !== '').length,
      });
    }
    const [first, second] = [...saved.keys()];
    const referring = { any_of: [{ PRODUCT_GROUP: { values: [first] } }, { PRODUCT_GROUP: { values: [second], negated: true } }] };
    const made = await shop.client.post('/catalogs/product_groups', { name: unique('ref'), feed_id: feed.id, filters: referring });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(await allProducts(shop.client, `/catalogs/product_groups/${made.body.id}/products`, 'GET'), brute(referring, saved));
    assertError(await shop.client.patch(`/catalogs/product_groups/${first}`, { filters: { all_of: [{ PRODUCT_GROUP: { values: [made.body.id] } }] } }), 409, 4183);
    assertError(await shop.client.delete(`/catalogs/product_groups/${first}`), 409, 4183);
  });

  test('conflicts and not-found: 4179 name, 4178 filters (whatever their order), 4183 invalid, 4180 unknown, 4177 the automatic ALL_PRODUCTS group; create_many and delete_many', async () => {
    const s = server();
    const name = unique('pg');
    const filters = { all_of: [{ BRAND: { values: ['Acme'] } }, { MIN_PRICE: { values: 10 } }] };
    const made = await shop.client.post('/catalogs/product_groups', { name, feed_id: feed.id, filters });
    assert.equal(made.status, 201);
    assertError(await shop.client.post('/catalogs/product_groups', { name, feed_id: feed.id, filters: { all_of: [{ BRAND: { values: ['x'] } }] } }), 409, 4179);
    const reordered = { all_of: [{ MIN_PRICE: { values: 10, inclusion: true } }, { BRAND: { values: ['acme'], negated: false } }] };
    assertError(await shop.client.post('/catalogs/product_groups', { name: unique('pg'), feed_id: feed.id, filters: reordered }), 409, 4178);
    for (const bad of [
      { all_of: [{ NONSENSE: { values: ['x'] } }] },
      { all_of: [{ CURRENCY: { values: 'USD', negated: true } }] },
      { all_of: [{ PRODUCT_TYPE_1: { values: [['home']] } }] },
      { any_of: [{ CUSTOM_NUMBER_0: { operator: 'ABOUT', value: 1 } }] },
      { any_of: [{ PRODUCT_GROUP: { values: ['123'] } }] },
    ]) {
      assertError(await shop.client.post('/catalogs/product_groups', { name: unique('pg'), feed_id: feed.id, filters: bad }), 409, 4183);
    }
    assertError(await shop.client.post('/catalogs/product_groups', { name: unique('pg'), feed_id: feed.id, filters: { all_of: [] } }), 400, 1, 'filters.all_of');
    assertError(await shop.client.get('/catalogs/product_groups/999'), 404, 4180);
    const other = await merchant(s);
    assertError(await other.client.get(`/catalogs/product_groups/${made.body.id}`), 404, 4180);
    const all = (await shop.client.get('/catalogs/product_groups', { query: { feed_id: feed.id, page_size: 250 } })).body.items;
    const automatic = all.find((g: any) => g.type === 'ALL_PRODUCTS');
    assert.ok(automatic, 'the feed has its ALL_PRODUCTS group');
    assert.equal((await shop.client.get(`/catalogs/product_groups/${automatic.id}/product_counts`)).body.total, 400);
    assertError(await shop.client.patch(`/catalogs/product_groups/${automatic.id}`, { name: 'mine now' }), 409, 4177);
    assertError(await shop.client.delete(`/catalogs/product_groups/${automatic.id}`), 409, 4177);
    const many = await shop.client.post('/catalogs/product_groups/multiple', [
      { name: unique('m'), feed_id: feed.id, filters: { all_of: [{ BRAND: { values: ['Globex'] } }] } },
      { name: unique('m'), feed_id: feed.id, filters: { all_of: [{ BRAND: { values: ['Initech'] } }] } },
    ]);
    assert.equal(many.status, 201, JSON.stringify(many.body));
    assert.equal(many.body.length, 2);
    const updated = await shop.client.patch(`/catalogs/product_groups/${many.body[0]}`, { name: 'renamed', description: 'Globex only' });
    assert.deepEqual([updated.body.name, updated.body.description], ['renamed', 'Globex only']);
    assert.equal((await shop.client.delete('/catalogs/product_groups/multiple', { query: { id: many.body } })).status, 204);
    assertError(await shop.client.get(`/catalogs/product_groups/${many.body[1]}`), 404, 4180);
  });
});
