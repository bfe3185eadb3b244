import type { Migration } from '../../storage/migrate.js';
import { entityTable } from './migrations.js';

/**
 * Keywords, labels and targeting templates: ad-account entities on the shared
 * mechanism (entity.ts), so each table has its common columns (id, ad_account_id,
 * status, created_at, updated_at, extra) and hangs off `ad_accounts`, which makes
 * reset, per-user reset and snapshots reach them. A keyword's or label's parent is
 * named by id and kind (`parent_type`) rather than a foreign key, since a keyword's
 * parent may be the ad account, a campaign or an ad group. Advanced auction bid
 * options belong to the catalog owner, a user.
 */
export const TARGETING_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'ads-keywords-labels-targeting-templates-auction-items',
    sql: `
${entityTable('ad_keywords', ['parent_id TEXT NOT NULL', 'parent_type TEXT NOT NULL', 'match_type TEXT NOT NULL', 'value TEXT NOT NULL'])}
CREATE INDEX ad_keywords_account ON ad_keywords(ad_account_id, id);
CREATE INDEX ad_keywords_parent ON ad_keywords(parent_id, id);

${entityTable('ad_labels', ['parent_id TEXT NOT NULL', 'label_type TEXT NOT NULL', 'value TEXT NOT NULL'])}
CREATE INDEX ad_labels_account ON ad_labels(ad_account_id, id);
CREATE INDEX ad_labels_parent ON ad_labels(parent_id, id);

${entityTable('ad_targeting_templates', ['name TEXT NOT NULL'])}
CREATE INDEX ad_targeting_templates_account ON ad_targeting_templates(ad_account_id, id);

-- advanced_auction items: a retail catalog item's bid options, kept for the
-- catalog's owner (the operation user); the bid options are JSON text.
CREATE TABLE ad_auction_items (
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  catalog_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  country TEXT NOT NULL,
  language TEXT NOT NULL,
  bid_options TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (owner_id, catalog_id, item_id, country, language)
);
`,
  },
];
