import { boardsFamily } from '../boards/family.js';
import { defineFamily } from '../family.js';
import { pinsFamily } from '../pins/family.js';
import { ANALYTICS_MIGRATIONS } from './migrations.js';
import { analyticsRoutes } from './routes.js';
import { AnalyticsService } from './service.js';
import { AnalyticsStore } from './store.js';

/** Pin and account analytics with Pinterest's reporting lag, from one seeded model; it also gives Pins their `pin_metrics`. */
export const analyticsFamily = defineFamily({
  name: 'analytics',
  uses: { boards: boardsFamily, pins: pinsFamily },
  migrations: ANALYTICS_MIGRATIONS,
  build(core, { boards, pins }) {
    const store = new AnalyticsStore(core.db);
    const analytics = new AnalyticsService({ db: core.db, store, clock: core.clock, pins: pins.services.pins, boards: boards.stores.boards });
    pins.pinMetrics.provide((pin, viewerId) => analytics.pinMetricsJson(pin, viewerId));
    return {
      stores: { analytics: store },
      services: { analytics },
      routes: analyticsRoutes({ analytics }),
      start: async () => void (await analytics.useSeed(core.analyticsSeed)),
      // The seed is read once from the store; a restored store brings its own.
      forgetCached: async () => void (await analytics.useSeed()),
    };
  },
});
