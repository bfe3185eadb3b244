import type { Migration } from '../../storage/migrate.js';

/**
 * Ads, part 2: delivery, and the async reports made from it. Days are day numbers
 * since 1970-01-01 (UTC), hours are hours of that day; money is integer micro-currency.
 */
/** The counts both delivery tables keep (delivery.ts's DELIVERY_COUNTERS, written out: a shipped migration never changes). */
const COUNTS = ['impressions', 'clicks', 'outbound_clicks', 'saves', 'video_starts', 'video_views', 'video_completes', 'spend'].map((name) => `${name} BIGINT NOT NULL`).join(',\n  ');

export const DELIVERY_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'ads-delivery-and-reports',
    sql: `
-- What each ad delivered: one row per ad, day and stretch of hours computed at once
-- (fixed = 1: figures the control plane or a fixture set for the whole day).
CREATE TABLE ad_delivery (
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  ad_id TEXT NOT NULL REFERENCES ads(id) ON DELETE CASCADE,
  ad_group_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  first_hour INTEGER NOT NULL,
  fixed INTEGER NOT NULL,
  ${COUNTS},
  hourly TEXT NOT NULL,
  PRIMARY KEY (ad_id, day, first_hour, fixed)
);
CREATE INDEX ad_delivery_account_day ON ad_delivery(ad_account_id, day);

-- The same figures summed by ad group and day, kept with every write of ad_delivery:
-- what account, campaign and ad group analytics and the budgets read.
CREATE TABLE ad_delivery_days (
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  ad_group_id TEXT NOT NULL REFERENCES ad_groups(id) ON DELETE CASCADE,
  campaign_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  ${COUNTS},
  PRIMARY KEY (ad_group_id, day)
);
CREATE INDEX ad_delivery_days_account_day ON ad_delivery_days(ad_account_id, day);

-- The first hour not yet delivered, per ad account.
CREATE TABLE ad_delivery_cursors (
  ad_account_id TEXT PRIMARY KEY REFERENCES ad_accounts(id) ON DELETE CASCADE,
  through_hour BIGINT NOT NULL
);

-- When a lifetime budget or cap was spent (summary_status COMPLETED).
ALTER TABLE ad_campaigns ADD COLUMN budget_spent_at BIGINT;
ALTER TABLE ad_groups ADD COLUMN budget_spent_at BIGINT;

-- Async reports: IN_PROGRESS until due_at on pinbox's clock, then made once and kept
-- (the file text) until an hour after they finished.
CREATE TABLE ad_reports (
  token TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  request TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  finished_at BIGINT,
  file TEXT,
  file_format TEXT
);
`,
  },
];
