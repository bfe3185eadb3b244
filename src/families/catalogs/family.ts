import { adsFamily } from '../ads/family.js';
import { CATALOGS_ROLES } from '../ads/roles.js';
import { defineFamily } from '../family.js';
import { userAccountFamily } from '../user-account/family.js';
import { CatalogService } from './catalogs.js';
import { feedRoutes } from './feed-routes.js';
import { FeedService } from './feeds.js';
import { IngestionRunner } from './ingestion.js';
import { itemRoutes } from './item-routes.js';
import { ItemService } from './items.js';
import { CATALOGS_MIGRATIONS } from './migrations.js';
import { filterValues } from './filter-values.js';
import { catalogFixtures } from './fixtures.js';
import { productGroupRoutes } from './product-group-routes.js';
import { ProductGroupService } from './product-groups.js';
import { reportPages, reportRoutes, ReportService } from './reports.js';

/**
 * Catalogs: catalogs, their feeds ingested on pinbox's clock, items (from feeds and
 * item batches), product groups that filter them, and catalog reports. The ads
 * family says who may name an ad account on these routes (owner, admin, catalogs manager).
 */
export const catalogsFamily = defineFamily({
  name: 'catalogs',
  uses: { users: userAccountFamily, ads: adsFamily },
  migrations: CATALOGS_MIGRATIONS,
  build(core, uses) {
    const { db, clock, ids, bookmarks } = core;
    const users = uses.users.stores.users;
    const catalogs = new CatalogService({ db, clock, ids, bookmarks, users });
    const feeds = new FeedService({ db, clock, ids, bookmarks, catalogs });
    const ingestion = new IngestionRunner({ db, clock, fetchPolicy: core.fetchPolicy, feeds });
    feeds.runIngestion = (resultId) => ingestion.run(resultId);
    const items = new ItemService({ db, clock, ids, catalogs });
    const productGroups = new ProductGroupService({ db, clock, ids, bookmarks, catalogs, feeds });
    // Pinterest: every feed has its automatic ALL_PRODUCTS group (empty filters: every item of the feed).
    feeds.onFeedMade = async (tx, catalog, feed) => {
      await productGroups.insert(tx, { catalog, feedId: feed.id }, { name: `All products (${feed.name})`, filters: { all_of: [] } }, 'ALL_PRODUCTS');
    };
    const reports = new ReportService({ db, clock, bookmarks, catalogs, feeds });
    const routes = [
      ...reportRoutes(reports),
      ...itemRoutes(items),
      ...productGroupRoutes(productGroups),
      ...feedRoutes({ db, catalogs, feeds, filterValues: async (userId, catalogId, feedId) => filterValues(db, await catalogs.owned(userId, catalogId), feedId === undefined ? undefined : (await feeds.owned(userId, feedId)).feed.id) }),
    ];
    uses.ads.services.adAccounts.actingRoles(
      routes.map((route) => route.operationId),
      CATALOGS_ROLES,
    );
    const scheduleOwed = async () => {
      await feeds.scheduleOwed();
      await items.scheduleOwed();
    };
    const forgetCached = async () => {
      productGroups.forgetCached();
      await scheduleOwed();
    };
    return {
      stores: {},
      services: { catalogs, catalogFeeds: feeds, catalogItems: items, productGroups, catalogReports: reports },
      routes,
      pages: reportPages(reports),
      start: scheduleOwed,
      forgetCached,
      fixtures: [catalogFixtures({ catalogs, feeds, users, clock, ids })],
    };
  },
});
