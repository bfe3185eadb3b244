import { analyticsFamily } from '../analytics/family.js';
import { defineFamily } from '../family.js';
import { pinsFamily } from '../pins/family.js';
import { userAccountFamily } from '../user-account/family.js';
import { adAccountRoutes } from './ad-account-routes.js';
import { AdAccountService } from './ad-accounts.js';
import { adGroupEntity } from './ad-groups.js';
import { AdIds } from './ad-ids.js';
import { BulkService } from './bulk.js';
import { bulkResultPages, bulkRoutes } from './bulk-routes.js';
import { adEntity, reviewAd } from './ads.js';
import { advancedAuctionRoutes } from './advanced-auction.js';
import { campaignEntity } from './campaigns.js';
import { adEntityFixtures, adEntityRoutes, EntityService } from './entity.js';
import { adAccountFixtures } from './fixtures.js';
import { keywordBatch, keywordEntity, keywordFixtures, keywordRoutes } from './keywords.js';
import { labelBatch, labelEntity, labelFixtures, labelRoutes } from './labels.js';
import { ADS_MIGRATIONS } from './migrations.js';
import { parentedBulkPart } from './parented-batch.js';
import { TARGETING_MIGRATIONS } from './targeting-migrations.js';
import { targetingTemplateEntity, targetingTemplateRoutes } from './targeting-templates.js';
import { PlanningModel, trendRoutes } from './trends.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { Delivery } from './delivery.js';
import { AudienceTargeting } from './audience-targeting.js';
import { AdsAnalytics } from './ads-analytics.js';
import { adsAnalyticsRoutes } from './ads-analytics-routes.js';
import { deliveryFixtures } from './delivery-fixtures.js';
import { mmmReportRoutes, reportFilePages, reportRoutes, ReportService, templateReportRoutes } from './reports.js';
import { planningRoutes } from './planning.js';
import { previewPages, previewRoutes } from './previews.js';
import { resourceRoutes } from './resources.js';
import { REJECTED_REASONS, setReviewSeconds } from './review.js';

/**
 * Ads, part 1: ad accounts and the roles on them, and the entities scoped to an
 * ad account (campaigns, ad groups, ads), each declared once on the shared
 * mechanism (entity.ts), which makes its routes and fixture section.
 */
