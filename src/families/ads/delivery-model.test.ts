/** The delivery model's pure parts: seeded and deterministic, exact splits, targeting breadth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdProfile, apportion, C, targetingBreadth } from './delivery.js';
import type { EntityRecord } from './entity.js';

const record = (fields: Record<string, unknown>): EntityRecord => ({ id: '1', ad_account_id: '9', status: 'ACTIVE', created_at: 0, updated_at: 0, ...fields });
const ad = record({ id: '700000000000000001', creative_type: 'REGULAR' });
const group = record({ id: '700000000000000002', billable_event: 'IMPRESSION', bid_in_micro_currency: 10_000_000, targeting_spec: {} });
const campaign = record({ id: '700000000000000003', objective_type: 'AWARENESS' });

function week(seed: number, g = group, a = ad): number[][] {
  const profile = new AdProfile(seed, a, g, campaign, 'USD');
  return Array.from({ length: 168 }, (_, h) => {
    const out = new Float64Array(8);
    profile.hour(490_000 + h, out);
    return [...out];
  });
}

test('the same seed and ids give the same figures; another seed or ad other figures', () => {
  assert.deepEqual(week(7), week(7));
  assert.notDeepEqual(week(7), week(8));
  assert.notDeepEqual(week(7), week(7, group, record({ ...ad, id: '700000000000000009' })));
});

test('a higher bid reaches more; narrower targeting less; spend follows the bid', () => {
  const sum = (rows: number[][], c: number) => rows.reduce((n, row) => n + row[c], 0);
  const base = week(7);
  const rich = week(7, record({ ...group, bid_in_micro_currency: 40_000_000 }));
  const narrow = week(7, record({ ...group, targeting_spec: { GENDER: ['female'], AGE_BUCKET: ['25-34'] } }));
  assert.ok(sum(rich, C.impressions) > sum(base, C.impressions));
  assert.ok(sum(rich, C.spend) > sum(base, C.spend));
  assert.ok(sum(narrow, C.impressions) < sum(base, C.impressions));
  assert.ok(targetingBreadth({ GEO: ['US'] }) < targetingBreadth({}));
});

test('apportion splits exactly, proportionally and never over a weight', () => {
  assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
  assert.deepEqual(apportion(0, [5, 5]), [0, 0]);
  for (let trial = 1; trial < 200; trial++) {
    const weights = Array.from({ length: 1 + (trial % 7) }, (_, i) => ((trial * 7919 + i * 104729) % 1000) + 1);
    const total = Math.floor(weights.reduce((a, b) => a + b, 0) * ((trial % 10) / 10));
    const parts = apportion(total, weights);
    assert.equal(parts.reduce((a, b) => a + b, 0), total);
    parts.forEach((part, i) => assert.ok(part >= 0 && part <= weights[i], `${part} over ${weights[i]}`));
  }
});
