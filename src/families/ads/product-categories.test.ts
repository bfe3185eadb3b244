/**
 * Over HTTP: product-category trends (details and trending) from the seeded trends
 * model: well-formed categories answered, malformed ones and bad filters refused
 * naming the field, the same answer for the same seed. Every answer is checked
 * against the official spec by the harness. The category names asked for are read
 * from the spec here (pinbox's source has no list of them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredStatuses, assertError, useServer } from '../../../test/harness.js';
import { adsPerson } from '../../../test/ads.js';
import { loadSpec } from '../../../test/spec.js';

const server = useServer({ analyticsSeed: 11 });
const twin = useServer({ analyticsSeed: 11 });

const specCategories: string[] = loadSpec()?.spec.components.schemas.ProductCategoryEnum?.enum ?? ['AREA_RUGS', 'BACKPACKS', 'BEDDING'];
const CATEGORIES = [specCategories[0], specCategories[Math.floor(specCategories.length / 2)], specCategories[specCategories.length - 1]];

test('details: a series over the lookback window, highlights, related searches and demographics for each category', async () => {
  const { client } = await adsPerson(server());
  const response = await client.get('/trends/product_categories/details', { query: { product_categories: CATEGORIES.join(','), region: 'US', lookback_window: '90', engagement_type: 'SAVE' } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body.map((d: any) => d.product_category), CATEGORIES);
  for (const detail of response.body) {
    const series = Object.values(detail.time_series) as number[];
    assert.equal(series.length, 13, '90 days of weeks');
    assert.ok(series.every((v) => v >= 0 && v <= 100) && series.includes(100));
    assert.equal(typeof detail.metrics_highlights.pin_saves.pct_change_mom, 'number');
    assert.ok(detail.related_searches.length > 0);
    const gender = detail.demographics.gender;
    assert.ok(Math.abs(gender.female + gender.male + gender.unspecified - 1) < 0.05);
  }
  const year = await client.get('/trends/product_categories/details', { query: { product_categories: CATEGORIES[0], region: 'GB+IE' } });
  assert.equal(year.status, 200);
  assert.equal(Object.keys(year.body[0].time_series).length, 52, 'the default lookback is 365 days');
  const { client: other } = await adsPerson(twin());
  const again = await other.get('/trends/product_categories/details', { query: { product_categories: CATEGORIES.join(','), region: 'US', lookback_window: '90', engagement_type: 'SAVE' } });
  assert.deepEqual(again.body, response.body, 'the same seed, the same answer');
});

test('details: malformed categories, too many, a bad region or window are 400s naming the field', async () => {
  const { client } = await adsPerson(server());
  const get = (query: Record<string, string>) => client.get('/trends/product_categories/details', { query: { region: 'US', ...query } });
  assertError(await get({ product_categories: 'area rugs' }), 400, 1, 'product_categories');
  assertError(await get({ product_categories: 'AREA__RUGS' }), 400, 1, 'product_categories');
  assertError(await get({ product_categories: Array.from({ length: 21 }, (_, i) => `CATEGORY_${i}`).join(',') }), 400, 1, 'product_categories');
  assertError(await client.get('/trends/product_categories/details', { query: { product_categories: CATEGORIES[0] } }), 400, 1, 'region');
  assertError(await get({ product_categories: CATEGORIES[0], region: 'DE' }), 400, 1, 'region');
  assertError(await get({ product_categories: CATEGORIES[0], lookback_window: '30' }), 400, 1, 'lookback_window');
});

test('trending: up to 50 growing categories in their verticals, filtered by vertical and audience', async () => {
  const { client } = await adsPerson(server());
  const all = await client.get('/trends/product_categories/trending', { query: { region: 'US' } });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.length, 50);
  assert.ok(all.body.every((c: any) => /^[A-Z0-9]+(_[A-Z0-9]+)*$/.test(c.product_category) && c.engagement_type === 'ENGAGEMENT'));
  assert.ok(all.body.some((c: any) => c.percent_relative_volume === 100));
  const beauty = await client.get('/trends/product_categories/trending', { query: { region: 'CA', verticals: 'BEAUTY', genders: 'FEMALE', ages: '25-34', engagement_type: 'OUTBOUND_CLICK' } });
  assert.equal(beauty.status, 200, JSON.stringify(beauty.body));
  assert.ok(beauty.body.length > 0 && beauty.body.every((c: any) => c.verticals.length === 1 && c.verticals[0] === 'BEAUTY' && c.engagement_type === 'OUTBOUND_CLICK'));
  assertError(await client.get('/trends/product_categories/trending', { query: { region: 'US', verticals: 'GARDEN' } }), 400, 1, 'verticals.0');
  assertError(await client.get('/trends/product_categories/trending', { query: { region: 'US', genders: 'female' } }), 400, 1, 'genders.0');
});

test('both product-category operations were answered here as they succeed and as they are refused', () => {
  for (const operationId of ['trends_product_categories_details/list', 'trends_product_categories_trending/list']) {
    const statuses = answeredStatuses(operationId);
    assert.ok(statuses.some((status) => status < 300), `${operationId} never succeeded here`);
    assert.ok(statuses.some((status) => status >= 400), `${operationId} never refused here`);
  }
});