export const adsFamily = defineFamily({
  name: 'ads',
  uses: { users: userAccountFamily, pins: pinsFamily, analytics: analyticsFamily },
  migrations: [...ADS_MIGRATIONS, ...TARGETING_MIGRATIONS, ...DELIVERY_MIGRATIONS],
  build(core, uses) {
    const { db, clock, bookmarks } = core;
    const users = uses.users.stores.users;
    const ids = new AdIds(core.ids);
    const adAccounts = new AdAccountService({ db, clock, ids, bookmarks, users });
    const campaigns = campaignEntity();
    const audienceTargeting = new AudienceTargeting();
    const adGroups = adGroupEntity(campaigns, audienceTargeting);
    const ads = adEntity(adGroups, uses.pins.stores.pins);
    const entities = { campaigns, adGroups, ads };
    const delivery = new Delivery({ db, clock, entities, audiences: audienceTargeting });
    const adsAnalytics = new AdsAnalytics({ db, clock, delivery, entities });
    const reports = new ReportService({ db, clock, accounts: adAccounts, analytics: adsAnalytics, entities, instanceSecret: core.instanceSecret });
    const entityDeps = { db, clock, ids, bookmarks, accounts: adAccounts, delivery };
    const services = [campaigns, adGroups, ads].map((entity) => new EntityService(entity, entityDeps));
    const [, , adService] = services;
    // Keywords, labels and targeting templates: on the same mechanism, with their own routes (keywords.ts, labels.ts, targeting-templates.ts).
    const [keywordService, labelService, templateService] = [keywordEntity(campaigns, adGroups), labelEntity(campaigns), targetingTemplateEntity].map(
      (entity) => new EntityService(entity, entityDeps),
    );
    const planning = new PlanningModel(() => uses.analytics.services.analytics.seed());
    const previews = { db, clock, accounts: adAccounts, pins: uses.pins.stores.pins, users };
    const bulk = new BulkService({
      db,
      clock,
      ids,
      accounts: adAccounts,
      entities: services,
      parts: [parentedBulkPart(keywordBatch(keywordService)), parentedBulkPart(labelBatch(labelService))],
      instanceSecret: core.instanceSecret,
    });
    const adReviews = {
      /** Sets how long a submitted ad waits for its review, on pinbox's clock. */
      setReviewSeconds: (value: unknown) => db.transaction((tx) => setReviewSeconds(tx, value)),
      /** Rejects an ad with reasons, or approves it at once. */
      review: async (adId: string, verdict: Parameters<typeof reviewAd>[2]) => {
        // Delivery up to now first: a verdict takes effect from this hour on.
        const [ad] = await ads.store.getMany(db, [adId]);
        if (ad) await delivery.catchUp(ad.ad_account_id);
        return db.transaction((tx) => reviewAd(tx, adId, verdict, clock.now()));
      },
    };
    return {
      stores: { adEntities: { campaigns, adGroups, ads } },
      services: {
        adAccounts,
        adReviews,
        adBulk: bulk,
        adDelivery: {
          /** Fixes an ad's delivery figures for whole days, as setPinMetrics does for Pins. */
          setAdMetrics: (adId: string, dates: readonly string[], metrics: Record<string, number>) => db.transaction((tx) => delivery.fixAdDays(tx, adId, dates, metrics)),
          /** Brings an account's delivery up to the clock. */
          catchUp: (accountId: string) => delivery.catchUp(accountId),
          /** An account's delivery summed by day (and by campaign, ad group or ad): what engagement audiences are sized from. */
          sums: (...args: Parameters<Delivery['sums']> extends [unknown, ...infer Rest] ? Rest : never) => delivery.sums(db, ...args),
        },
        adsAnalytics,
        adReports: reports,
        /** What an entity of another family on the shared mechanism is built with (product group promotions). */
        adEntityDeps: entityDeps,
        /** The delivery model itself (its stored sums and rows), for figures of entities of other families. */
        adDeliveryModel: delivery,
        /** Where the audiences family says which audiences an account may target, and which are READY. */
        audienceTargeting,
      },
      routes: [
        ...adAccountRoutes({ accounts: adAccounts, users }),
        ...services.flatMap(adEntityRoutes),
        ...bulkRoutes(bulk),
        ...previewRoutes(previews),
        ...planningRoutes({ accounts: adAccounts }),
        ...resourceRoutes({ accounts: adAccounts, clock }),
        ...keywordRoutes(keywordService, { db, bookmarks, accounts: adAccounts }),
        ...labelRoutes(labelService, { db, bookmarks, accounts: adAccounts }),
        ...targetingTemplateRoutes(templateService, { db, bookmarks, accounts: adAccounts }),
        ...trendRoutes({ model: planning, accounts: adAccounts, clock }),
        ...advancedAuctionRoutes({ db, clock, accounts: adAccounts }),
        ...adsAnalyticsRoutes({ accounts: adAccounts, clock, analytics: adsAnalytics }),
        ...reportRoutes(reports),
        ...mmmReportRoutes(reports),
        ...templateReportRoutes({ accounts: adAccounts, clock }),
      ],
      pages: (app) => {
        bulkResultPages(bulk)(app);
        previewPages(previews)(app);
        reportFilePages(reports)(app);
      },
      // Bulk requests a stopped process left RUNNING are finished when the clock says; a restored store brings its own.
      start: () => bulk.scheduleRunning(),
      forgetCached: () => bulk.scheduleRunning(),
      fixtures: [
        adAccountFixtures(adAccounts, users),
        ...services.slice(0, 2).map((service) => adEntityFixtures(service)),
        adEntityFixtures(adService, {
          properties: {
            review_status: { enum: ['PENDING', 'APPROVED', 'REJECTED'] },
            rejected_reasons: { type: 'array', items: { enum: REJECTED_REASONS } },
            rejection_labels: { type: 'array', items: { type: 'string' } },
          },
          apply: async (tx, record, item) => {
            if (item.review_status === 'APPROVED' || item.review_status === 'REJECTED') await reviewAd(tx, record.id, item, clock.now());
          },
        }),
        keywordFixtures(keywordService, adAccounts),
        labelFixtures(labelService, adAccounts),
        deliveryFixtures(delivery),
      ],
    };
  },
});
