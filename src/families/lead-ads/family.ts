import { adsFamily } from '../ads/family.js';
import { AdIds } from '../ads/ad-ids.js';
import { defineFamily } from '../family.js';
import { leadFormFixtures } from './fixtures.js';
import { LEAD_ADS_MIGRATIONS } from './migrations.js';
import { leadAdsRoutes, leadsExportPages } from './routes.js';
import { LeadAdsService } from './service.js';

/**
 * Lead ads (issue 22, item 4): lead forms, subscriptions with a webhook and an
 * AES-256-GCM key, leads delivered for real to the webhook on pinbox's clock with
 * retries, and leads exports.
 */
export const leadAdsFamily = defineFamily({
  name: 'lead_ads',
  uses: { ads: adsFamily },
  migrations: LEAD_ADS_MIGRATIONS,
  build(core, uses) {
    const { db, clock, bookmarks, instanceSecret, fetchPolicy } = core;
    const leadAds = new LeadAdsService({ db, clock, bookmarks, instanceSecret, fetchPolicy, ids: new AdIds(core.ids), accounts: uses.ads.services.adAccounts });
    return {
      stores: {},
      services: { leadAds },
      routes: leadAdsRoutes(leadAds),
      pages: leadsExportPages(leadAds),
      // Deliveries and exports a stopped process left waiting are carried out when the clock says.
      start: () => leadAds.scheduleWaiting(),
      forgetCached: () => leadAds.scheduleWaiting(),
      fixtures: [leadFormFixtures(leadAds)],
    };
  },
});
