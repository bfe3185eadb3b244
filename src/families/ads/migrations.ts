import type { Migration } from '../../storage/migrate.js';

/**
 * Ad accounts, the roles people hold on them, and the ad-account-scoped entities
 * (campaigns, ad groups, ads). Instants are milliseconds (`*_at`); the schedule
 * (`start_time`, `end_time`) is Unix seconds, as Pinterest gives it; money is
 * integer micro-currency (BIGINT: a lifetime cap passes 2^31 micro at $2,147).
 * Each entity table has the columns the shared mechanism (entity.ts) writes for
 * every entity (id, ad_account_id, status, created_at, updated_at, extra) and
 * those its declaration names; `extra` holds the declared fields pinbox stores
 * but never queries, as JSON.
 */
/**
 * An entity table: the columns the shared mechanism writes for every entity
 * (id, ad_account_id, status, created_at, updated_at), the entity's own, then `extra`.
 */
export function entityTable(table: string, columns: readonly string[]): string {
  const lines = [
    'id TEXT PRIMARY KEY',
    'ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE',
    'status TEXT NOT NULL',
    'created_at BIGINT NOT NULL',
    'updated_at BIGINT NOT NULL',
    ...columns,
    'extra TEXT NOT NULL',
  ];
  return `CREATE TABLE ${table} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n);`;
}

export const ADS_MIGRATIONS: readonly Migration[] = [
  {
    version: 7,
    name: 'ads',
    sql: `
CREATE TABLE ad_accounts (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ad_accounts_owner ON ad_accounts(owner_id, id);

CREATE TABLE ad_account_roles (
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ad_account_id, user_id, role)
);
CREATE INDEX ad_account_roles_user ON ad_account_roles(user_id, ad_account_id);

CREATE TABLE ads_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

${entityTable('ad_campaigns', [
  'name TEXT NOT NULL',
  'objective_type TEXT NOT NULL',
  'daily_spend_cap BIGINT',
  'lifetime_spend_cap BIGINT',
  'is_campaign_budget_optimization INTEGER NOT NULL',
  'is_performance_plus INTEGER NOT NULL',
  'is_flexible_daily_budgets INTEGER NOT NULL',
  'default_ad_group_budget_in_micro_currency BIGINT',
  'start_time BIGINT',
  'end_time BIGINT',
])}
CREATE INDEX ad_campaigns_account ON ad_campaigns(ad_account_id, id);

${entityTable('ad_groups', [
  'campaign_id TEXT NOT NULL REFERENCES ad_campaigns(id) ON DELETE CASCADE',
  'name TEXT NOT NULL',
  'billable_event TEXT NOT NULL',
  'budget_type TEXT NOT NULL',
  'budget_in_micro_currency BIGINT',
  'bid_in_micro_currency BIGINT',
  'bid_strategy_type TEXT',
  'pacing_delivery_type TEXT NOT NULL',
  'start_time BIGINT',
  'end_time BIGINT',
])}
CREATE INDEX ad_groups_account ON ad_groups(ad_account_id, id);
CREATE INDEX ad_groups_campaign ON ad_groups(campaign_id, id);

${entityTable('ads', [
  'campaign_id TEXT NOT NULL REFERENCES ad_campaigns(id) ON DELETE CASCADE',
  'ad_group_id TEXT NOT NULL REFERENCES ad_groups(id) ON DELETE CASCADE',
  'pin_id TEXT NOT NULL',
  'creative_type TEXT NOT NULL',
  'review_status TEXT NOT NULL',
  'review_due_at BIGINT',
  'rejected_reasons TEXT',
  'rejection_labels TEXT',
])}
CREATE INDEX ads_account ON ads(ad_account_id, id);
CREATE INDEX ads_group ON ads(ad_group_id, id);
CREATE INDEX ads_campaign ON ads(campaign_id, id);

-- bulk/upsert and bulk/download: RUNNING until due_at on pinbox's clock, then
-- carried out once; the result file is kept in the row (JSON or CSV text).
CREATE TABLE ad_bulk_requests (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  request TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  result TEXT,
  result_format TEXT
);
CREATE INDEX ad_bulk_requests_running ON ad_bulk_requests(status, due_at);

-- ad_previews/create: a preview page of a Pin (or an image and title) as an ad, by its key.
CREATE TABLE ad_previews (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  pin_id TEXT,
  image_url TEXT,
  title TEXT,
  created_at BIGINT NOT NULL
);
`,
  },
];
