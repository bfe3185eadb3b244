import { adsFamily } from '../ads/family.js';
import { adEntityFixtures, EntityService } from '../ads/entity.js';
import { catalogsFamily } from '../catalogs/family.js';
import { defineFamily } from '../family.js';
import { PromotionAnalytics } from './analytics.js';
import { productGroupsBulkPart } from './bulk-part.js';
import { productGroupPromotionEntity } from './entity.js';
import { PRODUCT_GROUP_PROMOTION_MIGRATIONS } from './migrations.js';
import { promotionEntity, promotionRoutes } from './promotions.js';
import { productGroupPromotionRoutes } from './routes.js';

/**
 * Shopping ads: product group promotions, an entity of the ads mechanism under a
 * CATALOG_SALES campaign's ad groups, naming the catalogs family's product groups.
 * A family of its own because it builds on both (the catalogs family already uses
 * the ads family for its roles). It tells the catalogs family which groups are
 * promoted, so a feed or group with an ACTIVE promotion is not deleted (409 4162 / 4176),
 * and answers the ads family's product_groups/analytics from the delivery model
 * (analytics.ts). Beside them, the promotions tag's discount offers (promotions.ts).
 */
export const productGroupPromotionsFamily = defineFamily({
  name: 'product_group_promotions',
  uses: { ads: adsFamily, catalogs: catalogsFamily },
  migrations: PRODUCT_GROUP_PROMOTION_MIGRATIONS,
  build(core, uses) {
    const { campaigns, adGroups } = uses.ads.stores.adEntities;
    const entity = productGroupPromotionEntity({ campaigns, adGroups }, uses.catalogs.services.productGroups);
    const service = new EntityService(entity, uses.ads.services.adEntityDeps);
    const promotions = new EntityService(promotionEntity, uses.ads.services.adEntityDeps);
    const analytics = new PromotionAnalytics({ db: core.db, delivery: uses.ads.services.adDeliveryModel, promotions: entity });
    uses.ads.services.adBulk.addPart(productGroupsBulkPart(service));
    uses.ads.services.adsAnalytics.productGroupRows = (account, request) => analytics.rows(account, request);
    uses.catalogs.services.catalogFeeds.promotedGroup = async (q, groupIds) => {
      if (groupIds.length === 0) return null;
      const row = await q.get<{ catalog_product_group_id: string }>(
        `SELECT catalog_product_group_id FROM ad_product_group_promotions WHERE status = 'ACTIVE' AND catalog_product_group_id IN (${groupIds.map(() => '?').join(', ')}) LIMIT 1`,
        groupIds,
      );
      return row?.catalog_product_group_id ?? null;
    };
    return {
      stores: {},
      services: { productGroupPromotions: service, promotions },
      routes: [...productGroupPromotionRoutes(service), ...promotionRoutes(promotions)],
      fixtures: [adEntityFixtures(service), adEntityFixtures(promotions)],
    };
  },
});
