import type { Database, Transaction } from '../../storage/database.js';
import { COUNTER_INDEX, PIN_FORMATS, dayNumber, dayString, emptyTotals, formatOf, type Counter, type PinFormat, type Totals } from './model.js';
import type { PinSeries, Range } from './series.js';
import type { AnalyticsStore } from './store.js';

/**
 * Per-user daily totals, materialized in analytics_user_days and kept equal to the
 * sum over the user's Pins: a day is computed whole the first time it is asked for,
 * and every later change (a Pin made or deleted, a save, a fixed figure) is logged in
 * the writing transaction (by triggers, see migration 6) and folded in before the
 * next read, so no request loops over every Pin's series.
 */
export class AccountTotals {
  constructor(private readonly deps: { db: Database; store: AnalyticsStore; series: PinSeries }) {}

  /** The user's totals per day of the range and format, folding in pending changes and filling missing days first. */
  async userTotals(userId: string, range: Range): Promise<Map<string, Totals>> {
    const from = dayString(range.from);
    const to = dayString(range.to);
    const expected = (range.to - range.from + 1) * PIN_FORMATS.length;
    const rows = await this.deps.store.userDays(userId, from, to);
    // Read (or made) outside the transaction below: the store's seed has a transaction of its own.
    await this.deps.series.seed();
    if (rows.length === expected && !(await this.deps.store.hasChanges(userId))) return parseDays(rows);
    return this.deps.db.transaction(async (tx) => {
      await this.foldChanges(tx, userId);
      const have = parseDays(await this.deps.store.userDays(userId, from, to, tx));
      const missing: number[] = [];
      for (let day = range.from; day <= range.to; day++) if (!have.has(`${dayString(day)}|ORGANIC_IMAGE`)) missing.push(day);
      if (missing.length === 0) return have;
      const span = { from: missing[0], to: missing[missing.length - 1] };
      // One slot per (day of the span, format); days already there get none.
      const slots: (Totals | null)[][] = PIN_FORMATS.map(() => Array.from({ length: span.to - span.from + 1 }, () => null));
      const fresh = new Map<string, Totals>();
      for (const day of missing) {
        PIN_FORMATS.forEach((format, f) => {
          const totals = emptyTotals();
          slots[f][day - span.from] = totals;
          fresh.set(`${dayString(day)}|${format}`, totals);
        });
      }
      const pins = await this.deps.store.pinsOf(userId, tx);
      const formatIndex = pins.map((p) => PIN_FORMATS.indexOf(formatOf(p.creative_type)));
      const adjustments = await this.deps.store.adjustments({ userId }, dayString(span.from), dayString(span.to), tx);
      await this.deps.series.accumulate(pins, span, adjustments, (i, day) => slots[formatIndex[i]][day - span.from]);
      for (const [key, totals] of fresh) {
        const [day, format] = key.split('|') as [string, PinFormat];
        await this.deps.store.writeUserDay(tx, userId, { day, format, totals: JSON.stringify(Array.from(totals)) });
        have.set(key, totals);
      }
      return have;
    });
  }

  /** Folds the user's logged changes into every materialized day, in the transaction that forgets them. */
  private async foldChanges(tx: Transaction, userId: string): Promise<void> {
    const changes = await this.deps.store.takeChanges(tx, userId);
    if (changes.length === 0) return;
    const days = parseDays(await this.deps.store.allUserDays(tx, userId));
    const dayNumbers = [...new Set([...days.keys()].map((key) => dayNumber(key)))].sort((a, b) => a - b);
    if (dayNumbers.length === 0) return;
    const all = { from: dayNumbers[0], to: dayNumbers[dayNumbers.length - 1] };
    const dirty = new Set<string>();
    for (const change of changes) {
      const format = formatOf(change.creative_type);
      if (change.kind === 'delta') {
        const key = `${change.day}|${format}`;
        const totals = days.get(key);
        if (totals) (totals[COUNTER_INDEX[change.metric as Counter]] += Number(change.delta), dirty.add(key));
        continue;
      }
      const pin = { id: change.pin_id, created_at: change.created_at!, creative_type: change.creative_type };
      const sign = change.kind === 'add' ? 1 : -1;
      // A new Pin brings its generated series (its events and fixed figures arrive as deltas);
      // a deleted one takes away everything it counted for.
      const adjustments =
        change.kind === 'add' ? { events: [], overrides: [] } : await this.deps.store.adjustments({ pinIds: [pin.id] }, dayString(all.from), dayString(all.to), tx);
      const scratch = new Map<number, Totals>();
      await this.deps.series.accumulate([pin], all, adjustments, (_i, day) => {
        if (!days.has(`${dayString(day)}|${format}`)) return null;
        let t = scratch.get(day);
        if (!t) scratch.set(day, (t = emptyTotals()));
        return t;
      });
      for (const [day, t] of scratch) {
        const key = `${dayString(day)}|${format}`;
        const totals = days.get(key)!;
        for (let c = 0; c < t.length; c++) totals[c] += sign * t[c];
        dirty.add(key);
      }
      if (change.kind === 'remove') await this.deps.store.forgetPin(tx, pin.id);
    }
    for (const key of dirty) {
      const [day, format] = key.split('|') as [string, PinFormat];
      await this.deps.store.writeUserDay(tx, userId, { day, format, totals: JSON.stringify(Array.from(days.get(key)!)) });
    }
  }
}

function parseDays(rows: { day: string; format: PinFormat; totals: string }[]): Map<string, Totals> {
  return new Map(rows.map((row) => [`${row.day}|${row.format}`, Float64Array.from(JSON.parse(row.totals) as number[])]));
}
