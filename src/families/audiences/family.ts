import { adsFamily } from '../ads/family.js';
import { AdIds } from '../ads/ad-ids.js';
import { conversionsFamily } from '../conversions/family.js';
import { customerListsFamily } from '../customer-lists/family.js';
import { defineFamily } from '../family.js';
import { AUDIENCE_MIGRATIONS } from './migrations.js';
import { audienceRoutes } from './routes.js';
import { AudienceInsights, insightRoutes } from './insights.js';
import { AudienceSharing, sharingRoutes } from './sharing.js';
import { BusinessSharing, businessSharingRoutes } from './business-sharing.js';
import { AudienceService } from './service.js';

/** Audiences (issue 22, item 2): CUSTOMER_LIST, VISITOR, ENGAGEMENT and ACTALIKE audiences, sized from lists, conversion events and ads delivery. */
export const audiencesFamily = defineFamily({
  name: 'audiences',
  uses: { ads: adsFamily, customerLists: customerListsFamily, conversions: conversionsFamily },
  migrations: AUDIENCE_MIGRATIONS,
  build(core, uses) {
    const audiences = new AudienceService({
      db: core.db,
      clock: core.clock,
      bookmarks: core.bookmarks,
      ids: new AdIds(core.ids),
      accounts: uses.ads.services.adAccounts,
      lists: uses.customerLists.services.customerLists,
      conversions: uses.conversions.services.conversions,
      delivery: uses.ads.services.adDelivery,
    });
    // Ad groups target the account's audiences; one not READY keeps its ad groups from serving.
    uses.ads.services.audienceTargeting.register((q, accountId, ids) => audiences.statuses(q, accountId, ids));
    const insights = new AudienceInsights({ clock: core.clock, delivery: uses.ads.services.adDelivery });
    return {
      stores: {},
      services: { audiences },
      routes: [
        ...audienceRoutes(audiences),
        ...insightRoutes({ insights, accounts: uses.ads.services.adAccounts, clock: core.clock }),
        ...sharingRoutes(new AudienceSharing({ db: core.db, clock: core.clock, accounts: uses.ads.services.adAccounts, audiences })),
        ...businessSharingRoutes(new BusinessSharing({ db: core.db, clock: core.clock, accounts: uses.ads.services.adAccounts, audiences })),
      ],
    };
  },
});
