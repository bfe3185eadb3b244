import type { Migration } from '../../storage/migrate.js';

/**
 * The Conversions API's state: conversion tags per ad account, conversion tokens
 * (only their SHA-256, as for OAuth tokens), and the events recorded from
 * `POST /ad_accounts/{id}/events`, one row per (ad account, event_id) so a
 * repeated event_id is kept once. An event keeps the SHA-256 of its first email
 * (what matching needs), never the raw data it came with. Instants are
 * milliseconds (`*_at`), `event_time` Unix seconds as Pinterest takes it, money
 * micro-currency.
 */
export const CONVERSIONS_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'conversions-api',
    sql: `
CREATE TABLE conversion_tags (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  configs TEXT NOT NULL,
  last_fired_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX conversion_tags_account ON conversion_tags(ad_account_id, id);

CREATE TABLE conversion_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE conversion_events (
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  action_source TEXT NOT NULL,
  event_time BIGINT NOT NULL,
  email_hash TEXT,
  value_micro BIGINT,
  currency TEXT,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (ad_account_id, event_id)
);
CREATE INDEX conversion_events_time ON conversion_events(ad_account_id, event_time);
`,
  },
  {
    version: 9,
    name: 'conversion-events-by-receipt',
    // Events are indexed by when they arrived, not by their event_time: a batch's event
    // times are scattered over minutes to days, so an index on them took each row into a
    // different page (about six times the cost of the insert); arrivals only append.
    // A query by event time bounds the arrival with receiptRange (events.ts).
    sql: `DROP INDEX conversion_events_time;
CREATE INDEX conversion_events_received ON conversion_events(ad_account_id, received_at);`,
  },
  {
    version: 9,
    // `signals`: a bit set of the matching keys and metadata an event came with
    // (events.ts SIGNAL), what the event quality score is computed from; 0 for events
    // recorded before it was kept, which count as carrying only what the v8 columns hold.
    name: 'conversion-event-signals',
    sql: `
ALTER TABLE conversion_events ADD COLUMN signals INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 9,
    // MSOT events: attributed conversions a measurement partner sends (msot_events/create).
    // Pinterest: "These events will NOT be used in Reporting", so nothing reads them but
    // snapshots; one row per (ad account, event_id) as for the Conversions API.
    name: 'msot-events',
    sql: `
CREATE TABLE msot_events (
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  event_timestamp BIGINT NOT NULL,
  ad_group_id TEXT NOT NULL,
  campaign_id TEXT,
  attribution_scope TEXT NOT NULL,
  attribution_model TEXT,
  attribution_score DOUBLE PRECISION,
  action_timestamps TEXT NOT NULL,
  total_events INTEGER,
  total_event_touchpoints INTEGER,
  value_micro BIGINT,
  currency TEXT,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (ad_account_id, event_id)
);
`,
  },
];
