import { invalidField } from '../../kernel/errors.js';
import type { Queryable } from '../../storage/database.js';

/**
 * Pinterest: new and edited ads are reviewed, most within one business day
 * (help.pinterest.com "about-ad-review-process"). pinbox approves a submitted ad
 * once this long has passed on its clock; the control plane sets another time.
 */
export const DEFAULT_REVIEW_SECONDS = 24 * 60 * 60;
const REVIEW_SECONDS_KEY = 'review_seconds';

/** Pinterest: the 48 `rejected_reasons` an ad may carry (AdResponse). */
export const REJECTED_REASONS = (
  'HASHTAGS PROMOTIONS_AND_PRICES TARGETING LANDING_PAGE CAPS_AND_SYMBOLS SHOCKING WEIGHT_LOSS PROHIBITED_PRODUCT AUTHENTICITY NUDITY CONFUSING_DESIGN URGENCY RATINGS APP ALCOHOL CONTESTS POLITICAL OTHER IMAGE NAR INCONSISTENT CLICKBAIT NO_DESCRIPTION LOW_QUALITY EXAGGERATED_CLAIMS PINTEREST_BRAND ALCOHOL_NO_SALE LANDING_PAGE_SPEED LANDING_PAGE_HARDWALL LANDING_PAGE_BROKEN LANDING_PAGE_QUALITY OUT_OF_STOCK IMAGE_LOW_QUALITY IMAGE_BUSY IMAGE_POORLY_EDITED IMAGE_BEFORE_AFTER UGC FAKE_BUTTONS WEAPONS SENSITIVE UNACCEPTABLE_BUSINESS SUSPICIOUS_CLAIMS PHARMA SUSPICIOUS_SUPPLEMENTS ILLEGAL_RECREATIONAL_DRUG LOW_QUALITY_LANDING_PAGE RESTRICTED_HEALTHCARE INCONSISTENT_LANG_FR'
).split(' ');

/** The review time, kept in the store so that every process of a team instance agrees. */
export async function reviewSeconds(q: Queryable): Promise<number> {
  const row = await q.get<{ value: string }>('SELECT value FROM ads_settings WHERE name = ?', [REVIEW_SECONDS_KEY]);
  return row ? Number(row.value) : DEFAULT_REVIEW_SECONDS;
}

export async function setReviewSeconds(q: Queryable, value: unknown): Promise<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalidField('seconds', 'must be a whole number of seconds, 0 or more');
  await q.run('DELETE FROM ads_settings WHERE name = ?', [REVIEW_SECONDS_KEY]);
  await q.run('INSERT INTO ads_settings (name, value) VALUES (?, ?)', [REVIEW_SECONDS_KEY, String(value)]);
  return value;
}

/** The review status an ad shows now: a submitted ad whose review time has passed is APPROVED. */
export function reviewStatusAt(record: Record<string, unknown>, nowMs: number): string {
  if (record.review_status === 'PENDING' && typeof record.review_due_at === 'number' && record.review_due_at <= nowMs) return 'APPROVED';
  return String(record.review_status);
}
