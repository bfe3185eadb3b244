import { adsFamily } from '../ads/family.js';
import { AdIds } from '../ads/ad-ids.js';
import { defineFamily } from '../family.js';
import { CUSTOMER_LIST_MIGRATIONS } from './migrations.js';
import { customerListFixtures } from './fixtures.js';
import { customerListRoutes, customerListUploadPages } from './routes.js';
import { CustomerListService } from './service.js';

/**
 * Customer lists (issue 22, item 1): records matched for real on pinbox's clock,
 * the counters Pinterest keeps, the multipart upload flow; raw records not kept.
 */
export const customerListsFamily = defineFamily({
  name: 'customer_lists',
  uses: { ads: adsFamily },
  migrations: CUSTOMER_LIST_MIGRATIONS,
  build(core, uses) {
    const { db, clock, bookmarks, instanceSecret } = core;
    const customerLists = new CustomerListService({ db, clock, bookmarks, instanceSecret, ids: new AdIds(core.ids), accounts: uses.ads.services.adAccounts });
    return {
      stores: {},
      services: { customerLists },
      routes: customerListRoutes(customerLists),
      pages: customerListUploadPages(customerLists),
      // Lists waiting for matching and uploads a stopped process left running are finished when the clock says.
      start: () => customerLists.scheduleWaiting(),
      forgetCached: () => customerLists.scheduleWaiting(),
      fixtures: [customerListFixtures(customerLists)],
    };
  },
});
