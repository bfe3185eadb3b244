import type { Migration } from '../../storage/migrate.js';

/**
 * Lead ads: lead forms, the subscriptions that receive leads at a webhook (each
 * with its AES-256-GCM key, kept sealed under a key derived from the store's
 * secret, never in the clear), the leads (kept 30 days, as Pinterest keeps them),
 * one delivery row per lead and subscription with its tries, and leads exports.
 * Instants are milliseconds.
 */
export const LEAD_ADS_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'lead-ads',
    sql: `
CREATE TABLE lead_forms (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  form TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX lead_forms_account ON lead_forms(ad_account_id, id);

CREATE TABLE lead_subscriptions (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  lead_form_id TEXT REFERENCES lead_forms(id) ON DELETE CASCADE,
  -- '' for a subscription to the whole ad account: one subscription per (account, form).
  form_key TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  webhook_url TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (ad_account_id, form_key)
);

CREATE TABLE leads (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  lead_form_id TEXT NOT NULL REFERENCES lead_forms(id) ON DELETE CASCADE,
  ad_id TEXT,
  is_test INTEGER NOT NULL,
  answers TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX leads_ad ON leads(ad_account_id, ad_id, created_at);

CREATE TABLE lead_deliveries (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES lead_subscriptions(id) ON DELETE CASCADE,
  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  tries TEXT NOT NULL,
  next_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX lead_deliveries_due ON lead_deliveries(state, next_at);

CREATE TABLE leads_exports (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  ad_id TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  due_at BIGINT,
  created_at BIGINT NOT NULL
);
`,
  },
];
