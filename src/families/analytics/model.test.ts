/**
 * The generator on its own: deterministic per (seed, Pin id), shaped like Pin
 * traffic (decay after creation, a weekly rhythm, saves and clicks below impressions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTER_INDEX, PinProfile, dayNumber, emptyTotals, metricValue, type SeriesPin } from './model.js';

const created = dayNumber('2026-01-05');
const pinOf = (i: number, format: SeriesPin['format'] = 'ORGANIC_IMAGE'): SeriesPin => ({ id: String(1_800_000_000_000_000_000n + BigInt(i)), createdDay: created, format });

function series(seed: number, pin: SeriesPin, days: number) {
  const profile = new PinProfile(seed, pin);
  return Array.from({ length: days }, (_, d) => {
    const t = emptyTotals();
    profile.addDay(created + d, t);
    return t;
  });
}

test('the same seed and Pin id give the same series; another seed or Pin another one', () => {
  assert.deepEqual(series(42, pinOf(1), 60), series(42, pinOf(1), 60));
  assert.notDeepEqual(series(42, pinOf(1), 60), series(43, pinOf(1), 60));
  assert.notDeepEqual(series(42, pinOf(1), 60), series(42, pinOf(2), 60));
});

test('nothing before the Pin existed; integers; saves and clicks below impressions; video counters only for video', () => {
  const profile = new PinProfile(7, pinOf(3));
  const before = emptyTotals();
  profile.addDay(created - 1, before);
  assert.deepEqual(before, emptyTotals());
  for (let i = 0; i < 200; i++) {
    for (const t of series(7, pinOf(i), 30)) {
      for (const value of t) assert.ok(Number.isInteger(value) && value >= 0);
      assert.ok(t[COUNTER_INDEX.SAVE] <= t[COUNTER_INDEX.IMPRESSION] && t[COUNTER_INDEX.PIN_CLICK] <= t[COUNTER_INDEX.IMPRESSION]);
      assert.equal(t[COUNTER_INDEX.VIDEO_START], 0);
    }
  }
  const video = series(7, pinOf(5, 'ORGANIC_VIDEO'), 10).reduce((sum, t) => sum + t[COUNTER_INDEX.VIDEO_START], 0);
  assert.ok(video > 0);
});

test('over many Pins: interest decays after creation, weekends beat weekdays, save rate between 1% and 5%', () => {
  const perDay = Array.from({ length: 56 }, () => emptyTotals());
  for (let i = 0; i < 500; i++) series(11, pinOf(i), 56).forEach((t, d) => t.forEach((v, c) => (perDay[d][c] += v)));
  const impressions = perDay.map((t) => t[COUNTER_INDEX.IMPRESSION]);
  const week = (w: number) => impressions.slice(w * 7, w * 7 + 7).reduce((a, b) => a + b, 0);
  assert.ok(week(0) > week(3) && week(3) > week(7), `weekly totals ${[0, 3, 7].map(week)}`);
  // 2026-01-05 is a Monday: days 5 and 6 of each week are Saturday and Sunday.
  let weekend = 0;
  let weekday = 0;
  for (let d = 28; d < 56; d++) (d % 7 >= 5 ? (weekend += impressions[d] / 2) : (weekday += impressions[d] / 5));
  assert.ok(weekend > weekday, 'weekends see more traffic than weekdays');
  const total = emptyTotals();
  for (const t of perDay) t.forEach((v, c) => (total[c] += v));
  const saveRate = metricValue('SAVE_RATE', total);
  assert.ok(saveRate > 0.01 && saveRate < 0.05, `save rate ${saveRate}`);
});
