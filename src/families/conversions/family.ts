import { adsFamily } from '../ads/family.js';
import { AdIds } from '../ads/ad-ids.js';
import { defineFamily } from '../family.js';
import { CONVERSIONS_MIGRATIONS } from './migrations.js';
import { EventQuality } from './eqs.js';
import { MsotEvents } from './msot.js';
import { conversionRoutes } from './routes.js';
import { ConversionService } from './service.js';
import { TagLists, tagListRoutes } from './tag-lists.js';

/**
 * The Conversions API (issue 22, item 3's recording side): conversion tags, conversion
 * tokens and the events sent server-side, recorded for the ads analytics to
 * attribute (`conversions.conversionsFor`).
 */
export const conversionsFamily = defineFamily({
  name: 'conversions',
  uses: { ads: adsFamily },
  migrations: CONVERSIONS_MIGRATIONS,
  build(core, uses) {
    const conversions = new ConversionService({ db: core.db, clock: core.clock, ids: new AdIds(core.ids), accounts: uses.ads.services.adAccounts });
    // Recorded events reach the ads analytics' conversion columns (ads/attribution.ts).
    uses.ads.services.adsAnalytics.attributeFrom((accountId, from, to) => conversions.conversionsFor(accountId, from, to));
    return {
      stores: {},
      services: { conversions },
      routes: [
        ...conversionRoutes(conversions, new EventQuality({ db: core.db, clock: core.clock, accounts: uses.ads.services.adAccounts }), new MsotEvents({ db: core.db, clock: core.clock, accounts: uses.ads.services.adAccounts })),
        ...tagListRoutes({ lists: new TagLists({ db: core.db, clock: core.clock }), accounts: uses.ads.services.adAccounts })],
      forgetCached: () => conversions.forgetCached(),
    };
  },
});
