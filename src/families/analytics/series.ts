import type { Database, Queryable } from '../../storage/database.js';
import { COUNTER_INDEX, PinProfile, dayNumber, dayString, emptyTotals, formatOf, type Counter, type Totals } from './model.js';
import type { AnalyticsStore, PinDayValue, SeriesPinRow } from './store.js';

/** A span of days (day numbers, both included). */
export interface Range {
  from: number;
  to: number;
}

/**
 * Reads the model for Pins: the generator under the instance seed, fixed figures in
 * its place, and real events on top. Every figure pinbox reports passes through here.
 */
export class PinSeries {
  private seedValue: number | null = null;

  constructor(private readonly deps: { db: Database; store: AnalyticsStore }) {}

  /** Sets the instance seed (or reads the one stored, made on first start). */
  async useSeed(seed?: number): Promise<number> {
    this.seedValue = await this.deps.store.seed(seed);
    return this.seedValue;
  }

  /** The instance seed. Read it before opening a transaction: the store's seed has a transaction of its own. */
  async seed(): Promise<number> {
    return this.seedValue ?? this.useSeed();
  }

  profile(seed: number, pin: SeriesPinRow): PinProfile {
    return new PinProfile(seed, { id: pin.id, createdDay: dayNumber(pin.created_at), format: formatOf(pin.creative_type) });
  }

  /**
   * Feeds the effective counts of each Pin and day of `range` into the Totals `sink`
   * returns: the model's number (or the figure fixed in its place) plus the real
   * events of that day.
   */
  async accumulate(
    pins: readonly SeriesPinRow[],
    range: Range,
    adjustments: { events: PinDayValue[]; overrides: PinDayValue[] },
    sink: (pinIndex: number, day: number) => Totals | null,
  ): Promise<void> {
    const seed = await this.seed();
    const profiles = pins.map((pin) => this.profile(seed, pin));
    profiles.forEach((profile, i) => {
      for (let day = Math.max(range.from, profile.pin.createdDay); day <= range.to; day++) {
        const into = sink(i, day);
        if (into) profile.addDay(day, into);
      }
    });
    if (adjustments.events.length === 0 && adjustments.overrides.length === 0) return;
    const index = new Map(pins.map((pin, i) => [pin.id, i]));
    for (const event of adjustments.events) {
      const i = index.get(event.pin_id);
      const into = i === undefined ? null : sink(i, dayNumber(event.day));
      if (into) into[COUNTER_INDEX[event.metric as Counter]] += Number(event.value);
    }
    for (const fixed of adjustments.overrides) {
      const i = index.get(fixed.pin_id);
      const day = dayNumber(fixed.day);
      const into = i === undefined ? null : sink(i, day);
      if (!into) continue;
      const generated = emptyTotals();
      profiles[i!].addDay(day, generated);
      const c = COUNTER_INDEX[fixed.metric as Counter];
      into[c] += Number(fixed.value) - generated[c];
    }
  }

  /** Effective counts of a few Pins, per day of the range. */
  async pinSeries(pins: readonly SeriesPinRow[], range: Range, q: Queryable = this.deps.db): Promise<Totals[][]> {
    const series = pins.map(() => Array.from({ length: range.to - range.from + 1 }, emptyTotals));
    const adjustments = await this.deps.store.adjustments({ pinIds: pins.map((p) => p.id) }, dayString(range.from), dayString(range.to), q);
    await this.accumulate(pins, range, adjustments, (i, day) => series[i][day - range.from]);
    return series;
  }
}
