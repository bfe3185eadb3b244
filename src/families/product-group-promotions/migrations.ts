import type { Migration } from '../../storage/migrate.js';
import { entityTable } from '../ads/migrations.js';

/**
 * Product group promotions: an entity of the ads mechanism (entity.ts's common
 * columns) under an ad group of a CATALOG_SALES campaign, naming a catalog product
 * group. pinbox: deleting the product group (refused while a promotion of it is
 * ACTIVE, 409 4176) takes its paused and archived promotions with it. And the
 * promotions tag's discount offers, entities under the ad account itself.
 */
export const PRODUCT_GROUP_PROMOTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'product_group_promotions',
    sql: `
${entityTable('ad_product_group_promotions', [
  'campaign_id TEXT NOT NULL REFERENCES ad_campaigns(id) ON DELETE CASCADE',
  'ad_group_id TEXT NOT NULL REFERENCES ad_groups(id) ON DELETE CASCADE',
  'catalog_product_group_id TEXT NOT NULL REFERENCES catalog_product_groups(id) ON DELETE CASCADE',
  'included INTEGER NOT NULL',
  'bid_in_micro_currency BIGINT',
])}
CREATE INDEX ad_product_group_promotions_account ON ad_product_group_promotions(ad_account_id, id);
CREATE INDEX ad_product_group_promotions_group ON ad_product_group_promotions(ad_group_id, id);
CREATE INDEX ad_product_group_promotions_product_group ON ad_product_group_promotions(catalog_product_group_id, status);

-- Promotions (discount offers) of an ad account; start and end are Unix seconds.
${entityTable('ad_promotions', ['promotion_title TEXT NOT NULL', 'promotion_type TEXT NOT NULL', 'promotion_custom_id TEXT', 'start_time BIGINT', 'end_time BIGINT'])}
CREATE INDEX ad_promotions_account ON ad_promotions(ad_account_id, id);
`,
  },
];
