import type { IdGenerator } from '../../kernel/ids.js';

/** 10^18: pinbox's 19-digit ids less this fit Pinterest's 18-digit ads ids. */
const OFFSET = 10n ** 18n;

/**
 * Ids of ad accounts and ads entities. Pinterest: these are at most 18 digits (the
 * spec's `maxLength: 18`), one fewer than pinbox's other ids, so the id generator's
 * value is taken less 10^18: still unique, still growing with time, and still 18
 * digits (so text order is number order) for every instant before 2033-05-18, when
 * the generator's milliseconds reach 2 * 10^12.
 * @example new AdIds(ids).next() // '763812345678042000'
 */
export class AdIds {
  constructor(private readonly ids: IdGenerator) {}

  next(): string {
    return (BigInt(this.ids.next()) - OFFSET).toString().padStart(18, '0');
  }
}
